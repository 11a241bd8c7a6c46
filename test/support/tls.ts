/**
 * Throw-away TLS material for tests (P-256, via @peculiar/x509 on Node's WebCrypto), independent of the
 * development PKI: a client certificate from an unrelated CA.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const crypto = webcrypto as any;
const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Pem {
  cert: string;
  key: string;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(alg, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

function keyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ format: 'pem', type: 'pkcs8' }).toString();
}

async function selfSignedCa(name: string): Promise<{ pem: Pem; keys: CryptoKeyPair; cert: x509.X509Certificate }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${name}`,
      keys,
      signingAlgorithm: alg,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    },
    crypto,
  );
  return { pem: { cert: cert.toString('pem'), key: keyPem(keys.privateKey) }, keys, cert };
}

async function issue(ca: { keys: CryptoKeyPair; cert: x509.X509Certificate }, subject: string, extensions: x509.Extension[]): Promise<Pem> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${subject}`,
      issuer: ca.cert.subject,
      publicKey: keys.publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: alg,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions,
    },
    crypto,
  );
  return { cert: cert.toString('pem'), key: keyPem(keys.privateKey) };
}

/** A client certificate from a CA nobody trusts (to prove mutual TLS rejects it). */
export async function strangerClientCertificate(): Promise<Pem> {
  const strangerCa = await selfSignedCa('Stranger CA');
  return issue(strangerCa, 'stranger', [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
}
