/**
 * EUICCInfo1 / EUICCInfo2 — SGP.22 §5.7.8 (ES10b.GetEUICCInfo), digest §2.1 and §6.4.
 *
 * ```asn1
 * EUICCInfo1 ::= [32] SEQUENCE {                                   -- Tag 'BF20'
 *   svn [2] VersionType,                                           -- 82 03
 *   euiccCiPKIdListForVerification [9] SEQUENCE OF SubjectKeyIdentifier,  -- A9 { 04 14 … }
 *   euiccCiPKIdListForSigning [10] SEQUENCE OF SubjectKeyIdentifier }     -- AA { 04 14 … }
 *   -- v3 appends further fields (EXTENSIBILITY IMPLIED): kept raw in `extensions`
 *
 * EUICCInfo2 ::= [34] SEQUENCE {                                   -- Tag 'BF22'
 *   profileVersion [1] VersionType, svn [2] VersionType, euiccFirmwareVer [3] VersionType,
 *   extCardResource [4] OCTET STRING,      -- ETSI TS 102 226: 81 #installedApps, 82 free NVM, 83 free RAM
 *   uiccCapability [5] UICCCapability,     -- BIT STRING
 *   ts102241Version [6] VersionType OPTIONAL, globalplatformVersion [7] VersionType OPTIONAL,
 *   rspCapability [8] RspCapability,       -- BIT STRING
 *   euiccCiPKIdListForVerification [9] SEQUENCE OF SubjectKeyIdentifier,
 *   euiccCiPKIdListForSigning [10] SEQUENCE OF SubjectKeyIdentifier,
 *   euiccCategory [11] INTEGER {other(0), basicEuicc(1), mediumEuicc(2), contactlessEuicc(3)} OPTIONAL,
 *   forbiddenProfilePolicyRules [25] PprIds OPTIONAL,             -- 99
 *   ppVersion VersionType,                 -- 04 03 (universal tag: automatic tagging is off here)
 *   sasAcreditationNumber UTF8String (SIZE(0..64)),               -- 0C
 *   certificationDataObject [12] CertificationDataObject OPTIONAL, -- AC { 80 platformLabel, 81 discoveryBaseURL }
 *   ... }                                  -- v2.5/v3 fields [13]..[21]: kept raw in `extensions`
 * SubjectKeyIdentifier ::= OCTET STRING   -- 04 14 <20-byte SKI>
 * ```
 */
import { Asn1Error, Tlv, encodeIntegerValue, tlv } from '../tlv';
import {
  TAG_OCTET_STRING,
  TAG_UTF8,
  bytesOf,
  decodeTop,
  decodeVersion,
  encodeNamedBits,
  encodeVersion,
  integer,
  kids,
  mandatory,
  namedBits,
  octets,
  opt,
  req,
  unknownRaw,
  utf8,
  within,
} from './common';

export const TAG_EUICC_INFO1 = 0xbf20;
export const TAG_EUICC_INFO2 = 0xbf22;

/** RspCapability ::= BIT STRING (SGP.22 v2.5 names; later bits appear as `bit<n>`). */
export const RSP_CAPABILITY_BITS = [
  'additionalProfile',
  'crlSupport',
  'rpmSupport',
  'testProfileSupport',
  'deviceInfoExtensibilitySupport',
  'serviceSpecificDataSupport',
] as const;

/** UICCCapability ::= BIT STRING (from the SIMalliance/TCA ServicesList). */
export const UICC_CAPABILITY_BITS = [
  'contactlessSupport',
  'usimSupport',
  'isimSupport',
  'csimSupport',
  'akaMilenage',
  'akaCave',
  'akaTuak128',
  'akaTuak256',
  'rfu1',
  'rfu2',
  'gbaAuthenUsim',
  'gbaAuthenISim',
  'mbmsAuthenUsim',
  'eapClient',
  'javacard',
  'multos',
  'multipleUsimSupport',
  'multipleIsimSupport',
  'multipleCsimSupport',
  'berTlvFileSupport',
  'dfLinkSupport',
  'catTp',
  'getIdentity',
  'profile-a-x25519',
  'profile-b-p256',
  'suciCalculatorApi',
  'dns-resolution',
  'scp11ac',
  'scp11c-authorization-mechanism',
  's16mode',
  'eaka',
  'iotminimal',
] as const;

