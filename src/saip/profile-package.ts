/**
 * Profile package codec: TCA eUICC Profile Package, Interoperable Format (digest §7).
 *
 * ```asn1
 * -- The package is the concatenation of DER ProfileElement values, no outer wrapper.
 * PEHeader ::= SEQUENCE { mandated NULL OPTIONAL, identification UInt15 }
 * File ::= SEQUENCE OF CHOICE { doNotCreate NULL, fileDescriptor Fcp, fillFileOffset UInt16,
 *                               fillFileContent OCTET STRING }                  -- 80 / A1 / 82 / 83
 * ```
 * Every element keeps its exact bytes (`raw`, a view into the input), so that an unmodified element re-encodes
 * byte for byte and a personalised one differs only where it was patched. Inner structures are decoded for the
 * elements the SM-DP+ needs (header, file-system PEs, akaParameter, cdmaParameter, pinCodes, pukCodes,
 * securityDomain, application, rfm, nonStandard, genericFileManagement, end); each decoded value that an
 * SM-DP+ may patch also carries `at`, its absolute offset in the package.
 */
import { Asn1Error, Tlv, children, decodeIntegerValue, decodeOidValue, hexTag, readTlv } from '../asn1/tlv';
import { iccidFromHeaderFormat } from './bcd';
import { SaipError } from './errors';
import {
  ALGORITHM_IDS,
  FILE_SYSTEM_PE_FIELDS,
  KnownPeType,
  PeType,
  PIN_KEY_REFERENCES,
  PUK_KEY_REFERENCES,
  SERVICE_NAMES,
  contextNumber,
  peTypeForTag,
} from './pe-types';

/** A value located in the package: its bytes (a view) and its absolute offset. */
export interface Located {
  value: Buffer;
  at: number;
}

export interface PeHeader {
  mandated: boolean;
  identification: number;
}

/** ProfileHeader ::= SEQUENCE { major-version UInt8, minor-version UInt8, profileType UTF8String OPTIONAL,
 *  iccid OCTET STRING (SIZE(10)), pol OCTET STRING OPTIONAL, eUICC-Mandatory-services ServicesList,
 *  eUICC-Mandatory-GFSTEList SEQUENCE OF OBJECT IDENTIFIER, connectivityParameters OCTET STRING OPTIONAL,
 *  eUICC-Mandatory-AIDs SEQUENCE OF SEQUENCE { aid, version } OPTIONAL, iotOptions IotOptions OPTIONAL } */
export interface ProfileHeader {
  majorVersion: number;
  minorVersion: number;
  profileType?: string;
  /** ICCID digits, F padding removed (the header holds plain BCD, not swapped). */
  iccid: string;
  iccidField: Located;
  pol?: Buffer;
  mandatoryServices: string[];
  mandatoryGfsteList: string[];
  connectivityParameters?: Buffer;
  mandatoryAids?: Array<{ aid: string; version: string }>;
}

/** Fcp (TCA §8.3.2; ETSI TS 102 222 coding), values as upper-case hex. */
export interface Fcp {
  fileDescriptor?: string;
  fileID?: string;
  dfName?: string;
  lcsi?: string;
  securityAttributesReferenced?: string;
  efFileSize?: number;
  pinStatusTemplateDO?: string;
  shortEFID?: string;
  linkPath?: string;
  fillPattern?: string;
  repeatPattern?: string;
}

/** One fillFileContent, at `position` inside the file (after the fillFileOffset skips). */
export interface FileContent extends Located {
  position: number;
}

export interface ProfileFile {
  name: string;
  doNotCreate: boolean;
  fcp?: Fcp;
  contents: FileContent[];
  raw: Buffer;
}

/** PINConfiguration ::= SEQUENCE { keyReference, pinValue OCTET STRING (SIZE(8)), unblockingPINReference OPTIONAL,
 *  pinAttributes UInt8 DEFAULT 7, maxNumOfAttemps-retryNumLeft UInt8 DEFAULT 51 } */
export interface PinCode {
  keyReference: number;
  name: string;
  pinValue: Located;
  unblockingPinReference?: number;
  pinAttributes: number;
  maxNumOfAttempsRetryNumLeft: number;
}

