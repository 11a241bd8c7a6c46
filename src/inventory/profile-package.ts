/**
 * The little the inventory needs to know about an unprotected profile package (TCA eUICC Profile Package,
 * "Interoperable Profile"; digest §7): its ProfileHeader, and that it is well formed. Both come from src/saip.
 *
 * ```asn1
 * ProfileHeader ::= SEQUENCE {            -- ProfileElement header [0] → A0, the first element
 *   major-version UInt8, minor-version UInt8, profileType UTF8String OPTIONAL,
 *   iccid OCTET STRING (SIZE(10)),        -- plain BCD, 'F'-padded (not nibble-swapped)
 *   ... }
 * ```
 */
import { RspError } from '../common/rsp-error';
import { luhnCheckDigit } from '../saip/bcd';
import { compilePersonalisationTemplate, PersonalisationTemplate } from '../saip/personalise';
import { readProfileHeader } from '../saip/profile-package';
import { validateProfilePackage } from '../saip/validate';

export interface ProfilePackageInfo {
  iccid: string;
  profileType?: string;
  majorVersion: number;
  minorVersion: number;
  warnings: string[];
}

/** A profile package refused at import: code 1.6/2.1 (invalid parameter) with a message saying why. */
export function malformedPackage(why: string): RspError {
  return new RspError('1.6', '2.1', `Malformed profile package: ${why}`);
}

/**
 * Checks the package (header first, end last, sound TLVs, the TCA structure rules of src/saip) and reads its
 * header. Throws RspError 1.6/2.1 naming the problem. Never logs package content (Ki/OPc live in it).
 */
export function inspectProfilePackage(der: Buffer): ProfilePackageInfo {
  const r = validateProfilePackage(der);
  if (!r.ok) throw malformedPackage(r.errors.join('; '));
  const h = readProfileHeader(der);
  if (!/^[0-9]{18,20}$/.test(h.iccid)) throw malformedPackage(`header ICCID '${h.iccid}' is not 18-20 digits`);
  return { ...h, warnings: r.warnings };
}

const compiled = new WeakMap<Buffer, PersonalisationTemplate>();

/**
 * A copy of `template` carrying another ICCID: ProfileHeader.iccid (plain BCD) and MF/EF.ICCID (swapped),
 * digest §7 "personalisation touch points", by the SAIP personalisation of src/saip (compiled once per
 * template buffer).
 */
export function personaliseIccid(template: Buffer, iccid: string): Buffer {
  if (!/^[0-9]{18,20}$/.test(iccid)) throw new Error(`ICCID must be 18-20 digits: ${iccid}`);
  let t = compiled.get(template);
  if (!t) {
    t = compilePersonalisationTemplate(template);
    compiled.set(template, t);
  }
  return t.personalise({ iccid });
}

/** Luhn check digit (ISO/IEC 7812) for an ICCID body, as a character. */
export function luhnDigit(body: string): string {
  return String(luhnCheckDigit(body));
}