/** PprIds ::= BIT STRING {pprUpdateControl(0), ppr1(1), ppr2(2)} (ppr3(3) only in v2.0/2.1). */
export const PPR_IDS_BITS = ['pprUpdateControl', 'ppr1', 'ppr2', 'ppr3'] as const;

export const EuiccCategory = { other: 0, basicEuicc: 1, mediumEuicc: 2, contactlessEuicc: 3 } as const;

/* -------------------------------------------------- EUICCInfo1 ------------------------------------------------ */

export interface EUICCInfo1 {
  /** GSMA SGP.22 version supported, "2.2.0". */
  svn: string;
  /** Each a SubjectKeyIdentifier value (20 bytes), without the 04 14 header. */
  euiccCiPKIdListForVerification: Buffer[];
  euiccCiPKIdListForSigning: Buffer[];
  /** Unknown components (v3 extensions), raw TLVs in received order. */
  extensions: Buffer[];
}

export interface DecodedEUICCInfo1 extends EUICCInfo1 {
  /** The BF20 TLV as received (trailing bytes such as 9000 excluded). */
  raw: Buffer;
}

/** SEQUENCE OF SubjectKeyIdentifier content → list of key identifiers. */
export function decodePkIdList(t: Tlv, what: string): Buffer[] {
  return kids(t, what).map((c, i) => {
    if (c.tag !== TAG_OCTET_STRING) throw new Asn1Error(`${what}[${i}]: expected tag 04, got ${c.tag.toString(16)}`);
    return octets(c, `${what}[${i}]`, [1, 64]);
  });
}

export function encodePkIdList(tag: number, list: Buffer[], what: string): Buffer {
  return tlv(
    tag,
    mandatory(list, what).map((k, i) => tlv(TAG_OCTET_STRING, bytesOf(k, `${what}[${i}]`, [1, 64]))),
  );
}

const INFO1_KNOWN = [0x82, 0xa9, 0xaa];

export function decodeEUICCInfo1(input: Buffer): DecodedEUICCInfo1 {
  return decodeTop(input, TAG_EUICC_INFO1, 'EUICCInfo1', (t) => {
    const c = kids(t, 'EUICCInfo1');
    return {
      raw: Buffer.from(t.raw),
      svn: decodeVersion(req(c, 0x82, 'svn'), 'svn'),
      euiccCiPKIdListForVerification: decodePkIdList(
        req(c, 0xa9, 'euiccCiPKIdListForVerification'),
        'euiccCiPKIdListForVerification',
      ),
      euiccCiPKIdListForSigning: decodePkIdList(req(c, 0xaa, 'euiccCiPKIdListForSigning'), 'euiccCiPKIdListForSigning'),
      extensions: unknownRaw(c, INFO1_KNOWN),
    };
  });
}

export function encodeEUICCInfo1(info: Omit<EUICCInfo1, 'extensions'> & { extensions?: Buffer[] }): Buffer {
  return within('EUICCInfo1', () =>
    tlv(TAG_EUICC_INFO1, [
      tlv(0x82, encodeVersion(mandatory(info.svn, 'svn'))),
      encodePkIdList(0xa9, info.euiccCiPKIdListForVerification, 'euiccCiPKIdListForVerification'),
      encodePkIdList(0xaa, info.euiccCiPKIdListForSigning, 'euiccCiPKIdListForSigning'),
      ...(info.extensions ?? []),
    ]),
  );
}

/* -------------------------------------------------- EUICCInfo2 ------------------------------------------------ */

/** extCardResource content (ETSI TS 102 226 §8.2.1.3.2), decoded when it is well formed. */
export interface ExtCardResource {
  installedApplications?: number;
  freeNonVolatileMemory?: number;
  freeVolatileMemory?: number;
}

