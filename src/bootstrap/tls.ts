/**
 * HTTPS options for the one port that serves ES9+ and ES2+ (SGP.22 §2.6.6), from the cert store:
 *  - CERT.DP.TLS (certs/tls/server.{pem,der} + server.key.pem, optional chain.pem);
 *  - TLS 1.2 or later; TLS 1.2 suites restricted to ECDHE-ECDSA, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 first;
 *  - a client certificate is requested but not required: ES9+ clients (LPAs) have none, ES2+ clients present
 *    one issued by the operator CA (certs/operators/ca.*), checked by the ES2+ guard through
 *    getVerifiedClientCertificate(). Without an operator CA no client certificate is requested at all
 *    (otherwise Node would verify client certificates against its public root store).
 */
import type { ServerOptions } from 'node:https';
import { join } from 'node:path';
import type { CertStore } from '../pki/cert-store';
import { derToPem } from '../pki/rsp-certificate';

/** OpenSSL names; the first is SGP.22's mandatory TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256. */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
].join(':');

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

export function tlsServerOptions(store: Pick<CertStore, 'dir' | 'tls' | 'operatorCa'>): ServerOptions {
  if (!store.tls) {
    const dir = join(store.dir, 'tls');
    throw new TlsConfigError(
      `TLS_MODE=on needs ${join(dir, 'server.pem')} (or .der) and ${join(dir, 'server.key.pem')}; run \`npm run pki -- init\` or set TLS_MODE=off`,
    );
  }
  const operatorCa = store.operatorCa ? derToPem(store.operatorCa.der) : undefined;
  return {
    cert: store.tls.certPem + (store.tls.chainPem ?? ''),
    key: store.tls.keyPem,
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
    ecdhCurve: 'P-256:X25519:P-384',
    requestCert: operatorCa !== undefined,
    rejectUnauthorized: false,
    ...(operatorCa ? { ca: operatorCa } : {}),
  };
}
