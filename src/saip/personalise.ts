/**
 * Personalisation of a profile package template (digest §7 "Personalisation touch points"; §4.6 ICCID coding).
 *
 * The template is decoded and validated once and compiled into a patch plan: the absolute offsets of every
 * value a subscriber changes — ProfileHeader.iccid (plain BCD), MF/EF.ICCID (swapped BCD), USIM/EF.IMSI and
 * EF.ACC, akaParameter key/opc, pinCodes/pukCodes values, securityDomain keyData. Every such value has a fixed
 * length (ICCID 10 bytes, EF.IMSI 9, EF.ACC 2, PIN/PUK 8, Ki/OPc as in the template), so a profile is the
 * template buffer copied and overwritten at those offsets: no re-encoding, no length changes, every other byte
 * identical to the template. That is what makes a million profiles cheap and memory-flat.
 */
import { ProfilePackage, decodeProfilePackage, findFiles, wholeContent } from './profile-package';
import { SaipError } from './errors';
import { validateDecodedPackage } from './validate';

export interface SecurityDomainKeyValue {
  keyVersionNumber: number;
  keyIdentifier: number;
  /** Hex string or bytes; must have the template key's length. */
  keyData: string | Buffer;
}

/** Per-profile data. Only `iccid` is mandatory; absent fields keep the template's value. */
export interface PersonalisationData {
  /** 19 or 20 digits (18 accepted), written to ProfileHeader.iccid and EF.ICCID. */
  iccid: string;
  /** 6 to 15 digits → USIM EF.IMSI; EF.ACC follows (access class = last digit) unless `acc` is given. */
  imsi?: string;
  /** EF.ACC as 4 hex digits. */
  acc?: string;
  /** Subscriber key → every akaParameter algoParameter.key (hex or bytes, the template key's length). */
  ki?: string | Buffer;
  /** OPc (TOPc for TUAK) → every akaParameter algoParameter.opc. */
  opc?: string | Buffer;
  /** PINs: 4–8 digits, stored as ASCII padded with FF (pinAppl1 / secondPINAppl1). */
  pin1?: string;
  pin2?: string;
  /** PUKs: 8 digits, ASCII (pukAppl1 / secondPUKAppl1). */
  puk1?: string;
  puk2?: string;
  /** ADM keys: 8 digits (ASCII) or 16 hex digits (raw 8 bytes) (adm1 / adm2). */
  adm1?: string;
  adm2?: string;
  securityDomainKeys?: SecurityDomainKeyValue[];
}

/** A place in the template that personalisation overwrites. */
export interface PatchSite {
  field: string;
  /** Element index and type, for messages and tests. */
  element: string;
  offset: number;
  length: number;
}

export interface PersonalisationTemplate {
  readonly size: number;
  /** The template's own ICCID. */
  readonly iccid: string;
  /** Fields this template can personalise (those with a fixed place in it). */
  readonly fields: readonly string[];
  readonly sites: readonly PatchSite[];
  /** A new package for one profile. Throws SaipError (with `field`) on bad input. */
  personalise(data: PersonalisationData): Buffer;
  /** Same, into a caller-owned buffer of `size` bytes (reused across profiles when the sink copies). */
  personaliseInto(data: PersonalisationData, out: Buffer): Buffer;
}

const PIN_REFS = { pin1: 1, pin2: 129, adm1: 10, adm2: 11 } as const;
const PUK_REFS = { puk1: 1, puk2: 129 } as const;

function digitsOnly(v: string, min: number, max: number, field: string, what: string): void {
  if (typeof v !== 'string' || v.length < min || v.length > max) {
    throw new SaipError(`${what} must be ${min === max ? min : `${min} to ${max}`} digits, got '${v}'`, field);
  }
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) throw new SaipError(`${what} must be decimal digits, got '${v}'`, field);
  }
}

function hexBytes(v: string | Buffer, length: number, field: string, what: string): Buffer {
  if (Buffer.isBuffer(v)) {
    if (v.length !== length) throw new SaipError(`${what} must be ${length} bytes to fit the template, got ${v.length}`, field);
    return v;
  }
  if (typeof v !== 'string' || v.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(v)) {
    throw new SaipError(`${what} must be ${length * 2} hex digits (${length} bytes, as in the template), got '${v}'`, field);
  }
  return Buffer.from(v, 'hex');
}