export interface EUICCInfo2 {
  profileVersion: string;
  svn: string;
  euiccFirmwareVer: string;
  /** Raw content of [4] (ETSI TS 102 226 TLVs). */
  extCardResource: Buffer;
  /** Named bits of UICC_CAPABILITY_BITS (unknown as `bit<n>`). */
  uiccCapability: string[];
  ts102241Version?: string;
  globalplatformVersion?: string;
  /** Named bits of RSP_CAPABILITY_BITS. */
  rspCapability: string[];
  euiccCiPKIdListForVerification: Buffer[];
  euiccCiPKIdListForSigning: Buffer[];
  euiccCategory?: number;
  /** Named bits of PPR_IDS_BITS. */
  forbiddenProfilePolicyRules?: string[];
  ppVersion: string;
  sasAcreditationNumber: string;
  certificationDataObject?: { platformLabel: string; discoveryBaseURL: string };
  /** Unknown components (v2.5/v3 fields [13]..[21] and beyond), raw TLVs in received order. */
  extensions?: Buffer[];
}

export interface DecodedEUICCInfo2 extends EUICCInfo2 {
  /** The BF22 TLV as received. */
  raw: Buffer;
  extensions: Buffer[];
  /** extCardResource decoded, when its content is well-formed TS 102 226 TLVs. */
  extCardResourceInfo?: ExtCardResource;
}

const INFO2_KNOWN = [0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0xa9, 0xaa, 0x8b, 0x99, 0x04, 0x0c, 0xac];

/** ETSI TS 102 226 extended card resource TLVs; undefined if not well formed (it is informative only). */
export function decodeExtCardResource(v: Buffer): ExtCardResource | undefined {
  const out: ExtCardResource = {};
  let p = 0;
  while (p < v.length) {
    if (p + 2 > v.length) return undefined;
    const tag = v[p];
    const len = v[p + 1];
    if (p + 2 + len > v.length || len > 6) return undefined;
    let n = 0;
    for (let i = 0; i < len; i++) n = n * 256 + v[p + 2 + i];
    if (tag === 0x81) out.installedApplications = n;
    else if (tag === 0x82) out.freeNonVolatileMemory = n;
    else if (tag === 0x83) out.freeVolatileMemory = n;
    p += 2 + len;
  }
  return out;
}

export function decodeEUICCInfo2(input: Buffer): DecodedEUICCInfo2 {
  return decodeTop(input, TAG_EUICC_INFO2, 'EUICCInfo2', (t) => decodeEUICCInfo2Tlv(t));
}

