/**
 * The little the inventory needs to know about an unprotected profile package (TCA eUICC Profile Package,
 * "Interoperable Profile"; digest §7): its ProfileHeader and that it is well formed.
 *
 * ```asn1
 * ProfileHeader ::= SEQUENCE {            -- ProfileElement header [0] → A0
 *   major-version UInt8,                  -- 80
 *   minor-version UInt8,                  -- 81
 *   profileType UTF8String OPTIONAL,      -- 82
 *   iccid OCTET STRING (SIZE(10)),        -- 83, plain BCD, 'F'-padded (not nibble-swapped)
 *   ... }
 * PE-End ::= SEQUENCE { end-header PEHeader }   -- ProfileElement end [10] → AA
 * ```
 * `inspectProfilePackage` is the one function the inventory calls: the minimal structural check below
 * (header first, end last, sound TLVs, header fields) and then the full validator of src/saip.
 */
import { Asn1Error, children, find, readAll, Tlv } from '../asn1/tlv';
import { RspError } from '../common/rsp-error';
import { compilePersonalisationTemplate, PersonalisationTemplate } from '../saip/personalise';
import { validateProfilePackage } from '../saip/validate';

export interface ProfilePackageInfo {
  iccid: string;
  profileType?: string;
  majorVersion: number;
  minorVersion: number;
  /** Number of profile elements. */
  elements: number;
  warnings: string[];
}

const TAG_HEADER = 0xa0;
const TAG_MF = 0xb0;
const TAG_END = 0xaa;

/** A profile package refused at import: code 1.6/2.1 (invalid parameter) with a message saying why. */
export function malformedPackage(why: string): RspError {
  return new RspError('1.6', '2.1', `Malformed profile package: ${why}`);
}

/** Decodes the plain-BCD ICCID of the ProfileHeader (trailing F padding removed). */
export function decodeHeaderIccid(v: Buffer): string {
  const hex = v.toString('hex').toUpperCase().replace(/F+$/, '');
  if (!/^[0-9]{18,20}$/.test(hex)) throw malformedPackage(`header ICCID '${v.toString('hex')}' is not 18-20 BCD digits`);
  return hex;
}

/** Structural check + header: header first, end last, every TLV sound. */
export function inspectProfilePackageMinimal(der: Buffer): ProfilePackageInfo {
  if (der.length === 0) throw malformedPackage('empty');
  let pes: Tlv[];
  try {
    pes = readAll(der);
    // Every constructed element must itself be sound TLV down to its leaves.
    const walk = (t: Tlv, depth: number): void => {
      if (t.constructed) for (const c of children(t, depth)) walk(c, depth + 1);
    };
    pes.forEach((pe) => walk(pe, 0));
  } catch (e) {
    throw malformedPackage(e instanceof Asn1Error ? e.message : 'unreadable TLV');
  }
  if (pes[0].tag !== TAG_HEADER) throw malformedPackage('the first profile element is not the ProfileHeader (A0)');
  if (pes[pes.length - 1].tag !== TAG_END) throw malformedPackage('the last profile element is not PE-End (AA)');
  if (pes.filter((p) => p.tag === TAG_HEADER).length !== 1) throw malformedPackage('more than one ProfileHeader');
  if (pes.filter((p) => p.tag === TAG_END).length !== 1) throw malformedPackage('more than one PE-End');
  const h = children(pes[0]);
  const major = find(h, 0x80);
  const minor = find(h, 0x81);
  const type = find(h, 0x82);
  const iccid = find(h, 0x83);
  if (!major || !minor) throw malformedPackage('ProfileHeader has no major/minor version');
  if (!iccid || iccid.value.length !== 10) throw malformedPackage('ProfileHeader has no 10-byte ICCID');
  return {
    iccid: decodeHeaderIccid(iccid.value),
    profileType: type ? type.value.toString('utf8') : undefined,
    majorVersion: major.value.readUIntBE(0, Math.min(major.value.length, 6)),
    minorVersion: minor.value.readUIntBE(0, Math.min(minor.value.length, 6)),
    elements: pes.length,
    warnings: pes.some((p) => p.tag === TAG_MF) ? [] : ['no MF profile element'],
  };
}

/**
 * Reads the header and checks the package (header first, end last, sound TLVs). Throws RspError 1.6/2.1
 * with the reason on a malformed package. Never logs package content (Ki/OPc live in it).
 */
export function inspectProfilePackage(der: Buffer): ProfilePackageInfo {
  const info = inspectProfilePackageMinimal(der);
  // The full TCA structure check (src/saip): element order and cardinality, mandatory services, unique ids.
  let r: { ok: boolean; errors: string[]; warnings: string[] };
  try {
    r = validateProfilePackage(der);
  } catch (e) {
    throw malformedPackage(e instanceof Error ? e.message : 'invalid');
  }
  if (!r.ok) throw malformedPackage(r.errors.join('; '));
  info.warnings = r.warnings;
  return info;
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

/** Luhn check digit (ISO/IEC 7812) for an ICCID body. */
export function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
