/**
 * Key derivation for the BSP session keys (SGP.22 §2.6.4.3 / Annex G, digest §4.2): ANSI X9.63 KDF with
 * SHA-256 over the ECKA shared secret.
 *
 *   K_i        = SHA-256(ShS ‖ counter_i (4 bytes BE, from 1) ‖ SharedInfo)
 *   SharedInfo = keyType ‖ keyLength ‖ L(hostId) ‖ hostId ‖ L(EID) ‖ EID      (keyType 88 = AES, keyLength 10)
 *   K[0..16) = initial MAC chaining value, K[16..32) = S-ENC, K[32..48) = S-MAC
 */
import { createHash } from 'node:crypto';
import { CryptoError } from './errors';

/** ANSI X9.63 KDF (SEC 1 §3.6.1) with SHA-256. */
export function x963KdfSha256(sharedSecret: Buffer, sharedInfo: Buffer, length: number): Buffer {
  const blocks = Math.ceil(length / 32);
  const out = Buffer.allocUnsafe(blocks * 32);
  const counter = Buffer.allocUnsafe(4);
  for (let i = 0; i < blocks; i++) {
    counter.writeUInt32BE(i + 1, 0);
    createHash('sha256').update(sharedSecret).update(counter).update(sharedInfo).digest().copy(out, i * 32);
  }
  return out.subarray(0, length);
}

/** Session keys of one BSP secure channel (or, with ReplaceSessionKeys, the PPK keys). */
export interface SessionKeys {
  initialMacChainingValue: Buffer;
  /** S-ENC (or PPK-ENC) — AES-128. */
  sEnc: Buffer;
  /** S-MAC (or PPK-MAC) — AES-128 CMAC. */
  sMac: Buffer;
}

/** ControlRefTemplate keyType '88' (AES) and keyLen '10' (16 bytes), SGP.22 §5.5.1. */
export const KEY_TYPE_AES = 0x88;
export const KEY_LENGTH_128 = 0x10;

/**
 * EID (32 decimal digits) → 16 bytes, the digits read as hex nibbles, not swapped (digest §4.2 step 3).
 */
export function eidToBytes(eid: string): Buffer {
  if (!/^[0-9]{32}$/.test(eid)) throw new CryptoError(`EID must be 32 decimal digits, got "${eid}"`);
  return Buffer.from(eid, 'hex');
}

/** SGP.22 §2.6.4.3: derives initialMacChainingValue, S-ENC and S-MAC from ShS, hostId and the EID (16 bytes). */
export function deriveSessionKeys(shs: Buffer, hostId: Buffer, eid16: Buffer): SessionKeys {
  if (eid16.length !== 16) throw new CryptoError(`EID must be 16 bytes, got ${eid16.length}`);
  if (hostId.length === 0 || hostId.length > 16) throw new CryptoError(`hostId of ${hostId.length} bytes`);
  const sharedInfo = Buffer.allocUnsafe(4 + hostId.length + eid16.length);
  let p = 0;
  sharedInfo[p++] = KEY_TYPE_AES;
  sharedInfo[p++] = KEY_LENGTH_128;
  sharedInfo[p++] = hostId.length;
  p += hostId.copy(sharedInfo, p);
  sharedInfo[p++] = eid16.length;
  eid16.copy(sharedInfo, p);
  const k = x963KdfSha256(shs, sharedInfo, 48);
  return { initialMacChainingValue: k.subarray(0, 16), sEnc: k.subarray(16, 32), sMac: k.subarray(32, 48) };
}
