/**
 * Shared building blocks of the SGP.22 message codecs (src/asn1/rsp/*).
 *
 * Every decoder:
 *  - throws only `Asn1Error`, whose message names the element path (e.g.
 *    "AuthenticateServerResponse: euiccSigned1: transactionId (tag 80) is missing"), so the ES9+ layer can
 *    forward it in `statusCodeData.message` (RspError 1.6/2.1);
 *  - keeps the raw bytes (tag+length+value as received) of every structure a signature covers
 *    (SGP.22 §5.6, digest §9.2);
 *  - tolerates unknown tags (the SGP.22 ASN.1 module is EXTENSIBILITY IMPLIED) and keeps them raw.
 */
import {
  Asn1Error,
  Tlv,
  bitsToNames,
  children,
  decodeBitStringValue,
  encodeBitStringValue,
  namesToBits,
  tlv,
  decodeBooleanValue,
  decodeIntegerValue,
  decodeOidValue,
  decodeUtf8Value,
  hexTag,
  readTlv,
} from '../tlv';
import { iccidFromEf } from './iccid';

/** [APPLICATION 55] — every RSP signature, raw r‖s (BSI TR-03111), `5F37 40 …`. */
export const TAG_SIGNATURE = 0x5f37;
/** [APPLICATION 73] — one-time ECKA public keys (euiccOtpk, bppEuiccOtpk, smdpOtpk), `5F49 41 04‖X‖Y`. */
export const TAG_OTPK = 0x5f49;
/** [APPLICATION 26] Iccid, `5A 0A` (EF.ICCID coding). */
export const TAG_ICCID = 0x5a;
export const TAG_SEQUENCE = 0x30;
export const TAG_OCTET_STRING = 0x04;
export const TAG_INTEGER = 0x02;
export const TAG_BOOLEAN = 0x01;
export const TAG_OID = 0x06;
export const TAG_UTF8 = 0x0c;

