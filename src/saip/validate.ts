/**
 * Profile package validation (TCA eUICC Profile Package: Interoperable Format; digest §7 structural rules,
 * §4.6 ICCID coding) and the readable summary printed by `profile inspect`.
 *
 * Errors make the package unusable (the eUICC would refuse it, or the SM-DP+ would bind a profile whose ICCID
 * does not match its metadata — SGP.22 §5.5 errorReason installFailedDueToDataMismatch(13)); warnings are
 * worth a look but do not stop an import. Messages name the element (`usim #7`) and the values involved.
 * The summary never carries key, PIN or PUK values — only their presence and sizes.
 */
import { iccidFromEfFormat, imsiFromEfFormat, luhnValid } from './bcd';
import { SaipError } from './errors';
import { ProfileElement, ProfilePackage, decodeProfilePackage, findFiles, wholeContent } from './profile-package';
import { KnownPeType, PIN_KEY_REFERENCES, PUK_KEY_REFERENCES, TEMPLATE_OID_ARC } from './pe-types';

export interface ProfileSummary {
  iccid?: string;
  imsi?: string;
  profileType?: string;
  /** "major.minor" of the Interoperable Format the header declares. */
  version?: string;
  size: number;
  mandatoryServices: string[];
  elements: Array<{ index: number; type: string; identification?: number; mandated?: boolean; length: number; templateId?: string }>;
  applications: Array<{ kind: string; aid: string; label?: string }>;
  keys: {
    aka: Array<{ identification?: number; algorithm: string; keyLength?: number; opcLength?: number; mapping?: boolean }>;
    cdmaAuthenticationKey: boolean;
    pins: string[];
    puks: string[];
    securityDomain: Array<{ keyVersionNumber: number; keyIdentifier: number; keyUsageQualifier: string; keyType: string; keyLength: number }>;
  };
}

export interface ProfileValidationResult {
  ok: boolean;
  errors: string[];
  warnings: string[];
  summary: ProfileSummary;
}

const label = (pe: ProfileElement) => `${pe.type} #${pe.index}`;

/** Elements of which a package may hold at most one (digest §7, TCA structural rules). */
const SINGLETONS: readonly KnownPeType[] = [
  'header', 'mf', 'cd', 'telecom', 'usim', 'opt-usim', 'isim', 'opt-isim', 'csim', 'opt-csim', 'df-5gs', 'df-saip', 'end',
];
/** … unless the header announces the matching multiple-NAA service. */
const MULTIPLE_SERVICE: Partial<Record<KnownPeType, string>> = {
  usim: 'multiple-usim', 'opt-usim': 'multiple-usim', isim: 'multiple-isim', 'opt-isim': 'multiple-isim',
  csim: 'multiple-csim', 'opt-csim': 'multiple-csim',
};
/** Element → the element it depends on. */
const REQUIRES: Partial<Record<KnownPeType, KnownPeType>> = {
  'opt-usim': 'usim', phonebook: 'usim', 'gsm-access': 'usim', 'df-5gs': 'usim', 'df-saip': 'usim',
  'opt-isim': 'isim', 'opt-csim': 'csim',
};

/** Parses EF.DIR records (ETSI TS 102 221 §13.1: 61 { 4F AID, 50 label }) into AID → label. */
function efDirLabels(pkg: ProfilePackage): Map<string, string> {
  const labels = new Map<string, string>();
  for (const { file } of findFiles(pkg, 'mf', 'ef-dir')) {
    for (const c of file.contents) {
      const r = c.value;
      if (r[0] !== 0x61 || r.length < 4) continue;
      let p = 2;
      let aid: string | undefined;
      let name: string | undefined;
      while (p + 2 <= r.length && p < 2 + r[1]) {
        const tag = r[p];
        const len = r[p + 1];
        const v = r.subarray(p + 2, p + 2 + len);
        if (tag === 0x4f) aid = v.toString('hex').toUpperCase();
        else if (tag === 0x50) name = v.toString('latin1');
        p += 2 + len;
      }
      if (aid) labels.set(aid, name ?? '');
    }
  }
  return labels;
}

