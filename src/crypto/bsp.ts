/**
 * BSP — the Bound Profile Package protection (SGP.22 §2.5.3 / §2.6.4.4, ex-SCP03t; digest §4.3).
 *
 * Per protected TLV (tag 86, 87 or 88):
 *   blockCounter  16-byte big-endian integer, 1 for the first TLV after a key set-up, +1 per TLV — also for
 *                 MAC-only (88) TLVs
 *   ICV           = AES-ECB(S-ENC, blockCounter)
 *   C             = AES-CBC(S-ENC, IV = ICV, data ‖ 80 ‖ 00…)          (encrypted TLVs only; else C = data)
 *   Lcc           = len(C) + 8
 *   fullMAC       = AES-CMAC(S-MAC, MCV ‖ tag ‖ BERlen(Lcc) ‖ C)
 *   TLV           = tag ‖ BERlen(Lcc) ‖ C ‖ fullMAC[0..8)
 *   MCV           ← fullMAC (all 16 bytes), chained across 87/88/86
 * Each TLV is at most 1020 bytes including tag, length and MAC (SGP.22 §2.5.3), hence ≤ 1007 plaintext bytes
 * per encrypted segment and ≤ 1008 per MAC-only segment.
 * ReplaceSessionKeys (SGP.22 §2.5.5) installs PPK-ENC/PPK-MAC with their own initial MCV; the counter
 * restarts at 1.
 */
import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import { Asn1Error, encodeLength, hexTag, readTlv, Tlv } from '../asn1/tlv';
import { AesCmac, aesEncryptBlock } from './cmac';
import { SessionKeys } from './kdf';

export type BspTag = 0x86 | 0x87 | 0x88;

/** SGP.22 §2.5.3: maximum size of one protected TLV, tag, length and MAC included. */
export const BSP_MAX_TLV_LENGTH = 1020;
/** Largest plaintext of an encrypted segment: 1007 → 1008 ciphertext + 8 MAC → `xx 82 03 F8`, 1020 bytes. */
export const BSP_MAX_ENCRYPTED_SEGMENT = 1007;
/** Largest plaintext of a MAC-only segment: 1008 + 8 MAC → 1020 bytes. */
export const BSP_MAX_MAC_ONLY_SEGMENT = 1008;

const BLOCK = 16;
const MAC_LENGTH = 8;
const ZERO_IV = Buffer.alloc(BLOCK);

export type BspErrorKind = 'mac' | 'padding' | 'structure' | 'size';

/**
 * A BSP failure. `mac` is an integrity failure (ErrorReason scp03tSecurityError(8)); `padding` and
 * `structure` are malformed protected data (scp03tStructureError(7)); `size` is a TLV over 1020 bytes.
 */
export class BspError extends Error {
  constructor(
    readonly kind: BspErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'BspError';
  }
}

export interface UnprotectOptions {
  /** Reject TLVs longer than 1020 bytes (SGP.22 §2.5.3). Default true. */
  enforceMaxLength?: boolean;
}

/** One direction-agnostic BSP secure channel: the SM-DP+ protects, the eUICC unprotects with the same state. */
export class BspSession {
  private enc!: Buffer;
  private cmac!: AesCmac;
  private mcv!: Buffer;
  private counter = 1;

  constructor(keys: SessionKeys) {
    this.install(keys);
  }

  /** SGP.22 §2.5.5 ReplaceSessionKeys: PPK-ENC/PPK-MAC and their initial MCV; the block counter restarts at 1. */
  replaceSessionKeys(keys: SessionKeys): void {
    this.install(keys);
  }

  /** The block counter the next TLV will use. */
  get blockCounter(): number {
    return this.counter;
  }

  /** The current MAC chaining value (a copy). */
  get macChainingValue(): Buffer {
    return Buffer.from(this.mcv);
  }

  private install(keys: SessionKeys): void {
    for (const [name, v] of [
      ['S-ENC', keys.sEnc],
      ['S-MAC', keys.sMac],
      ['initialMacChainingValue', keys.initialMacChainingValue],
    ] as const) {
      if (!Buffer.isBuffer(v) || v.length !== 16) throw new BspError('structure', `${name} must be 16 bytes`);
    }
    this.enc = keys.sEnc;
    this.cmac = new AesCmac(keys.sMac);
    this.mcv = keys.initialMacChainingValue;
    this.counter = 1;
  }

  private counterBlock(): Buffer {
    if (this.counter > 0xffffffff) throw new BspError('structure', 'block counter exhausted');
    const b = Buffer.alloc(BLOCK);
    b.writeUInt32BE(this.counter, BLOCK - 4);
    return b;
  }

