/**
 * AES-CMAC (NIST SP 800-38B, RFC 4493) over node:crypto AES-128.
 *
 * Used by the BSP (SGP.22 §2.6.4.4, ex-SCP03t) for the MAC of every protected TLV, with S-MAC or PPK-MAC.
 * `AesCmac` derives the subkeys K1/K2 once per key, so a BSP session computing many MACs with the same key
 * pays for that only once; `mac(...parts)` takes the message in pieces so callers need not concatenate.
 */
import { createCipheriv } from 'node:crypto';
import { CryptoError } from './errors';

const BLOCK = 16;
const ZERO_IV = Buffer.alloc(BLOCK);
/** R_b for a 128-bit block cipher (RFC 4493 §2.3). */
const RB = 0x87;

function aesAlgorithm(key: Buffer, mode: 'ecb' | 'cbc'): string {
  switch (key.length) {
    case 16:
      return `aes-128-${mode}`;
    case 24:
      return `aes-192-${mode}`;
    case 32:
      return `aes-256-${mode}`;
    default:
      throw new CryptoError(`AES key of ${key.length} bytes`);
  }
}

/** AES-ECB encryption of one 16-byte block. */
export function aesEncryptBlock(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv(aesAlgorithm(key, 'ecb'), key, null).setAutoPadding(false);
  return c.update(block);
}

/** Left shift by one bit of a 16-byte block, XOR R_b if the top bit was set (RFC 4493 §2.3 "Generate_Subkey"). */
function dbl(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(BLOCK);
  for (let i = 0; i < BLOCK - 1; i++) out[i] = ((b[i] << 1) | (b[i + 1] >>> 7)) & 0xff;
  out[BLOCK - 1] = (b[BLOCK - 1] << 1) & 0xff;
  if (b[0] & 0x80) out[BLOCK - 1] ^= RB;
  return out;
}

export class AesCmac {
  private readonly algorithm: string;
  private readonly k1: Buffer;
  private readonly k2: Buffer;

  constructor(private readonly key: Buffer) {
    this.algorithm = aesAlgorithm(key, 'cbc');
    const l = aesEncryptBlock(key, ZERO_IV);
    this.k1 = dbl(l);
    this.k2 = dbl(this.k1);
  }

  /** The full 16-byte CMAC of the concatenation of `parts`. */
  mac(...parts: Buffer[]): Buffer {
    let total = 0;
    for (const p of parts) total += p.length;
    // Bytes processed as plain CBC blocks; the last (possibly partial) block is masked with K1/K2.
    const complete = total > 0 && total % BLOCK === 0;
    const head = complete ? total - BLOCK : total - (total % BLOCK);
    const cipher = createCipheriv(this.algorithm, this.key, ZERO_IV).setAutoPadding(false);
    const last = Buffer.alloc(BLOCK);
    let pos = 0;
    let lastFill = 0;
    for (const p of parts) {
      const end = pos + p.length;
      if (pos < head) {
        const n = Math.min(p.length, head - pos);
        cipher.update(n === p.length ? p : p.subarray(0, n));
        if (n < p.length) lastFill += p.copy(last, lastFill, n);
      } else {
        lastFill += p.copy(last, lastFill);
      }
      pos = end;
    }
    const mask = complete ? this.k1 : this.k2;
    if (!complete) last[lastFill] = 0x80; // 10* padding (RFC 4493 §2.4 step 4)
    for (let i = 0; i < BLOCK; i++) last[i] ^= mask[i];
    const out = cipher.update(last);
    return out.subarray(out.length - BLOCK);
  }
}

/** One-shot AES-CMAC (RFC 4493). Prefer an `AesCmac` instance when the key is used more than once. */
export function aesCmac(key: Buffer, data: Buffer): Buffer {
  return new AesCmac(key).mac(data);
}
