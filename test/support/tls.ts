/**
 * Throw-away TLS material for tests (P-256, via @peculiar/x509 on Node's WebCrypto): a server certificate
 * for localhost/127.0.0.1 written as certs/tls/server.pem + server.key.pem, an operator CA written as
 * certs/operators/ca.pem, and client certificates issued by that CA (or by an unrelated CA).
 */
import { KeyObject, webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

export interface TestTls {
  /** CA of the server certificate (trust it in the client). */
  serverCa: string;
  /** An ES2+ client certificate issued by the operator CA. */
  operatorClient: Pem;
  /** A client certificate from an unrelated CA. */
  strangerClient: Pem;
}

/** Writes certs/tls and certs/operators into `certsDir`. */
export async function writeTestTls(certsDir: string): Promise<TestTls> {
  const serverCa = await selfSignedCa('Test TLS CA');
  const server = await issue(serverCa, 'localhost', [
    new x509.SubjectAlternativeNameExtension([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  ]);
  const operatorCa = await selfSignedCa('Test Operator CA');
  const operatorClient = await issue(operatorCa, 'operator-1', [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
  const strangerCa = await selfSignedCa('Stranger CA');
  const strangerClient = await issue(strangerCa, 'stranger', [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);

  mkdirSync(join(certsDir, 'tls'), { recursive: true });
  mkdirSync(join(certsDir, 'operators'), { recursive: true });
  writeFileSync(join(certsDir, 'tls', 'server.pem'), server.cert);
  writeFileSync(join(certsDir, 'tls', 'server.key.pem'), server.key);
  writeFileSync(join(certsDir, 'operators', 'ca.pem'), operatorCa.pem.cert);
  writeFileSync(join(certsDir, 'operators', 'ca.key.pem'), operatorCa.pem.key);
  return { serverCa: serverCa.pem.cert, operatorClient, strangerClient };
}