/** PUKConfiguration ::= SEQUENCE { keyReference, pukValue OCTET STRING (SIZE(8)), maxNumOfAttemps-retryNumLeft DEFAULT 170 } */
export interface PukCode {
  keyReference: number;
  name: string;
  pukValue: Located;
  maxNumOfAttempsRetryNumLeft: number;
}

/** PE-AKAParameter ::= SEQUENCE { aka-header, algoConfiguration CHOICE { mappingParameter, algoParameter },
 *  sqnOptions, sqnDelta, sqnAgeLimit, sqnInit } (defaults omitted in DER) */
export interface AkaParameter {
  mapping?: { mappingOptions: string; mappingSource: string };
  algorithmId?: number;
  algorithmName?: string;
  algorithmOptions?: string;
  key?: Located;
  opc?: Located;
  authCounterMax?: string;
  numberOfKeccak?: number;
}

export interface ApplicationInstance {
  applicationLoadPackageAID?: string;
  classAID?: string;
  instanceAID?: string;
  applicationPrivileges?: string;
  lifeCycleState?: string;
}

/** KeyObject ::= SEQUENCE { keyUsageQualifier [21], keyAccess [22] DEFAULT '00', keyIdentifier [2], keyVersionNumber [3],
 *  keyCounterValue [5] OPTIONAL, keyComponents SEQUENCE OF SEQUENCE { keyType [0], keyData [6], macLength [7] DEFAULT 8 } } */
export interface SdKey {
  keyUsageQualifier: string;
  keyAccess: string;
  keyIdentifier: number;
  keyVersionNumber: number;
  components: Array<{ keyType: string; keyData: Located; macLength: number }>;
}

export interface SecurityDomain {
  instance: ApplicationInstance;
  keys: SdKey[];
  sdPersoDataCount: number;
}

export interface ProfileElement {
  /** Index in the package (0 = first). */
  index: number;
  type: PeType;
  tag: number;
  /** Absolute offset of the element in the package. */
  offset: number;
  /** Exact bytes of the element (tag, length, value). */
  raw: Buffer;
  /** PEHeader of every element but `header` (and `unknown` ones when it could be read). */
  peHeader?: PeHeader;
  profileHeader?: ProfileHeader;
  /** File-system PEs: templateID and the files it carries, in order. */
  templateId?: string;
  files?: ProfileFile[];
  pinCodes?: PinCode[];
  /** pinCodes that share the PINs of another DF/ADF (`filePath` alternative). */
  pinFilePath?: string;
  pukCodes?: PukCode[];
  aka?: AkaParameter;
  cdma?: { authenticationKey: Located; hasSsd: boolean };
  securityDomain?: SecurityDomain;
  application?: { loadPackageAID?: string; instances: ApplicationInstance[] };
  rfm?: { instanceAID: string; tarList: string[]; adfAID?: string };
  nonStandard?: { issuerID: string; contentLength: number };
  genericFileManagement?: { filePaths: string[]; createdFileIds: string[] };
}

export interface ProfilePackage {
  elements: ProfileElement[];
  /** The decoded input (the elements' `raw` are views into it). */
  der: Buffer;
}

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();

function at(base: Buffer, v: Buffer): number {
  return v.byteOffset - base.byteOffset;
}

function located(base: Buffer, v: Buffer): Located {
  return { value: v, at: at(base, v) };
}

function uint(t: Tlv, what: string): number {
  const n = decodeIntegerValue(t.value);
  if (n < 0) throw new SaipError(`${what} is negative`);
  return n;
}

/** Reads a TLV list and wraps TLV-layer errors into a message naming where it happened. */
function kids(t: Tlv, what: string): Tlv[] {
  try {
    return children(t);
  } catch (e) {
    throw new SaipError(`${what}: ${(e as Error).message}`);
  }
}