/** Builds the readable summary of a decoded package (no secret values). */
export function summarizeProfilePackage(pkg: ProfilePackage): ProfileSummary {
  const header = pkg.elements.find((e) => e.type === 'header')?.profileHeader;
  const s: ProfileSummary = {
    iccid: header?.iccid,
    profileType: header?.profileType,
    version: header ? `${header.majorVersion}.${header.minorVersion}` : undefined,
    size: pkg.der.length,
    mandatoryServices: header?.mandatoryServices ?? [],
    elements: pkg.elements.map((e) => ({
      index: e.index,
      type: e.type,
      identification: e.peHeader?.identification,
      mandated: e.peHeader?.mandated,
      length: e.raw.length,
      templateId: e.templateId,
    })),
    applications: [],
    keys: { aka: [], cdmaAuthenticationKey: false, pins: [], puks: [], securityDomain: [] },
  };
  const imsiFile = findFiles(pkg, 'usim', 'ef-imsi')[0];
  const imsiContent = imsiFile && wholeContent(imsiFile.file);
  if (imsiContent) {
    try {
      s.imsi = imsiFromEfFormat(imsiContent.value);
    } catch {
      /* reported by the validator */
    }
  }
  const labels = efDirLabels(pkg);
  for (const pe of pkg.elements) {
    for (const f of pe.files ?? []) {
      if (f.fcp?.dfName && f.name.startsWith('adf-')) {
        s.applications.push({ kind: f.name.slice(4), aid: f.fcp.dfName, label: labels.get(f.fcp.dfName) });
      }
    }
    if (pe.securityDomain?.instance.instanceAID) s.applications.push({ kind: 'securityDomain', aid: pe.securityDomain.instance.instanceAID });
    for (const inst of pe.application?.instances ?? []) if (inst.instanceAID) s.applications.push({ kind: 'application', aid: inst.instanceAID });
    if (pe.rfm) s.applications.push({ kind: 'rfm', aid: pe.rfm.instanceAID });
    if (pe.aka) {
      s.keys.aka.push({
        identification: pe.peHeader?.identification,
        algorithm: pe.aka.mapping ? 'mapping' : pe.aka.algorithmName ?? '?',
        keyLength: pe.aka.key?.value.length,
        opcLength: pe.aka.opc?.value.length,
        mapping: pe.aka.mapping ? true : undefined,
      });
    }
    if (pe.cdma) s.keys.cdmaAuthenticationKey = true;
    for (const p of pe.pinCodes ?? []) if (!s.keys.pins.includes(p.name)) s.keys.pins.push(p.name);
    for (const p of pe.pukCodes ?? []) if (!s.keys.puks.includes(p.name)) s.keys.puks.push(p.name);
    for (const k of pe.securityDomain?.keys ?? []) {
      for (const c of k.components) {
        s.keys.securityDomain.push({
          keyVersionNumber: k.keyVersionNumber,
          keyIdentifier: k.keyIdentifier,
          keyUsageQualifier: k.keyUsageQualifier,
          keyType: c.keyType,
          keyLength: c.keyData.value.length,
        });
      }
    }
  }
  return s;
}

