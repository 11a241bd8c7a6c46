/**
 * ICCID coding (digest §9.6): JSON/ES2+ carry the ICCID as 19–20 decimal digits; the RSP ASN.1
 * (`Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10))`, tag 5A) and EF.ICCID carry it nibble-swapped BCD,
 * padded with F, e.g. "89000123456789012341" ⇄ 98 00 10 32 54 76 98 10 32 14.
 * The coding itself lives in src/saip/bcd.ts; these wrappers only turn its SaipError into Asn1Error.
 */
import { iccidFromEfFormat, iccidToEfFormat } from '../../saip/bcd';
import { Asn1Error } from '../tlv';

function asAsn1<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof Asn1Error ? e : new Asn1Error(e instanceof Error ? e.message : String(e));
  }
}

/** ICCID digits (a trailing F pad is accepted) → 10 bytes EF coding. */
export function iccidToEf(iccid: string): Buffer {
  return asAsn1(() => iccidToEfFormat(String(iccid).replace(/[Ff]$/, '')));
}

/** 10 bytes EF coding → ICCID digits (18..20). */
export function iccidFromEf(ef: Buffer): string {
  if (ef.length !== 10) throw new Asn1Error(`ICCID of ${ef.length} bytes, expected 10`);
  const digits = asAsn1(() => iccidFromEfFormat(ef));
  if (digits.length < 18) throw new Asn1Error(`ICCID ${ef.toString('hex').toUpperCase()} has only ${digits.length} digits`);
  return digits;
}

/**
 * OperatorId.mccMnc (3GPP TS 24.008 §10.5.1.3): "MCC MNC" digits ⇄ 3 bytes
 * (MCC2‖MCC1, MNC3‖MCC3, MNC2‖MNC1; MNC3 = F for a 2-digit MNC), e.g. "310410" ⇄ 13 00 14, "00101" ⇄ 00 F1 10.
 */
export function mccMncToBytes(mccMnc: string): Buffer {
  if (!/^\d{5,6}$/.test(mccMnc)) throw new Asn1Error(`MCC/MNC "${mccMnc}" must be 5 or 6 digits`);
  const d = mccMnc.split('').map(Number);
  const mnc3 = d.length === 6 ? d[5] : 0xf;
  return Buffer.from([(d[1] << 4) | d[0], (mnc3 << 4) | d[2], (d[4] << 4) | d[3]]);
}

export function mccMncFromBytes(b: Buffer): string {
  if (b.length !== 3) throw new Asn1Error(`mccMnc of ${b.length} bytes, expected 3`);
  const n = [b[0] & 0xf, b[0] >> 4, b[1] & 0xf, b[2] & 0xf, b[2] >> 4, b[1] >> 4];
  const digits = n[5] === 0xf ? n.slice(0, 5) : n;
  if (digits.some((x) => x > 9)) throw new Asn1Error(`mccMnc ${b.toString('hex').toUpperCase()} is not BCD`);
  return digits.join('');
}