/** PEHeader ::= SEQUENCE { mandated NULL OPTIONAL, identification UInt15 } — `80 00`, `81 nn`. */
export function decodePeHeader(t: Tlv, what: string): PeHeader {
  if (t.tag !== 0xa0) throw new SaipError(`${what}: first component must be the PEHeader (A0), got ${hexTag(t.tag)}`);
  let mandated = false;
  let identification: number | undefined;
  for (const c of kids(t, `${what} PEHeader`)) {
    if (c.tag === 0x80) {
      if (c.value.length !== 0) throw new SaipError(`${what}: PEHeader.mandated must be an empty NULL`);
      mandated = true;
    } else if (c.tag === 0x81) identification = uint(c, `${what}: PEHeader.identification`);
  }
  if (identification === undefined) throw new SaipError(`${what}: PEHeader.identification is missing`);
  return { mandated, identification };
}

function decodeProfileHeader(t: Tlv, base: Buffer): ProfileHeader {
  const what = 'ProfileHeader';
  let majorVersion: number | undefined;
  let minorVersion: number | undefined;
  let iccidField: Located | undefined;
  const h: Partial<ProfileHeader> = { mandatoryServices: [], mandatoryGfsteList: [] };
  for (const c of kids(t, what)) {
    switch (c.tag) {
      case 0x80: majorVersion = uint(c, `${what}.major-version`); break;
      case 0x81: minorVersion = uint(c, `${what}.minor-version`); break;
      case 0x82: h.profileType = c.value.toString('utf8'); break;
      case 0x83: iccidField = located(base, c.value); break;
      case 0x84: h.pol = c.value; break;
      case 0xa5:
        for (const s of kids(c, `${what}.eUICC-Mandatory-services`)) {
          const n = contextNumber(s.tag);
          h.mandatoryServices!.push(n !== undefined && n < SERVICE_NAMES.length ? SERVICE_NAMES[n] : `service[${hexTag(s.tag)}]`);
        }
        break;
      case 0xa6:
        for (const o of kids(c, `${what}.eUICC-Mandatory-GFSTEList`)) {
          if (o.tag !== 0x06) throw new SaipError(`${what}.eUICC-Mandatory-GFSTEList: expected OBJECT IDENTIFIER (06), got ${hexTag(o.tag)}`);
          h.mandatoryGfsteList!.push(decodeOidValue(o.value));
        }
        break;
      case 0x87: h.connectivityParameters = c.value; break;
      case 0xa8:
        h.mandatoryAids = kids(c, `${what}.eUICC-Mandatory-AIDs`).map((s) => {
          const l = kids(s, `${what}.eUICC-Mandatory-AIDs`);
          return { aid: hex(l.find((x) => x.tag === 0x80)?.value ?? Buffer.alloc(0)), version: hex(l.find((x) => x.tag === 0x81)?.value ?? Buffer.alloc(0)) };
        });
        break;
      default: break; // iotOptions and later extensions: kept in raw
    }
  }
  if (majorVersion === undefined) throw new SaipError(`${what}.major-version is missing`);
  if (minorVersion === undefined) throw new SaipError(`${what}.minor-version is missing`);
  if (!iccidField) throw new SaipError(`${what}.iccid is missing`);
  if (iccidField.value.length !== 10) throw new SaipError(`${what}.iccid must be 10 bytes, got ${iccidField.value.length}`);
  return {
    ...(h as ProfileHeader),
    majorVersion,
    minorVersion,
    iccid: iccidFromHeaderFormat(iccidField.value),
    iccidField,
  };
}

/** Fcp ::= SEQUENCE { fileDescriptor [2], fileID [3], dfName [4], lcsi [10], securityAttributesReferenced [11],
 *  efFileSize [0], pinStatusTemplateDO [PRIVATE 6], shortEFID [8], proprietaryEFInfo [5], linkPath [PRIVATE 7] } */
