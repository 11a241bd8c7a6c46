/**
 * Private-key PEM loading. Accepts PKCS#8 (`PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`), with or without a
 * preceding `EC PARAMETERS` block, as the GSMA SGP.26 files ship them (digest §5.3).
 */
import { createPrivateKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export class KeyFileError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'KeyFileError';
  }
}

const KEY_BLOCK = /-----BEGIN ((?:EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/;

/** The private key of a PEM text (the EC PARAMETERS block, if any, is ignored: SEC1 keys name their curve). */
export function parsePrivateKeyPem(pem: string, file?: string): KeyObject {
  const m = KEY_BLOCK.exec(pem);
  if (!m) throw new KeyFileError('no PRIVATE KEY / EC PRIVATE KEY PEM block', file);
  if (m[1] === 'ENCRYPTED PRIVATE KEY') throw new KeyFileError('encrypted private keys are not supported', file);
  try {
    const key = createPrivateKey({ key: m[0], format: 'pem' });
    if (key.asymmetricKeyType !== 'ec') throw new Error(`key type ${key.asymmetricKeyType} is not EC`);
    return key;
  } catch (e) {
    throw new KeyFileError(`cannot load private key: ${(e as Error).message}`, file);
  }
}

export function loadPrivateKeyFile(file: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new KeyFileError(`cannot read: ${(e as Error).message}`, file);
  }
  return parsePrivateKeyPem(text, file);
}

/** PKCS#8 PEM (what Node's TLS and every other consumer accepts). */
export function privateKeyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}
