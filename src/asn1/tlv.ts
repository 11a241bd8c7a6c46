/**
 * BER-TLV reader/writer for the SGP.22 and SAIP structures.
 *
 * Every decoded node keeps the exact bytes it was read from (`raw`, tag+length+value), because SGP.22
 * signatures are computed over the bytes as received (SGP.22 §5.6, digest §9.2), never over a re-encoding.
 * Tags are kept as their full big-endian byte value (e.g. 0xBF38, 0x5F37, 0x80), which is how the spec
 * tables and every hex dump write them.
 *
 * Strict: definite lengths only (DER / SGP.22), no length beyond the buffer, minimal length encoding is not
 * enforced on input (some eUICCs emit 81 xx for short values) but always produced on output.
 */

export class Asn1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Asn1Error';
  }
}

export interface Tlv {
  /** Full tag value, e.g. 0x30, 0xA0, 0x5F37, 0xBF38. */
  tag: number;
  /** Constructed bit of the first tag byte (0x20). */
  constructed: boolean;
  /** Value bytes (a view into the source buffer). */
  value: Buffer;
  /** Tag + length + value exactly as received (a view into the source buffer). */
  raw: Buffer;
}

/** Upper bound on nesting: an absurdly deep structure is malformed input, not a reason to overflow the stack. */
const MAX_DEPTH = 64;

/** Reads the TLV that starts at `offset`. Throws Asn1Error on truncation or an unsupported encoding. */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  let p = offset;
  if (p >= buf.length) throw new Asn1Error('TLV truncated: no tag');
  const first = buf[p++];
  let tag = first;
  if ((first & 0x1f) === 0x1f) {
    // High tag number form: subsequent bytes while bit 8 set (X.690 §8.1.2.4).
    let n = 0;
    do {
      if (p >= buf.length) throw new Asn1Error('TLV truncated inside a multi-byte tag');
      if (++n > 3) throw new Asn1Error('tag longer than 4 bytes');
      tag = tag * 256 + buf[p];
    } while (buf[p++] & 0x80);
  }
  if (p >= buf.length) throw new Asn1Error(`TLV ${hexTag(tag)} truncated: no length`);
  let len = buf[p++];
  if (len === 0x80) throw new Asn1Error(`TLV ${hexTag(tag)}: indefinite length is not allowed`);
  if (len > 0x80) {
    const n = len & 0x7f;
    if (n > 4) throw new Asn1Error(`TLV ${hexTag(tag)}: length of ${n} bytes is absurd`);
    if (p + n > buf.length) throw new Asn1Error(`TLV ${hexTag(tag)} truncated inside its length`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++];
  }
  if (p + len > buf.length) {
    throw new Asn1Error(`TLV ${hexTag(tag)} truncated: length ${len}, ${buf.length - p} bytes left`);
  }
  return {
    tag,
    constructed: (first & 0x20) !== 0,
    value: buf.subarray(p, p + len),
    raw: buf.subarray(offset, p + len),
  };
}

/** Reads a sequence of TLVs filling `buf` entirely. */
export function readAll(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < buf.length) {
    const t = readTlv(buf, p);
    out.push(t);
    p += t.raw.length;
  }
  return out;
}

/**
 * Reads exactly one top-level TLV with the expected tag, tolerating trailing bytes after it
 * (an LPA has been seen appending the APDU status word 9000, digest §2.1).
 */
export function readOne(buf: Buffer, expectedTag: number, what: string): Tlv {
  const t = readTlv(buf, 0);
  if (t.tag !== expectedTag) throw new Asn1Error(`${what}: expected tag ${hexTag(expectedTag)}, got ${hexTag(t.tag)}`);
  return t;
}

/** The children of a constructed TLV. */
export function children(t: Tlv, depth = 0): Tlv[] {
  if (depth > MAX_DEPTH) throw new Asn1Error('ASN.1 nesting too deep');
  if (!t.constructed) throw new Asn1Error(`TLV ${hexTag(t.tag)} is not constructed`);
  return readAll(t.value);
}

/** First child with the given tag, or undefined. */
export function find(list: Tlv[], tag: number): Tlv | undefined {
  return list.find((c) => c.tag === tag);
}

/** First child with the given tag, or an Asn1Error naming what is missing. */
export function need(list: Tlv[], tag: number, what: string): Tlv {
  const c = find(list, tag);
  if (!c) throw new Asn1Error(`${what} (tag ${hexTag(tag)}) is missing`);
  return c;
}

export function hexTag(tag: number): string {
  return tag.toString(16).toUpperCase().padStart(2, '0');
}

/** Tag bytes for a tag number as written in the spec (0x5F37 → 5F 37). */
export function tagBytes(tag: number): Buffer {
  const bytes: number[] = [];
  let t = tag;
  do {
    bytes.unshift(t & 0xff);
    t = Math.floor(t / 256);
  } while (t > 0);
  return Buffer.from(bytes);
}