export function decodeFcp(t: Tlv, what: string): Fcp {
  const f: Fcp = {};
  for (const c of kids(t, what)) {
    switch (c.tag) {
      case 0x82: f.fileDescriptor = hex(c.value); break;
      case 0x83: f.fileID = hex(c.value); break;
      case 0x84: f.dfName = hex(c.value); break;
      case 0x8a: f.lcsi = hex(c.value); break;
      case 0x8b: f.securityAttributesReferenced = hex(c.value); break;
      case 0x80: f.efFileSize = c.value.length === 0 ? 0 : c.value.readUIntBE(0, Math.min(c.value.length, 6)); break;
      case 0xc6: f.pinStatusTemplateDO = hex(c.value); break;
      case 0x88: f.shortEFID = hex(c.value); break;
      case 0xc7: f.linkPath = hex(c.value); break;
      case 0xa5:
        for (const p of kids(c, `${what}.proprietaryEFInfo`)) {
          if (p.tag === 0xc1) f.fillPattern = hex(p.value);
          else if (p.tag === 0xc2) f.repeatPattern = hex(p.value);
        }
        break;
      default: break;
    }
  }
  return f;
}

function decodeFile(t: Tlv, name: string, base: Buffer, what: string): ProfileFile {
  const file: ProfileFile = { name, doNotCreate: false, contents: [], raw: t.raw };
  let position = 0;
  for (const c of kids(t, `${what}.${name}`)) {
    switch (c.tag) {
      case 0x80: file.doNotCreate = true; break;
      case 0xa1: file.fcp = decodeFcp(c, `${what}.${name}.fileDescriptor`); break;
      case 0x82: position += uint(c, `${what}.${name}.fillFileOffset`); break;
      case 0x83:
        file.contents.push({ ...located(base, c.value), position });
        position += c.value.length;
        break;
      default:
        throw new SaipError(`${what}.${name}: unexpected ${hexTag(c.tag)} in File (expected 80, A1, 82 or 83)`);
    }
  }
  return file;
}

function decodeFileSystemPe(pe: ProfileElement, comps: Tlv[], names: readonly string[], base: Buffer, what: string): void {
  const files: ProfileFile[] = [];
  for (const c of comps.slice(1)) {
    const n = contextNumber(c.tag);
    if (n === 1 && c.tag === 0x81) {
      pe.templateId = decodeOidValue(c.value);
      continue;
    }
    if (n === undefined || !c.constructed) continue; // not a File: an extension we keep raw
    files.push(decodeFile(c, names[n] ?? `file[${n}]`, base, what));
  }
  if (pe.templateId === undefined) throw new SaipError(`${what}: templateID is missing`);
  pe.files = files;
}

function decodeInstance(t: Tlv, what: string): ApplicationInstance {
  const inst: ApplicationInstance = {};
  const aids: string[] = [];
  for (const c of kids(t, what)) {
    if (c.tag === 0x4f) aids.push(hex(c.value));
    else if (c.tag === 0x82) inst.applicationPrivileges = hex(c.value);
    else if (c.tag === 0x83) inst.lifeCycleState = hex(c.value);
  }
  [inst.applicationLoadPackageAID, inst.classAID, inst.instanceAID] = aids;
  return inst;
}

