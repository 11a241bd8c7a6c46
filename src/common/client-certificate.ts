/**
 * ES2+ mutual TLS (SGP.22 §2.6.6): the HTTPS server requests a client certificate on every connection but
 * does not reject connections without one (ES9+ clients have none). Node verifies a presented certificate
 * against the operator CA (certs/operators/ca.*); `socket.authorized` tells whether it chained.
 */
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

interface RequestLike {
  raw?: { socket?: unknown };
  socket?: unknown;
}

/** The peer certificate if the client presented one that chains to the operator CA, else undefined. */
export function getVerifiedClientCertificate(request: RequestLike): X509Certificate | undefined {
  const socket = (request.raw?.socket ?? request.socket) as Partial<TLSSocket> | undefined;
  if (!socket || socket.encrypted !== true || socket.authorized !== true) return undefined;
  return socket.getPeerX509Certificate?.() ?? undefined;
}