/** Decodes an already-read BF22 TLV (e.g. the euiccInfo2 inside euiccSigned1). */
export function decodeEUICCInfo2Tlv(t: Tlv): DecodedEUICCInfo2 {
  const c = kids(t, 'EUICCInfo2');
  const ver = (tag: number, what: string) => decodeVersion(req(c, tag, what), what);
  const optVer = (tag: number, what: string) => {
    const x = opt(c, tag);
    return x ? decodeVersion(x, what) : undefined;
  };
  const extCardResource = octets(req(c, 0x84, 'extCardResource'), 'extCardResource');
  const category = opt(c, 0x8b);
  const fppr = opt(c, 0x99);
  const cdo = opt(c, 0xac);
  const out: DecodedEUICCInfo2 = {
    raw: Buffer.from(t.raw),
    profileVersion: ver(0x81, 'profileVersion'),
    svn: ver(0x82, 'svn'),
    euiccFirmwareVer: ver(0x83, 'euiccFirmwareVer'),
    extCardResource,
    extCardResourceInfo: decodeExtCardResource(extCardResource),
    uiccCapability: namedBits(req(c, 0x85, 'uiccCapability'), 'uiccCapability', UICC_CAPABILITY_BITS),
    ts102241Version: optVer(0x86, 'ts102241Version'),
    globalplatformVersion: optVer(0x87, 'globalplatformVersion'),
    rspCapability: namedBits(req(c, 0x88, 'rspCapability'), 'rspCapability', RSP_CAPABILITY_BITS),
    euiccCiPKIdListForVerification: decodePkIdList(
      req(c, 0xa9, 'euiccCiPKIdListForVerification'),
      'euiccCiPKIdListForVerification',
    ),
    euiccCiPKIdListForSigning: decodePkIdList(req(c, 0xaa, 'euiccCiPKIdListForSigning'), 'euiccCiPKIdListForSigning'),
    euiccCategory: category ? integer(category, 'euiccCategory') : undefined,
    forbiddenProfilePolicyRules: fppr ? namedBits(fppr, 'forbiddenProfilePolicyRules', PPR_IDS_BITS) : undefined,
    ppVersion: ver(0x04, 'ppVersion'),
    sasAcreditationNumber: utf8(req(c, TAG_UTF8, 'sasAcreditationNumber'), 'sasAcreditationNumber', 64),
    certificationDataObject: cdo
      ? within('certificationDataObject', () => {
          const cc = kids(cdo, 'certificationDataObject');
          return {
            platformLabel: utf8(req(cc, 0x80, 'platformLabel'), 'platformLabel'),
            discoveryBaseURL: utf8(req(cc, 0x81, 'discoveryBaseURL'), 'discoveryBaseURL'),
          };
        })
      : undefined,
    extensions: unknownRaw(c, INFO2_KNOWN),
  };
  for (const k of Object.keys(out) as (keyof DecodedEUICCInfo2)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/** DER EUICCInfo2 in the order of the ASN.1 (used by the test eUICC). */
export function encodeEUICCInfo2(info: EUICCInfo2): Buffer {
  return within('EUICCInfo2', () => {
    const v = (tag: number, s: string | undefined, what: string) =>
      s === undefined ? undefined : tlv(tag, encodeVersion(s));
    const cdo = info.certificationDataObject;
    return tlv(TAG_EUICC_INFO2, [
      tlv(0x81, encodeVersion(mandatory(info.profileVersion, 'profileVersion'))),
      tlv(0x82, encodeVersion(mandatory(info.svn, 'svn'))),
      tlv(0x83, encodeVersion(mandatory(info.euiccFirmwareVer, 'euiccFirmwareVer'))),
      tlv(0x84, bytesOf(mandatory(info.extCardResource, 'extCardResource'), 'extCardResource')),
      encodeNamedBits(0x85, info.uiccCapability, UICC_CAPABILITY_BITS, 'uiccCapability'),
      v(0x86, info.ts102241Version, 'ts102241Version'),
      v(0x87, info.globalplatformVersion, 'globalplatformVersion'),
      encodeNamedBits(0x88, info.rspCapability, RSP_CAPABILITY_BITS, 'rspCapability'),
      encodePkIdList(0xa9, info.euiccCiPKIdListForVerification, 'euiccCiPKIdListForVerification'),
      encodePkIdList(0xaa, info.euiccCiPKIdListForSigning, 'euiccCiPKIdListForSigning'),
      info.euiccCategory === undefined ? undefined : tlv(0x8b, encodeIntegerValue(info.euiccCategory)),
      info.forbiddenProfilePolicyRules === undefined
        ? undefined
        : encodeNamedBits(0x99, info.forbiddenProfilePolicyRules, PPR_IDS_BITS, 'forbiddenProfilePolicyRules'),
      tlv(0x04, encodeVersion(mandatory(info.ppVersion, 'ppVersion'))),
      tlv(TAG_UTF8, Buffer.from(mandatory(info.sasAcreditationNumber, 'sasAcreditationNumber'), 'utf8')),
      cdo
        ? tlv(0xac, [tlv(0x80, Buffer.from(cdo.platformLabel, 'utf8')), tlv(0x81, Buffer.from(cdo.discoveryBaseURL, 'utf8'))])
        : undefined,
      ...(info.extensions ?? []),
    ]);
  });
}

/* Aliases in camel case (both spellings are used across the code base). */
export const decodeEuiccInfo1 = decodeEUICCInfo1;
export const encodeEuiccInfo1 = encodeEUICCInfo1;
export const decodeEuiccInfo2 = decodeEUICCInfo2;
export const encodeEuiccInfo2 = encodeEUICCInfo2;

/** VersionType string "2.2.0" → its 3 bytes (e.g. for numeric SVN comparisons). */
export function versionBytes(version: string): Buffer {
  return within('VersionType', () => encodeVersion(version));
}