function decodeElementBody(pe: ProfileElement, t: Tlv, base: Buffer): void {
  const what = `ProfileElement #${pe.index} (${pe.type})`;
  const comps = kids(t, what);
  if (pe.type === 'header') {
    pe.profileHeader = decodeProfileHeader(t, base);
    return;
  }
  if (pe.type === 'unknown') {
    // A newer version's element: its PEHeader if it follows the usual shape, nothing else.
    if (comps[0]?.tag === 0xa0) {
      try {
        pe.peHeader = decodePeHeader(comps[0], what);
      } catch {
        /* kept as is */
      }
    }
    return;
  }
  if (comps.length === 0) throw new SaipError(`${what} is empty: the PEHeader is missing`);
  pe.peHeader = decodePeHeader(comps[0], what);
  const fields = FILE_SYSTEM_PE_FIELDS[pe.type as KnownPeType];
  if (fields) {
    decodeFileSystemPe(pe, comps, fields, base, what);
    return;
  }
  switch (pe.type) {
    case 'pinCodes': {
      const choice = comps.find((c) => c.tag === 0xa1);
      if (!choice) throw new SaipError(`${what}: pinCodes (A1) is missing`);
      const alt = kids(choice, what)[0];
      if (alt?.tag === 0x81) {
        pe.pinFilePath = hex(alt.value);
        break;
      }
      if (alt?.tag !== 0xa0) throw new SaipError(`${what}: pinCodes must be pinconfig (A0) or filePath (81)`);
      pe.pinCodes = kids(alt, what).map((cfg, i) => {
        const l = kids(cfg, `${what} pinconfig[${i}]`);
        const ref = l.find((x) => x.tag === 0x80);
        const val = l.find((x) => x.tag === 0x81);
        if (!ref || !val) throw new SaipError(`${what} pinconfig[${i}]: keyReference and pinValue are mandatory`);
        const keyReference = uint(ref, `${what} keyReference`);
        const unblock = l.find((x) => x.tag === 0x82);
        const attrs = l.find((x) => x.tag === 0x83);
        const max = l.find((x) => x.tag === 0x84);
        return {
          keyReference,
          name: PIN_KEY_REFERENCES[keyReference] ?? `pin(${keyReference})`,
          pinValue: located(base, val.value),
          unblockingPinReference: unblock ? uint(unblock, `${what} unblockingPINReference`) : undefined,
          pinAttributes: attrs ? uint(attrs, `${what} pinAttributes`) : 7,
          maxNumOfAttempsRetryNumLeft: max ? uint(max, `${what} maxNumOfAttemps-retryNumLeft`) : 51,
        };
      });
      break;
    }
    case 'pukCodes': {
      const list = comps.find((c) => c.tag === 0xa1);
      if (!list) throw new SaipError(`${what}: pukCodes (A1) is missing`);
      pe.pukCodes = kids(list, what).map((cfg, i) => {
        const l = kids(cfg, `${what} pukCodes[${i}]`);
        const ref = l.find((x) => x.tag === 0x80);
        const val = l.find((x) => x.tag === 0x81);
        if (!ref || !val) throw new SaipError(`${what} pukCodes[${i}]: keyReference and pukValue are mandatory`);
        const keyReference = uint(ref, `${what} keyReference`);
        const max = l.find((x) => x.tag === 0x82);
        return {
          keyReference,
          name: PUK_KEY_REFERENCES[keyReference] ?? `puk(${keyReference})`,
          pukValue: located(base, val.value),
          maxNumOfAttempsRetryNumLeft: max ? uint(max, `${what} maxNumOfAttemps-retryNumLeft`) : 170,
        };
      });
      break;
    }
    case 'akaParameter': {
      const cfg = comps.find((c) => c.tag === 0xa1);
      if (!cfg) throw new SaipError(`${what}: algoConfiguration (A1) is missing`);
      const alt = kids(cfg, what)[0];
      const aka: AkaParameter = {};
      if (alt?.tag === 0xa0) {
        const l = kids(alt, `${what} mappingParameter`);
        aka.mapping = {
          mappingOptions: hex(l.find((x) => x.tag === 0x80)?.value ?? Buffer.alloc(0)),
          mappingSource: hex(l.find((x) => x.tag === 0x81)?.value ?? Buffer.alloc(0)),
        };
      } else if (alt?.tag === 0xa1) {
        for (const c of kids(alt, `${what} algoParameter`)) {
          switch (c.tag) {
            case 0x80: aka.algorithmId = uint(c, `${what} algorithmID`); aka.algorithmName = ALGORITHM_IDS[aka.algorithmId] ?? `algorithm(${aka.algorithmId})`; break;
            case 0x81: aka.algorithmOptions = hex(c.value); break;
            case 0x82: aka.key = located(base, c.value); break;
            case 0x83: aka.opc = located(base, c.value); break;
            case 0x86: aka.authCounterMax = hex(c.value); break;
            case 0x87: aka.numberOfKeccak = uint(c, `${what} numberOfKeccak`); break;
            default: break;
          }
        }
        if (aka.algorithmId === undefined || !aka.key || !aka.opc) {
          throw new SaipError(`${what}: algoParameter needs algorithmID, key and opc`);
        }
      } else throw new SaipError(`${what}: algoConfiguration must be mappingParameter (A0) or algoParameter (A1)`);
      pe.aka = aka;
      break;
    }
    case 'cdmaParameter': {
      const key = comps.find((c) => c.tag === 0x81);
      if (!key) throw new SaipError(`${what}: authenticationKey (81) is missing`);
      pe.cdma = { authenticationKey: located(base, key.value), hasSsd: comps.some((c) => c.tag === 0x82) };
      break;
    }
    case 'securityDomain': {
      const inst = comps.find((c) => c.tag === 0xa1);
      if (!inst) throw new SaipError(`${what}: instance (A1) is missing`);
      const keyList = comps.find((c) => c.tag === 0xa2);
      const keys: SdKey[] = keyList
        ? kids(keyList, `${what} keyList`).map((ko, i) => {
            const l = kids(ko, `${what} keyList[${i}]`);
            const get = (tag: number) => l.find((x) => x.tag === tag)?.value;
            const comp = l.find((x) => x.tag === 0x30);
            const kid = get(0x82);
            const kvn = get(0x83);
            if (!kid || !kvn || !get(0x95) || !comp) {
              throw new SaipError(`${what} keyList[${i}]: keyUsageQualifier, keyIdentifier, keyVersionNumber and keyComponents are mandatory`);
            }
            return {
              keyUsageQualifier: hex(get(0x95)!),
              keyAccess: hex(get(0x96) ?? Buffer.from([0])),
              keyIdentifier: kid[0],
              keyVersionNumber: kvn[0],
              components: kids(comp, `${what} keyList[${i}].keyComponents`).map((kc) => {
                const m = kids(kc, `${what} keyList[${i}].keyComponents`);
                const data = m.find((x) => x.tag === 0x86);
                if (!data) throw new SaipError(`${what} keyList[${i}]: keyData (86) is missing`);
                const mac = m.find((x) => x.tag === 0x87);
                return {
                  keyType: hex(m.find((x) => x.tag === 0x80)?.value ?? Buffer.alloc(0)),
                  keyData: located(base, data.value),
                  macLength: mac ? uint(mac, 'macLength') : 8,
                };
              }),
            };
          })
        : [];
      const perso = comps.find((c) => c.tag === 0xa3);
      pe.securityDomain = {
        instance: decodeInstance(inst, `${what} instance`),
        keys,
        sdPersoDataCount: perso ? kids(perso, what).length : 0,
      };
      break;
    }
    case 'application': {
      const load = comps.find((c) => c.tag === 0xa1);
      const list = comps.find((c) => c.tag === 0xa2);
      pe.application = {
        loadPackageAID: load ? hex(kids(load, what).find((x) => x.tag === 0x4f)?.value ?? Buffer.alloc(0)) : undefined,
        instances: list ? kids(list, what).map((i) => decodeInstance(i, `${what} instance`)) : [],
      };
      break;
    }
    case 'rfm': {
      const aid = comps.find((c) => c.tag === 0x4f);
      if (!aid) throw new SaipError(`${what}: instanceAID (4F) is missing`);
      const tar = comps.slice(1).find((c) => c.tag === 0xa0);
      const adf = comps.find((c) => c.tag === 0x30);
      pe.rfm = {
        instanceAID: hex(aid.value),
        tarList: tar ? kids(tar, what).map((x) => hex(x.value)) : [],
        adfAID: adf ? hex(kids(adf, what).find((x) => x.tag === 0x80)?.value ?? Buffer.alloc(0)) : undefined,
      };
      break;
    }
    case 'nonStandard': {
      const oid = comps.find((c) => c.tag === 0x81);
      const content = comps.find((c) => c.tag === 0x82);
      pe.nonStandard = { issuerID: oid ? decodeOidValue(oid.value) : '', contentLength: content?.value.length ?? 0 };
      break;
    }
    case 'genericFileManagement': {
      const cmds = comps.find((c) => c.tag === 0xa1);
      const gfm = { filePaths: [] as string[], createdFileIds: [] as string[] };
      for (const cmd of cmds ? kids(cmds, what) : []) {
        for (const op of kids(cmd, `${what} fileManagementCMD`)) {
          if (op.tag === 0x80) gfm.filePaths.push(hex(op.value));
          else if (op.tag === 0x62) {
            const fcp = decodeFcp(op, `${what} createFCP`);
            if (fcp.fileID) gfm.createdFileIds.push(fcp.fileID);
          }
        }
      }
      pe.genericFileManagement = gfm;
      break;
    }
    default:
      break; // end, rfu*: the PEHeader is all there is
  }
}

