/** TLS client material for tests. */
import { derToPem } from '../../src/pki/rsp-certificate';
import { issueOperatorCa, issueOperatorClient } from '../../src/pki/dev-pki';

export interface Pem {
  cert: string;
  key: string;
}

/** A client certificate from an operator CA this server does not trust (mutual TLS must not accept it). */
export function strangerClientCertificate(name = 'stranger'): Pem {
  const now = new Date();
  const ca = issueOperatorCa({ now });
  const client = issueOperatorClient(ca, name, { now });
  return { cert: derToPem(client.cert.der), key: client.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}
