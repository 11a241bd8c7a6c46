/**
 * HTTPS options for the one port that serves ES9+ and ES2+ (SGP.22 §2.6.6):
 *  - CERT.DP.TLS from certs/tls (server.pem or server.der, server.key.pem, optional chain.pem);
 *  - TLS 1.2 or later; TLS 1.2 suites restricted to ECDHE-ECDSA, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 first;
 *  - a client certificate is requested but not required: ES9+ clients (LPAs) have none, ES2+ clients present
 *    one issued by the operator CA (certs/operators/ca.*), checked by the ES2+ guard through
 *    getVerifiedClientCertificate(). Without an operator CA no client certificate is requested at all.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { join } from 'node:path';

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

/** A certificate file as PEM (DER is converted), or undefined when neither base.pem nor base.der exists. */
function readCertificate(base: string): string | undefined {
  if (existsSync(`${base}.pem`)) return readFileSync(`${base}.pem`, 'utf8');
  if (existsSync(`${base}.der`)) return new X509Certificate(readFileSync(`${base}.der`)).toString();
  return undefined;
}

export function loadTlsOptions(certsDir: string): ServerOptions {
  const tlsDir = join(certsDir, 'tls');
  const cert = readCertificate(join(tlsDir, 'server'));
  const keyPath = join(tlsDir, 'server.key.pem');
  if (!cert || !existsSync(keyPath)) {
    throw new TlsConfigError(
      `TLS_MODE=on needs ${join(tlsDir, 'server.pem')} (or .der) and ${keyPath}; run \`npm run pki -- init\` or set TLS_MODE=off`,
    );
  }
  const chainPath = join(tlsDir, 'chain.pem');
  const chain = existsSync(chainPath) ? readFileSync(chainPath, 'utf8') : '';
  const operatorCa = readCertificate(join(certsDir, 'operators', 'ca'));
  return {
    cert: cert.trimEnd() + '\n' + chain,
    key: readFileSync(keyPath),
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
    ecdhCurve: 'P-256:X25519:P-384',
    requestCert: operatorCa !== undefined,
    rejectUnauthorized: false,
    ...(operatorCa ? { ca: operatorCa } : {}),
  };
}