function nib(c: number): number {
  return c - 48; // callers have checked digits
}

/** ProfileHeader.iccid: plain BCD, F-padded. */
function writeIccidPlain(iccid: string, out: Buffer, at: number): void {
  for (let i = 0; i < 10; i++) {
    const hi = 2 * i < iccid.length ? nib(iccid.charCodeAt(2 * i)) : 0xf;
    const lo = 2 * i + 1 < iccid.length ? nib(iccid.charCodeAt(2 * i + 1)) : 0xf;
    out[at + i] = (hi << 4) | lo;
  }
}

/** EF.ICCID: swapped BCD, F-padded. */
function writeIccidSwapped(iccid: string, out: Buffer, at: number): void {
  for (let i = 0; i < 10; i++) {
    const lo = 2 * i < iccid.length ? nib(iccid.charCodeAt(2 * i)) : 0xf;
    const hi = 2 * i + 1 < iccid.length ? nib(iccid.charCodeAt(2 * i + 1)) : 0xf;
    out[at + i] = (hi << 4) | lo;
  }
}

/** EF.IMSI (TS 31.102 §4.2.2): length byte, parity nibble + digits swapped, FF-padded to 9 bytes. */
function writeImsi(imsi: string, out: Buffer, at: number): void {
  const n = imsi.length;
  out[at] = (n + 2) >> 1;
  // nibble stream: parity, d1, d2, …; byte k (k ≥ 1) = nibble[2k-1] | nibble[2k-2]... written low nibble first.
  const nibbleAt = (k: number): number => (k === 0 ? (n % 2 ? 9 : 1) : k <= n ? nib(imsi.charCodeAt(k - 1)) : 0xf);
  for (let i = 0; i < 8; i++) out[at + 1 + i] = (nibbleAt(2 * i + 1) << 4) | nibbleAt(2 * i);
}

function writePin(pin: string, out: Buffer, at: number): void {
  for (let i = 0; i < 8; i++) out[at + i] = i < pin.length ? pin.charCodeAt(i) : 0xff;
}

function admBytes(v: string, field: string): Buffer | string {
  if (/^[0-9]{8}$/.test(v)) return v; // ASCII digits
  if (/^[0-9a-fA-F]{16}$/.test(v)) return Buffer.from(v, 'hex');
  throw new SaipError(`${field.toUpperCase()} must be 8 digits or 16 hex digits, got '${v}'`, field);
}

/**
 * Analyses a template package once. Refuses (SaipError) a template that does not validate or lacks a fixed
 * place for the ICCID; other fields are refused at personalise() time only when asked for.
 */
export function compilePersonalisationTemplate(der: Buffer): PersonalisationTemplate {
  const pkg: ProfilePackage = decodeProfilePackage(der);
  const { errors } = validateDecodedPackage(pkg);
  if (errors.length) throw new SaipError(`template is not a valid profile package: ${errors.join('; ')}`);
  const sites: PatchSite[] = [];
  const add = (field: string, pe: { index: number; type: string }, at: number, length: number) =>
    sites.push({ field, element: `${pe.type} #${pe.index}`, offset: at, length });

  const headerPe = pkg.elements[0];
  const header = headerPe.profileHeader!;
  add('iccid.header', headerPe, header.iccidField.at, 10);
  const efIccid = findFiles(pkg, 'mf', 'ef-iccid')[0];
  const efIccidContent = efIccid && wholeContent(efIccid.file);
  if (!efIccidContent || efIccidContent.value.length !== 10) {
    throw new SaipError('template: MF/EF.ICCID has no 10-byte content at offset 0 to personalise', 'iccid');
  }
  add('iccid.ef', efIccid.pe, efIccidContent.at, 10);

  const imsi = findFiles(pkg, 'usim', 'ef-imsi')[0];
  const imsiContent = imsi && wholeContent(imsi.file);
  if (imsiContent && imsiContent.value.length === 9) add('imsi', imsi.pe, imsiContent.at, 9);
  const acc = findFiles(pkg, 'usim', 'ef-acc')[0];
  const accContent = acc && wholeContent(acc.file);
  if (accContent && accContent.value.length === 2) add('acc', acc.pe, accContent.at, 2);

  for (const pe of pkg.elements) {
    if (pe.aka?.key && pe.aka.opc) {
      add('ki', pe, pe.aka.key.at, pe.aka.key.value.length);
      add('opc', pe, pe.aka.opc.at, pe.aka.opc.value.length);
    }
    for (const p of pe.pinCodes ?? []) {
      for (const [field, ref] of Object.entries(PIN_REFS)) if (p.keyReference === ref) add(field, pe, p.pinValue.at, p.pinValue.value.length);
    }
    for (const p of pe.pukCodes ?? []) {
      for (const [field, ref] of Object.entries(PUK_REFS)) if (p.keyReference === ref) add(field, pe, p.pukValue.at, p.pukValue.value.length);
    }
    for (const k of pe.securityDomain?.keys ?? []) {
      if (k.components.length === 1) add(`sdKey.${k.keyVersionNumber}.${k.keyIdentifier}`, pe, k.components[0].keyData.at, k.components[0].keyData.value.length);
    }
  }
  return new CompiledTemplate(Buffer.from(der), header.iccid, sites);
}