/** DER definite length. */
export function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  let l = len;
  while (l > 0) {
    bytes.unshift(l & 0xff);
    l = Math.floor(l / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Encodes tag ‖ length ‖ value; `value` may be a list of already-encoded children. */
export function tlv(tag: number, value: Buffer | Array<Buffer | undefined>): Buffer {
  const v = Buffer.isBuffer(value) ? value : Buffer.concat(value.filter((x): x is Buffer => x !== undefined));
  return Buffer.concat([tagBytes(tag), encodeLength(v.length), v]);
}

/** Unsigned big-endian integer content for INTEGER (DER, minimal, with a leading 00 when the top bit is set). */
export function encodeIntegerValue(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0) throw new Asn1Error(`cannot encode integer ${n}`);
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0] & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/** Decodes INTEGER content (two's complement, up to 6 bytes so that it fits a JS number exactly). */
export function decodeIntegerValue(v: Buffer): number {
  if (v.length === 0 || v.length > 6) throw new Asn1Error(`INTEGER of ${v.length} bytes is out of range`);
  let n = v[0] & 0x80 ? -1 : 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** OBJECT IDENTIFIER content ⇄ dotted string. */
export function encodeOidValue(oid: string): Buffer {
  const arcs = oid.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new Asn1Error(`bad OID ${oid}`);
    return Number(a);
  });
  if (arcs.length < 2) throw new Asn1Error(`bad OID ${oid}`);
  const out: number[] = [];
  const push = (n: number) => {
    const b: number[] = [n & 0x7f];
    n = Math.floor(n / 128);
    while (n > 0) {
      b.unshift((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(...b);
  };
  push(arcs[0] * 40 + arcs[1]);
  for (const a of arcs.slice(2)) push(a);
  return Buffer.from(out);
}

export function decodeOidValue(v: Buffer): string {
  if (v.length === 0) throw new Asn1Error('empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    n = n * 128 + (v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      if (arcs.length === 0) {
        const first = n < 80 ? Math.floor(n / 40) : 2;
        arcs.push(first, n - first * 40);
      } else arcs.push(n);
      n = 0;
    } else if (i === v.length - 1) throw new Asn1Error('OBJECT IDENTIFIER truncated');
  }
  return arcs.join('.');
}

/* ------------------------------------------------------------------------------------------------------------
 * BIT STRING (X.690 §8.6, DER §11.2): content = unused-bits count ‖ bytes, bit 0 = MSB of the first byte.
 * For types with named bits DER drops every trailing zero bit (X.690 §11.2.2), e.g. NotificationEvent
 * notificationInstall(0) → 07 80, notificationDelete(3) → 04 10, no bit set → 00.
 * ---------------------------------------------------------------------------------------------------------- */

/** Indices of the set bits of a BIT STRING content (unused bits are ignored even if not zero). */
export function decodeBitStringValue(v: Buffer): number[] {
  if (v.length === 0) throw new Asn1Error('BIT STRING without its unused-bits byte');
  const unused = v[0];
  if (unused > 7) throw new Asn1Error(`BIT STRING with ${unused} unused bits`);
  if (v.length === 1 && unused !== 0) throw new Asn1Error('empty BIT STRING with unused bits');
  const bits: number[] = [];
  const total = (v.length - 1) * 8 - unused;
  for (let i = 0; i < total; i++) if (v[1 + (i >> 3)] & (0x80 >> (i & 7))) bits.push(i);
  return bits;
}

/** DER content of a named-bit BIT STRING with the given bits set (trailing zero bits removed). */
export function encodeBitStringValue(bits: Iterable<number>): Buffer {
  const set = [...bits];
  for (const b of set) if (!Number.isInteger(b) || b < 0 || b > 4095) throw new Asn1Error(`bad bit index ${b}`);
  if (set.length === 0) return Buffer.from([0]);
  const len = Math.max(...set) + 1;
  const bytes = Buffer.alloc(Math.ceil(len / 8));
  for (const b of set) bytes[b >> 3] |= 0x80 >> (b & 7);
  return Buffer.concat([Buffer.from([bytes.length * 8 - len]), bytes]);
}

/**
 * Bit indices ⇄ names from a spec table (index = bit number). Unknown bits are named `bit<n>` so that a
 * decode → encode round trip never loses a bit an eUICC of a newer version set.
 */
export function bitsToNames(bits: number[], table: readonly string[]): string[] {
  return bits.map((b) => table[b] ?? `bit${b}`);
}

export function namesToBits(names: Iterable<string>, table: readonly string[]): number[] {
  return [...names].map((n) => {
    const i = table.indexOf(n);
    if (i >= 0) return i;
    const m = /^bit(\d+)$/.exec(n);
    if (m) return Number(m[1]);
    throw new Asn1Error(`unknown named bit "${n}" (known: ${table.join(', ')})`);
  });
}

/** UTF8String content, refusing malformed UTF-8 (a TypeError from TextDecoder must not escape). */
export function decodeUtf8Value(v: Buffer, what = 'UTF8String'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(v);
  } catch {
    throw new Asn1Error(`${what} is not valid UTF-8`);
  }
}

/** BOOLEAN content (DER TRUE = FF; any non-zero byte is accepted as TRUE on input, X.690 §8.2.2). */
export function decodeBooleanValue(v: Buffer, what = 'BOOLEAN'): boolean {
  if (v.length !== 1) throw new Asn1Error(`${what}: BOOLEAN of ${v.length} bytes`);
  return v[0] !== 0;
}

export function encodeBooleanValue(b: boolean): Buffer {
  return Buffer.from([b ? 0xff : 0x00]);
}