/** Decodes one ProfileElement TLV read at `offset` of `base`. */
function decodeElement(t: Tlv, index: number, base: Buffer): ProfileElement {
  const type = peTypeForTag(t.tag);
  const offset = at(base, t.raw);
  if (type === undefined) {
    throw new SaipError(
      `ProfileElement #${index} at offset ${offset}: tag ${hexTag(t.tag)} is not a ProfileElement (a constructed context tag A0..BF1F+ is expected)`,
    );
  }
  const pe: ProfileElement = { index, type, tag: t.tag, offset, raw: t.raw };
  try {
    decodeElementBody(pe, t, base);
  } catch (e) {
    if (e instanceof SaipError) throw e;
    if (e instanceof Asn1Error) throw new SaipError(`ProfileElement #${index} (${type}) at offset ${offset}: ${e.message}`);
    throw e;
  }
  return pe;
}

/**
 * Decodes a profile package (the concatenation of DER ProfileElements) into its elements.
 * Throws SaipError naming the element index and offset on any malformed TLV.
 */
export function decodeProfilePackage(der: Buffer): ProfilePackage {
  if (!Buffer.isBuffer(der) || der.length === 0) throw new SaipError('profile package is empty');
  const elements: ProfileElement[] = [];
  let p = 0;
  while (p < der.length) {
    let t: Tlv;
    try {
      t = readTlv(der, p);
    } catch (e) {
      throw new SaipError(`profile package truncated or malformed at offset ${p} (ProfileElement #${elements.length}): ${(e as Error).message}`);
    }
    elements.push(decodeElement(t, elements.length, der));
    p += t.raw.length;
  }
  return { elements, der };
}