class CompiledTemplate implements PersonalisationTemplate {
  readonly size: number;
  readonly fields: readonly string[];
  private readonly byField = new Map<string, PatchSite[]>();
  private readonly iccidHeaderAt: number;
  private readonly iccidEfAt: number;

  constructor(
    private readonly template: Buffer,
    readonly iccid: string,
    readonly sites: readonly PatchSite[],
  ) {
    this.size = template.length;
    for (const s of sites) this.byField.set(s.field, [...(this.byField.get(s.field) ?? []), s]);
    this.fields = [...new Set(sites.map((s) => (s.field.startsWith('iccid.') ? 'iccid' : s.field)))];
    this.iccidHeaderAt = this.byField.get('iccid.header')![0].offset;
    this.iccidEfAt = this.byField.get('iccid.ef')![0].offset;
  }

  private need(field: string, what: string): PatchSite[] {
    const s = this.byField.get(field);
    if (!s) throw new SaipError(`the template has no ${what} to personalise`, field);
    return s;
  }

  personalise(data: PersonalisationData): Buffer {
    return this.personaliseInto(data, Buffer.allocUnsafe(this.size));
  }

  personaliseInto(d: PersonalisationData, out: Buffer): Buffer {
    if (out.length !== this.size) throw new SaipError(`output buffer must be ${this.size} bytes`);
    if (!d || typeof d.iccid !== 'string') throw new SaipError('ICCID is mandatory', 'iccid');
    let iccid = d.iccid;
    if (iccid.endsWith('F') || iccid.endsWith('f')) iccid = iccid.replace(/[Ff]+$/, '');
    digitsOnly(iccid, 18, 20, 'iccid', 'ICCID');
    // Check every input before writing anything.
    if (d.imsi !== undefined) digitsOnly(d.imsi, 6, 15, 'imsi', 'IMSI');
    if (d.pin1 !== undefined) digitsOnly(d.pin1, 4, 8, 'pin1', 'PIN1');
    if (d.pin2 !== undefined) digitsOnly(d.pin2, 4, 8, 'pin2', 'PIN2');
    if (d.puk1 !== undefined) digitsOnly(d.puk1, 8, 8, 'puk1', 'PUK1');
    if (d.puk2 !== undefined) digitsOnly(d.puk2, 8, 8, 'puk2', 'PUK2');
    const adm1 = d.adm1 !== undefined ? admBytes(d.adm1, 'adm1') : undefined;
    const adm2 = d.adm2 !== undefined ? admBytes(d.adm2, 'adm2') : undefined;
    const kiSites = d.ki !== undefined ? this.need('ki', 'akaParameter key (Ki)') : undefined;
    const ki = kiSites ? hexBytes(d.ki!, kiSites[0].length, 'ki', 'Ki') : undefined;
    const opcSites = d.opc !== undefined ? this.need('opc', 'akaParameter opc (OPc)') : undefined;
    const opc = opcSites ? hexBytes(d.opc!, opcSites[0].length, 'opc', 'OPc') : undefined;
    const acc = d.acc !== undefined ? hexBytes(d.acc, 2, 'acc', 'EF.ACC') : undefined;
    const sd = (d.securityDomainKeys ?? []).map((k) => {
      const field = `sdKey.${k.keyVersionNumber}.${k.keyIdentifier}`;
      const s = this.need(field, `securityDomain key version ${k.keyVersionNumber} identifier ${k.keyIdentifier}`);
      return { s, v: hexBytes(k.keyData, s[0].length, field, `security domain key ${k.keyVersionNumber}/${k.keyIdentifier}`) };
    });
    const imsiSites = d.imsi !== undefined ? this.need('imsi', 'USIM EF.IMSI content') : undefined;
    const accSites = d.imsi !== undefined || acc ? this.byField.get('acc') : undefined;
    if (acc && !accSites) this.need('acc', 'USIM EF.ACC content');
    const pinSites = (f: 'pin1' | 'pin2' | 'puk1' | 'puk2' | 'adm1' | 'adm2', v: unknown) =>
      v !== undefined ? this.need(f, `${f.toUpperCase()} (pinCodes/pukCodes)`) : undefined;
    const p1 = pinSites('pin1', d.pin1);
    const p2 = pinSites('pin2', d.pin2);
    const u1 = pinSites('puk1', d.puk1);
    const u2 = pinSites('puk2', d.puk2);
    const a1 = pinSites('adm1', adm1);
    const a2 = pinSites('adm2', adm2);
    for (const s of [...(kiSites ?? []), ...(opcSites ?? [])]) {
      if (s.length !== (s.field === 'ki' ? ki! : opc!).length) {
        throw new SaipError(`${s.element}: ${s.field} is ${s.length} bytes in the template; cannot write ${(s.field === 'ki' ? ki! : opc!).length}`, s.field);
      }
    }

    this.template.copy(out);
    writeIccidPlain(iccid, out, this.iccidHeaderAt);
    writeIccidSwapped(iccid, out, this.iccidEfAt);
    if (imsiSites) for (const s of imsiSites) writeImsi(d.imsi!, out, s.offset);
    if (accSites) {
      for (const s of accSites) {
        if (acc) acc.copy(out, s.offset);
        else {
          const v = 1 << (d.imsi!.charCodeAt(d.imsi!.length - 1) - 48); // TS 22.011 §4.2: class = last IMSI digit
          out[s.offset] = v >> 8;
          out[s.offset + 1] = v & 0xff;
        }
      }
    }
    if (kiSites) for (const s of kiSites) ki!.copy(out, s.offset);
    if (opcSites) for (const s of opcSites) opc!.copy(out, s.offset);
    const putPin = (sites: PatchSite[] | undefined, v: string | Buffer | undefined) => {
      if (!sites) return;
      for (const s of sites) {
        if (Buffer.isBuffer(v)) v.copy(out, s.offset);
        else writePin(v!, out, s.offset);
      }
    };
    putPin(p1, d.pin1);
    putPin(p2, d.pin2);
    putPin(u1, d.puk1);
    putPin(u2, d.puk2);
    putPin(a1, adm1);
    putPin(a2, adm2);
    for (const { s, v } of sd) for (const site of s) v.copy(out, site.offset);
    return out;
  }
}

/**
 * Streams a batch: each row of `rows` becomes one package handed to `sink` (awaited, so a slow sink applies
 * back-pressure and memory stays flat). A bad row stops the batch with a SaipError naming its line, unless
 * `onError` returns normally (then the row is skipped).
 */
export async function personaliseBatch<R extends PersonalisationData & { line?: number }>(
  template: PersonalisationTemplate,
  rows: AsyncIterable<R> | Iterable<R>,
  sink: (der: Buffer, row: R) => void | Promise<void>,
  onError?: (err: SaipError, row: R) => void,
): Promise<{ count: number; skipped: number }> {
  let count = 0;
  let skipped = 0;
  for await (const row of rows) {
    let der: Buffer;
    try {
      der = template.personalise(row);
    } catch (e) {
      if (!(e instanceof SaipError)) throw e;
      const err = new SaipError(`${row.line !== undefined ? `line ${row.line}: ` : ''}${e.message}`, e.field);
      if (!onError) throw err;
      onError(err, row);
      skipped++;
      continue;
    }
    const r = sink(der, row);
    if (r) await r;
    count++;
  }
  return { count, skipped };
}
