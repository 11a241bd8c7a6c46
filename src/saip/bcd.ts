/**
 * Digit codings used by profile packages (TCA Interoperable Profile, ETSI TS 102 221, 3GPP TS 31.102) and
 * by SGP.22 metadata (digest §4.6, §7):
 *
 *  - ProfileHeader.iccid: plain BCD, digits in order, right-padded with 'F' to 10 bytes
 *    (89000123456789012341 → 89 00 01 23 45 67 89 01 23 41).
 *  - EF.ICCID (2FE2) and StoreMetadataRequest.iccid (SGP.22 §5.5.3 `Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10))`):
 *    nibble-swapped BCD, 'F'-padded (→ 98 00 10 32 54 76 98 10 32 14).
 *  - EF.IMSI (6F07, TS 31.102 §4.2.2): length byte, then the first digit in the high nibble of byte 2 with the
 *    parity in its low nibble ('9' odd number of digits, '1' even), then swapped BCD, 'F'-padded to 9 bytes.
 *  - EF.ACC (6F78, TS 31.102 §4.2.15): 2 bytes, bit (access class) set; classes 0–9 are allocated from the last
 *    IMSI digit by convention (TS 22.011 §4.2).
 */
import { SaipError } from './errors';

const HEX = '0123456789ABCDEF';

function checkDigits(value: string, min: number, max: number, what: string): void {
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value) || value.length < min || value.length > max) {
    throw new SaipError(`${what} must be ${min === max ? min : `${min} to ${max}`} decimal digits, got '${value}'`, what);
  }
}

/** ICCID digits → ProfileHeader.iccid (plain BCD, F-padded, 10 bytes). */
export function iccidToHeaderFormat(iccid: string): Buffer {
  checkDigits(iccid, 18, 20, 'ICCID');
  return Buffer.from(iccid.padEnd(20, 'F'), 'hex');
}

/** ProfileHeader.iccid → digits (trailing 'F' padding removed); throws on a non-BCD nibble. */
export function iccidFromHeaderFormat(value: Buffer): string {
  const s = value.toString('hex').toUpperCase();
  const digits = s.replace(/F+$/, '');
  if (!/^[0-9]*$/.test(digits)) throw new SaipError(`ProfileHeader.iccid '${s}' is not BCD digits with F padding`, 'iccid');
  return digits;
}

/** ICCID digits → EF.ICCID / StoreMetadataRequest.iccid coding (nibble-swapped BCD, F-padded, 10 bytes). */
export function iccidToEfFormat(iccid: string): Buffer {
  checkDigits(iccid, 18, 20, 'ICCID');
  const out = Buffer.alloc(10);
  writeSwappedBcd(iccid.padEnd(20, 'F'), out, 0);
  return out;
}

/** EF.ICCID / StoreMetadataRequest.iccid (nibble-swapped) → digits; throws on a non-BCD nibble. */
export function iccidFromEfFormat(value: Buffer): string {
  let s = '';
  for (const b of value) s += HEX[b & 0x0f] + HEX[b >> 4];
  const digits = s.replace(/F+$/, '');
  if (!/^[0-9]*$/.test(digits)) throw new SaipError(`EF.ICCID '${value.toString('hex').toUpperCase()}' is not swapped BCD with F padding`, 'iccid');
  return digits;
}

/** Writes a string of hex nibbles ('0'-'9','F') as swapped BCD: "1234" → 21 43. */
export function writeSwappedBcd(nibbles: string, out: Buffer, offset: number): void {
  for (let i = 0; i < nibbles.length; i += 2) {
    const lo = nibbleValue(nibbles.charCodeAt(i));
    const hi = i + 1 < nibbles.length ? nibbleValue(nibbles.charCodeAt(i + 1)) : 0xf;
    out[offset + (i >> 1)] = (hi << 4) | lo;
  }
}

function nibbleValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c === 70 || c === 102) return 0xf;
  throw new SaipError(`'${String.fromCharCode(c)}' is not a BCD digit`);
}

/** IMSI digits → EF.IMSI content (9 bytes, TS 31.102 §4.2.2). */
export function imsiToEfFormat(imsi: string): Buffer {
  checkDigits(imsi, 6, 15, 'IMSI');
  const out = Buffer.alloc(9, 0xff);
  out[0] = (imsi.length + 2) >> 1; // bytes used after the length byte: ceil((digits + 1 parity nibble) / 2)
  // The parity nibble goes first (low nibble of byte 1): '9' = odd number of digits, '1' = even.
  writeSwappedBcd((imsi.length % 2 ? '9' : '1') + imsi, out, 1);
  return out;
}

/** EF.IMSI content → IMSI digits. */
export function imsiFromEfFormat(value: Buffer): string {
  if (value.length < 2) throw new SaipError(`EF.IMSI content of ${value.length} bytes is too short`, 'imsi');
  const n = value[0];
  if (n < 1 || n > 8 || n + 1 > value.length) throw new SaipError(`EF.IMSI length byte ${n} is invalid`, 'imsi');
  let s = '';
  for (let i = 1; i <= n; i++) s += HEX[value[i] & 0x0f] + HEX[value[i] >> 4];
  // s[0] is the parity nibble.
  const digits = s.slice(1).replace(/F+$/, '');
  if (!/^[0-9]+$/.test(digits)) throw new SaipError(`EF.IMSI '${value.toString('hex').toUpperCase()}' is not BCD`, 'imsi');
  return digits;
}

/** EF.ACC content for an IMSI: access class = last IMSI digit (TS 22.011 §4.2), 2 bytes big-endian bit map. */
export function accForImsi(imsi: string): Buffer {
  checkDigits(imsi, 6, 15, 'IMSI');
  const cls = imsi.charCodeAt(imsi.length - 1) - 48;
  const v = 1 << cls;
  return Buffer.from([v >> 8, v & 0xff]);
}

/** Luhn check digit (ISO/IEC 7812-1 Annex B) of a digit string. */
export function luhnCheckDigit(digits: string): number {
  checkDigits(digits, 1, 40, 'Luhn input');
  let sum = 0;
  for (let i = digits.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit is the Luhn check digit of the others (ITU-T E.118 ICCID). */
export function luhnValid(digits: string): boolean {
  return /^[0-9]{2,}$/.test(digits) && luhnCheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/**
 * Test ICCIDs: `prefix` ‖ serial (zero-padded, starting at `start`) ‖ Luhn check digit, `length` digits in all
 * (19 or 20; ITU-T E.118). Yields lazily so that a million ICCIDs cost no memory; `[...generateTestIccids(…)]`
 * for an array. Throws when the serial would overflow its field (ICCIDs must stay unique).
 */
export function* generateTestIccids(prefix: string, start: number, count: number, length = 20): Generator<string> {
  checkDigits(prefix, 2, 18, 'ICCID prefix');
  if (length !== 19 && length !== 20) throw new SaipError(`ICCID length must be 19 or 20, got ${length}`);
  const width = length - 1 - prefix.length;
  if (width < 1) throw new SaipError(`ICCID prefix '${prefix}' leaves no room for a serial in ${length} digits`);
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(count) || count < 0) {
    throw new SaipError(`bad start ${start} / count ${count}`);
  }
  if (count > 0 && String(start + count - 1).length > width) {
    throw new SaipError(`serials ${start}..${start + count - 1} do not fit in ${width} digits after prefix '${prefix}'`);
  }
  for (let i = 0; i < count; i++) {
    const body = prefix + String(start + i).padStart(width, '0');
    yield body + luhnCheckDigit(body);
  }
}