/** Validates a decoded package; see validateProfilePackage. */
export function validateDecodedPackage(pkg: ProfilePackage): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const els = pkg.elements;
  const byType = new Map<string, ProfileElement[]>();
  for (const e of els) byType.set(e.type, [...(byType.get(e.type) ?? []), e]);
  const count = (t: string) => byType.get(t)?.length ?? 0;

  // --- structure ------------------------------------------------------------------------------------------
  const header = els[0]?.type === 'header' ? els[0].profileHeader : undefined;
  if (els[0]?.type !== 'header') errors.push(`the first ProfileElement must be the header, got ${label(els[0])}`);
  const services = new Set(header?.mandatoryServices ?? []);
  if (els.length > 1 && els[1].type !== 'mf') errors.push(`the second ProfileElement must be mf (the MF follows the header), got ${label(els[1])}`);
  if (count('mf') === 0) errors.push('the mandatory mf ProfileElement is missing');
  const ends = byType.get('end') ?? [];
  if (ends.length === 0) errors.push('the end ProfileElement is missing: a package must finish with end');
  else if (ends[0].index !== els.length - 1) {
    errors.push(`end (#${ends[0].index}) must be the last ProfileElement; ${els.length - 1 - ends[0].index} element(s) follow it`);
  }
  for (const t of SINGLETONS) {
    const list = byType.get(t) ?? [];
    const multi = MULTIPLE_SERVICE[t];
    if (list.length > 1 && !(multi && services.has(multi))) {
      errors.push(`${t} appears ${list.length} times (${list.map((e) => `#${e.index}`).join(', ')}); at most one is allowed${multi ? ` without the ${multi} service` : ''}`);
    }
  }
  for (const [t, dep] of Object.entries(REQUIRES) as Array<[KnownPeType, KnownPeType]>) {
    for (const e of byType.get(t) ?? []) if (count(dep) === 0) errors.push(`${label(e)} requires a ${dep} ProfileElement, which the package lacks`);
  }
  for (const e of els) {
    if (e.type === 'unknown') warnings.push(`${label(e)} (tag ${e.tag.toString(16).toUpperCase()}) is not defined in the Interoperable Format 2.3/3.3 definitions; kept as is`);
    if (/^rfu\d$/.test(e.type)) errors.push(`${label(e)} uses a reserved ProfileElement tag`);
  }

  // --- identifiers ------------------------------------------------------------------------------------------
  const ids = new Map<number, ProfileElement>();
  for (const e of els) {
    if (!e.peHeader) continue;
    const id = e.peHeader.identification;
    if (id > 32767) errors.push(`${label(e)}: identification ${id} exceeds UInt15`);
    const prev = ids.get(id);
    if (prev) errors.push(`identification ${id} is used by both ${label(prev)} and ${label(e)}; PE identifications must be unique`);
    else ids.set(id, e);
  }

  // --- header -----------------------------------------------------------------------------------------------
  if (header) {
    if (header.majorVersion !== 2 && header.majorVersion !== 3) {
      warnings.push(`header declares Interoperable Format version ${header.majorVersion}.${header.minorVersion}; 2.x and 3.x are supported`);
    }
    if (header.iccid.length < 19 || header.iccid.length > 20) errors.push(`header ICCID '${header.iccid}' must have 19 or 20 digits (ITU-T E.118)`);
    else if (!luhnValid(header.iccid)) warnings.push(`header ICCID ${header.iccid} does not end with its Luhn check digit`);
    // digest §4.6: header ICCID (plain BCD) and EF.ICCID (swapped) must carry the same digits.
    const efIccid = findFiles(pkg, 'mf', 'ef-iccid')[0];
    if (count('mf') > 0) {
      const content = efIccid && wholeContent(efIccid.file);
      if (!efIccid) errors.push('mf has no ef-iccid');
      else if (!content) errors.push(`${label(efIccid.pe)}: EF.ICCID carries no content; it must hold the ICCID`);
      else if (content.value.length !== 10) errors.push(`${label(efIccid.pe)}: EF.ICCID content is ${content.value.length} bytes, expected 10`);
      else {
        let ef: string | undefined;
        try {
          ef = iccidFromEfFormat(content.value);
        } catch (e) {
          errors.push(`${label(efIccid.pe)}: ${(e as Error).message}`);
        }
        if (ef !== undefined && ef !== header.iccid) {
          errors.push(
            `ICCID mismatch: header ${header.iccid}, EF.ICCID ${content.value.toString('hex').toUpperCase()} (= ${ef}); EF.ICCID must be the nibble-swapped header ICCID`,
          );
        }
      }
    }

    // --- services announced vs elements present ------------------------------------------------------------
    const naa: Array<[string, KnownPeType]> = [['usim', 'usim'], ['isim', 'isim'], ['csim', 'csim'], ['eap', 'eap']];
    for (const [svc, t] of naa) {
      if (services.has(svc) && count(t) === 0) errors.push(`header announces service ${svc} but the package has no ${t} ProfileElement`);
      if (!services.has(svc) && count(t) > 0 && svc !== 'eap') warnings.push(`the package carries ${t} but the header does not announce the ${svc} service`);
    }
    const akas = (byType.get('akaParameter') ?? []).filter((e) => e.aka?.algorithmId !== undefined);
    const algos: Array<[string, number, number?]> = [
      ['milenage', 1], ['tuak128', 2, 16], ['tuak256', 2, 32], ['usim-test-algorithm', 3],
    ];
    for (const [svc, id, keyLen] of algos) {
      const users = akas.filter((e) => e.aka!.algorithmId === id && (keyLen === undefined || e.aka!.key!.value.length === keyLen));
      if (services.has(svc) && users.length === 0) errors.push(`header announces ${svc} but no akaParameter uses it`);
      for (const e of users) if (!services.has(svc)) errors.push(`${label(e)} uses ${svc}, which the header's eUICC-Mandatory-services does not announce`);
    }
    if (services.has('cave') && count('cdmaParameter') === 0) errors.push('header announces cave but the package has no cdmaParameter');

    // --- templates used vs eUICC-Mandatory-GFSTEList ---------------------------------------------------------
    const gfste = new Set(header.mandatoryGfsteList);
    for (const e of els) {
      if (!e.templateId) continue;
      if (!e.templateId.startsWith(`${TEMPLATE_OID_ARC}.`)) warnings.push(`${label(e)}: templateID ${e.templateId} is not a TCA template (${TEMPLATE_OID_ARC}.x)`);
      else if (!gfste.has(e.templateId)) errors.push(`${label(e)} uses template ${e.templateId}, which the header's eUICC-Mandatory-GFSTEList does not list`);
    }
  }

  // --- per-element identifiers and sizes --------------------------------------------------------------------
  const pukRefs = new Set<number>();
  for (const e of byType.get('pukCodes') ?? []) {
    const seen = new Set<number>();
    for (const p of e.pukCodes ?? []) {
      if (seen.has(p.keyReference)) errors.push(`${label(e)}: ${p.name} is defined twice`);
      seen.add(p.keyReference);
      pukRefs.add(p.keyReference);
      if (!PUK_KEY_REFERENCES[p.keyReference]) errors.push(`${label(e)}: keyReference ${p.keyReference} is not a PUKKeyReferenceValue`);
      if (p.pukValue.value.length !== 8) errors.push(`${label(e)}: ${p.name} pukValue is ${p.pukValue.value.length} bytes, expected 8`);
    }
  }
  for (const e of byType.get('pinCodes') ?? []) {
    const seen = new Set<number>();
    for (const p of e.pinCodes ?? []) {
      if (seen.has(p.keyReference)) errors.push(`${label(e)}: ${p.name} is defined twice`);
      seen.add(p.keyReference);
      if (!PIN_KEY_REFERENCES[p.keyReference]) errors.push(`${label(e)}: keyReference ${p.keyReference} is not a PINKeyReferenceValue`);
      if (p.pinValue.value.length !== 8) errors.push(`${label(e)}: ${p.name} pinValue is ${p.pinValue.value.length} bytes, expected 8`);
      if (p.unblockingPinReference !== undefined && !pukRefs.has(p.unblockingPinReference)) {
        errors.push(`${label(e)}: ${p.name} is unblocked by ${PUK_KEY_REFERENCES[p.unblockingPinReference] ?? p.unblockingPinReference}, which no pukCodes element defines`);
      }
    }
  }
  for (const e of byType.get('akaParameter') ?? []) {
    const a = e.aka;
    if (!a || a.mapping) continue;
    const kl = a.key!.value.length;
    const allowed = a.algorithmId === 2 ? [16, 32] : [16];
    if (!allowed.includes(kl)) errors.push(`${label(e)}: ${a.algorithmName} key is ${kl} bytes, expected ${allowed.join(' or ')}`);
    if (a.algorithmId !== 3 && a.opc!.value.length !== 16 && a.opc!.value.length !== 32) {
      errors.push(`${label(e)}: opc is ${a.opc!.value.length} bytes, expected 16${a.algorithmId === 2 ? ' or 32' : ''}`);
    }
    if (a.algorithmOptions !== undefined && a.algorithmOptions.length !== 2) errors.push(`${label(e)}: algorithmOptions must be 1 byte`);
  }
  for (const e of byType.get('cdmaParameter') ?? []) {
    if (e.cdma && e.cdma.authenticationKey.value.length !== 8) errors.push(`${label(e)}: authenticationKey is ${e.cdma.authenticationKey.value.length} bytes, expected 8`);
  }
  for (const e of byType.get('securityDomain') ?? []) {
    const sd = e.securityDomain!;
    const aid = sd.instance.instanceAID;
    if (!aid || aid.length < 10 || aid.length > 32) errors.push(`${label(e)}: instanceAID '${aid ?? ''}' must be 5 to 16 bytes`);
    const seen = new Set<string>();
    for (const k of sd.keys) {
      const id = `${k.keyVersionNumber}/${k.keyIdentifier}`;
      if (seen.has(id)) errors.push(`${label(e)}: key version ${k.keyVersionNumber} identifier ${k.keyIdentifier} is defined twice`);
      seen.add(id);
      for (const c of k.components) {
        const len = c.keyData.value.length;
        if (c.keyType === '88' && ![16, 24, 32].includes(len)) errors.push(`${label(e)}: AES key ${id} is ${len} bytes, expected 16, 24 or 32`);
      }
    }
  }
  for (const e of els) {
    for (const f of e.files ?? []) {
      const where = `${label(e)}.${f.name}`;
      const fcp = f.fcp;
      if (fcp?.fileID !== undefined && fcp.fileID.length !== 4) errors.push(`${where}: fileID ${fcp.fileID} must be 2 bytes`);
      if (fcp?.dfName !== undefined && (fcp.dfName.length < 10 || fcp.dfName.length > 32)) errors.push(`${where}: dfName ${fcp.dfName} must be 5 to 16 bytes`);
      if (fcp?.shortEFID !== undefined && fcp.shortEFID.length > 2) errors.push(`${where}: shortEFID must be 0 or 1 byte`);
      if (fcp?.efFileSize !== undefined) {
        for (const c of f.contents) {
          const end = c.position + c.value.length;
          if (end > fcp.efFileSize) errors.push(`${where}: fillFileContent ends at byte ${end}, beyond efFileSize ${fcp.efFileSize}`);
        }
      }
    }
  }
  const imsi = findFiles(pkg, 'usim', 'ef-imsi')[0];
  const imsiContent = imsi && wholeContent(imsi.file);
  if (imsiContent) {
    if (imsiContent.value.length !== 9) errors.push(`${label(imsi.pe)}: EF.IMSI content is ${imsiContent.value.length} bytes, expected 9`);
    try {
      imsiFromEfFormat(imsiContent.value);
    } catch (e) {
      errors.push(`${label(imsi.pe)}: ${(e as Error).message}`);
    }
  }
  return { errors, warnings };
}

/**
 * Decodes and validates a profile package. Never throws for bad input: a package that cannot be decoded gives
 * ok=false with the decoding error as the single error (precise element index and offset).
 */
export function validateProfilePackage(der: Buffer): ProfileValidationResult {
  let pkg: ProfilePackage;
  try {
    pkg = decodeProfilePackage(der);
  } catch (e) {
    if (!(e instanceof SaipError)) throw e;
    return {
      ok: false,
      errors: [e.message],
      warnings: [],
      summary: {
        size: der?.length ?? 0, mandatoryServices: [], elements: [], applications: [],
        keys: { aka: [], cdmaAuthenticationKey: false, pins: [], puks: [], securityDomain: [] },
      },
    };
  }
  const { errors, warnings } = validateDecodedPackage(pkg);
  return { ok: errors.length === 0, errors, warnings, summary: summarizeProfilePackage(pkg) };
}