  /**
   * Protects one TLV: `tag ‖ len ‖ C ‖ MAC`. `encrypt` false gives a MAC-only TLV (88, StoreMetadata).
   * Throws BspError('size') — before touching the chain state — when the TLV would exceed 1020 bytes.
   */
  protect(tag: BspTag, plaintext: Buffer, encrypt: boolean): Buffer {
    checkTag(tag);
    const bodyLength = encrypt ? (Math.floor(plaintext.length / BLOCK) + 1) * BLOCK : plaintext.length;
    const lcc = bodyLength + MAC_LENGTH;
    const len = encodeLength(lcc);
    const headerLength = 1 + len.length;
    const total = headerLength + lcc;
    if (total > BSP_MAX_TLV_LENGTH) {
      throw new BspError('size', `protected TLV ${hexTag(tag)} of ${total} bytes exceeds ${BSP_MAX_TLV_LENGTH}`);
    }
    const out = Buffer.allocUnsafe(total);
    out[0] = tag;
    len.copy(out, 1);
    if (encrypt) {
      // CBC with a zero IV over (blockCounter ‖ padded data): the first output block is E(counter) = ICV,
      // the rest is exactly AES-CBC(S-ENC, IV=ICV, padded data). One cipher instead of two.
      const cipher = createCipheriv('aes-128-cbc', this.enc, ZERO_IV).setAutoPadding(false);
      cipher.update(this.counterBlock());
      let p = headerLength;
      p += cipher.update(plaintext).copy(out, p);
      const tail = Buffer.alloc(bodyLength - plaintext.length);
      tail[0] = 0x80;
      cipher.update(tail).copy(out, p);
    } else {
      plaintext.copy(out, headerLength);
    }
    const fullMac = this.cmac.mac(this.mcv, out.subarray(0, headerLength + bodyLength));
    fullMac.copy(out, headerLength + bodyLength, 0, MAC_LENGTH);
    this.mcv = fullMac;
    this.counter++;
    return out;
  }

  /**
   * Splits `data` on raw byte boundaries into the largest legal segments (1007 bytes encrypted, 1008 MAC-only)
   * and protects each; the segments chain in order.
   */
  protectSegments(tag: BspTag, data: Buffer, encrypt: boolean): Buffer[] {
    const size = encrypt ? BSP_MAX_ENCRYPTED_SEGMENT : BSP_MAX_MAC_ONLY_SEGMENT;
    if (data.length === 0) return [this.protect(tag, data, encrypt)];
    const out: Buffer[] = [];
    for (let p = 0; p < data.length; p += size) {
      out.push(this.protect(tag, data.subarray(p, Math.min(p + size, data.length)), encrypt));
    }
    return out;
  }

  /**
   * The receiving side: checks the MAC (BspError 'mac'), decrypts and removes the `80 00…` padding
   * (BspError 'padding'), advances the chain. Returns the plaintext. `input` is the encoded TLV (exactly one)
   * or an already parsed Tlv whose `raw` bytes are used as received.
   */
  unprotect(input: Buffer | Tlv, encrypted: boolean, options: UnprotectOptions = {}): Buffer {
    let t: Tlv;
    if (Buffer.isBuffer(input)) {
      try {
        t = readTlv(input, 0);
      } catch (e) {
        throw new BspError('structure', `protected TLV: ${e instanceof Asn1Error ? e.message : String(e)}`);
      }
      if (t.raw.length !== input.length) throw new BspError('structure', 'trailing bytes after the protected TLV');
    } else {
      t = input;
    }
    if (t.tag !== 0x86 && t.tag !== 0x87 && t.tag !== 0x88) {
      throw new BspError('structure', `tag ${hexTag(t.tag)} is not a BSP TLV (86, 87, 88)`);
    }
    if ((options.enforceMaxLength ?? true) && t.raw.length > BSP_MAX_TLV_LENGTH) {
      throw new BspError('size', `protected TLV of ${t.raw.length} bytes exceeds ${BSP_MAX_TLV_LENGTH}`);
    }
    const bodyLength = t.value.length - MAC_LENGTH;
    if (bodyLength < 0 || (encrypted && (bodyLength < BLOCK || bodyLength % BLOCK !== 0))) {
      throw new BspError('structure', `protected TLV ${hexTag(t.tag)} has an impossible length ${t.value.length}`);
    }
    const macInputEnd = t.raw.length - MAC_LENGTH;
    const fullMac = this.cmac.mac(this.mcv, t.raw.subarray(0, macInputEnd));
    if (!timingSafeEqual(fullMac.subarray(0, MAC_LENGTH), t.raw.subarray(macInputEnd))) {
      throw new BspError('mac', `MAC of TLV ${hexTag(t.tag)} (block counter ${this.counter}) does not verify`);
    }
    const body = t.value.subarray(0, bodyLength);
    let plaintext: Buffer;
    if (encrypted) {
      const icv = aesEncryptBlock(this.enc, this.counterBlock());
      const decipher = createDecipheriv('aes-128-cbc', this.enc, icv).setAutoPadding(false);
      const padded = decipher.update(body);
      let end = padded.length - 1;
      while (end >= padded.length - BLOCK && padded[end] === 0) end--;
      if (end < padded.length - BLOCK || padded[end] !== 0x80) {
        throw new BspError('padding', `TLV ${hexTag(t.tag)}: bad padding after decryption`);
      }
      plaintext = padded.subarray(0, end);
    } else {
      plaintext = Buffer.from(body);
    }
    this.mcv = fullMac;
    this.counter++;
    return plaintext;
  }
}

function checkTag(tag: number): void {
  if (tag !== 0x86 && tag !== 0x87 && tag !== 0x88) {
    throw new BspError('structure', `tag ${hexTag(tag)} is not a BSP TLV (86, 87, 88)`);
  }
}