/**
 * Encodes a package back: the concatenation of each element's `raw` bytes. Unmodified elements are therefore
 * byte-identical; to change an element, replace its `raw` (e.g. with `tlv(tag, […])`).
 */
export function encodeProfilePackage(pkg: { elements: Array<{ raw: Buffer }> }): Buffer {
  return Buffer.concat(pkg.elements.map((e) => e.raw));
}

/**
 * Fast path for the inventory import: decodes only the first element (ProfileHeader, SGP.22 / TCA: the header
 * is the first element of every package).
 */
export function readProfileHeader(der: Buffer): { iccid: string; profileType?: string; majorVersion: number; minorVersion: number } {
  let t: Tlv;
  try {
    t = readTlv(der, 0);
  } catch (e) {
    throw new SaipError(`profile package: cannot read the first element: ${(e as Error).message}`);
  }
  if (t.tag !== 0xa0) throw new SaipError(`profile package: first element must be the ProfileHeader (A0), got ${hexTag(t.tag)}`);
  let h: ProfileHeader;
  try {
    h = decodeProfileHeader(t, der);
  } catch (e) {
    if (e instanceof Asn1Error) throw new SaipError(`ProfileHeader: ${e.message}`);
    throw e;
  }
  return { iccid: h.iccid, profileType: h.profileType, majorVersion: h.majorVersion, minorVersion: h.minorVersion };
}

/** All files of a given name in the file-system PEs of one type (e.g. ('usim', 'ef-imsi')). */
export function findFiles(pkg: ProfilePackage, peType: KnownPeType, fileName: string): Array<{ pe: ProfileElement; file: ProfileFile }> {
  const out: Array<{ pe: ProfileElement; file: ProfileFile }> = [];
  for (const pe of pkg.elements) {
    if (pe.type !== peType || !pe.files) continue;
    for (const file of pe.files) if (file.name === fileName) out.push({ pe, file });
  }
  return out;
}

/** The whole-file content of an EF when the package gives it as one fillFileContent at position 0. */
export function wholeContent(file: ProfileFile): FileContent | undefined {
  return file.contents.length >= 1 && file.contents[0].position === 0 ? file.contents[0] : undefined;
}