/** Runs `fn`; any failure becomes an Asn1Error prefixed with `what` (never another exception type). */
export function within<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Asn1Error) throw new Asn1Error(`${what}: ${e.message}`);
    throw new Asn1Error(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Decodes the top-level TLV of a message: checks the input is a Buffer, reads one TLV with the expected tag
 * (trailing bytes such as an APDU status word 9000 are ignored, digest §2.1) and runs `fn` on it.
 */
export function decodeTop<T>(input: Buffer, tag: number, what: string, fn: (t: Tlv) => T): T {
  return within(what, () => {
    if (!Buffer.isBuffer(input)) throw new Asn1Error('input is not a byte buffer');
    if (input.length === 0) throw new Asn1Error('empty input');
    const t = readTlv(input, 0);
    if (t.tag !== tag) throw new Asn1Error(`expected tag ${hexTag(tag)}, got ${hexTag(t.tag)}`);
    return fn(t);
  });
}

/** Children of a constructed element, with errors naming the element. */
export function kids(t: Tlv, what: string): Tlv[] {
  return within(what, () => {
    if (!t.constructed) throw new Asn1Error(`tag ${hexTag(t.tag)} is not constructed`);
    return children(t);
  });
}

export function checkTag(t: Tlv, tag: number, what: string): Tlv {
  if (t.tag !== tag) throw new Asn1Error(`${what}: expected tag ${hexTag(tag)}, got ${hexTag(t.tag)}`);
  return t;
}

/** First child with the tag; Asn1Error "… (tag XX) is missing" otherwise. */
export function req(list: Tlv[], tag: number, what: string): Tlv {
  const c = list.find((x) => x.tag === tag);
  if (!c) throw new Asn1Error(`${what} (tag ${hexTag(tag)}) is missing`);
  return c;
}

export function opt(list: Tlv[], tag: number): Tlv | undefined {
  return list.find((x) => x.tag === tag);
}

/** Children whose tag is not in `known`, raw (unknown extensions, kept so nothing is lost). */
export function unknownRaw(list: Tlv[], known: readonly number[]): Buffer[] {
  return list.filter((c) => !known.includes(c.tag)).map((c) => Buffer.from(c.raw));
}

/** OCTET STRING content (a copy, so that it outlives the input buffer) with an optional size constraint. */
export function octets(t: Tlv, what: string, size?: number | [number, number]): Buffer {
  if (t.constructed) throw new Asn1Error(`${what}: constructed encoding is not allowed`);
  if (size !== undefined) {
    const [min, max] = typeof size === 'number' ? [size, size] : size;
    if (t.value.length < min || t.value.length > max) {
      const want = min === max ? `${min}` : `${min}..${max}`;
      throw new Asn1Error(`${what}: ${t.value.length} bytes, expected ${want}`);
    }
  }
  return Buffer.from(t.value);
}

export function utf8(t: Tlv, what: string, maxLen?: number): string {
  if (t.constructed) throw new Asn1Error(`${what}: constructed encoding is not allowed`);
  if (maxLen !== undefined && t.value.length > maxLen) {
    throw new Asn1Error(`${what}: ${t.value.length} bytes, at most ${maxLen} allowed`);
  }
  return decodeUtf8Value(t.value, what);
}

export function integer(t: Tlv, what: string): number {
  if (t.constructed) throw new Asn1Error(`${what}: constructed encoding is not allowed`);
  return within(what, () => decodeIntegerValue(t.value));
}

export function boolean(t: Tlv, what: string): boolean {
  return decodeBooleanValue(t.value, what);
}

export function oid(t: Tlv, what: string): string {
  return within(what, () => decodeOidValue(t.value));
}

/** TransactionId ::= OCTET STRING (SIZE(1..16)) */
export function transactionId(t: Tlv, what = 'transactionId'): Buffer {
  return octets(t, what, [1, 16]);
}

/** The 5F37 signature DO's content, raw r‖s (64 bytes for the 256-bit curves of SGP.22). */
export function signature(t: Tlv, what: string): Buffer {
  return octets(t, what, [1, 132]);
}

/** VersionType ::= OCTET STRING(SIZE(3)) — major/minor/revision, e.g. '02 02 00' ⇄ "2.2.0". */
export function decodeVersion(t: Tlv, what: string): string {
  const v = octets(t, what, 3);
  return `${v[0]}.${v[1]}.${v[2]}`;
}

export function encodeVersion(version: string): Buffer {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(version);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) throw new Asn1Error(`bad VersionType "${version}"`);
  return Buffer.from(m.slice(1).map(Number));
}

/** Name ⇄ value table of an ASN.1 INTEGER with named numbers; unknown numbers stay numbers. */
export function nameOf(table: Readonly<Record<string, number>>, value: number): string | undefined {
  return Object.keys(table).find((k) => table[k] === value);
}

/** Encoder-side guard: turns programming errors in encoder input into Asn1Error naming the element. */
export function mandatory<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Asn1Error(`${what} is mandatory`);
  return value;
}

export function bytesOf(b: Buffer, what: string, size?: number | [number, number]): Buffer {
  if (!Buffer.isBuffer(b)) throw new Asn1Error(`${what} must be a Buffer`);
  if (size !== undefined) {
    const [min, max] = typeof size === 'number' ? [size, size] : size;
    if (b.length < min || b.length > max) throw new Asn1Error(`${what}: ${b.length} bytes, expected ${min === max ? min : `${min}..${max}`}`);
  }
  return b;
}

/** Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10)) → ICCID digits. */
export function iccidOf(t: Tlv, what = 'iccid'): string {
  const ef = octets(t, what, 10);
  return within(what, () => iccidFromEf(ef));
}

/** Named-bit BIT STRING element → bit names from `table` (unknown bits as `bit<n>`). */
export function namedBits(t: Tlv, what: string, table: readonly string[]): string[] {
  if (t.constructed) throw new Asn1Error(`${what}: constructed encoding is not allowed`);
  return within(what, () => bitsToNames(decodeBitStringValue(t.value), table));
}

/** Bit names → DER named-bit BIT STRING element (trailing zero bits removed). */
export function encodeNamedBits(tag: number, names: Iterable<string>, table: readonly string[], what: string): Buffer {
  return within(what, () => tlv(tag, encodeBitStringValue(namesToBits(mandatory(names, what), table))));
}
