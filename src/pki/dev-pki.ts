/**
 * Development PKI: two independent RSP hierarchies (NIST P-256 "nist", brainpoolP256r1 "brp"), each
 *   CERT.CI.ECDSA → CERT.EUM.ECDSA → CERT.EUICC.ECDSA (test eUICCs)
 *   CERT.CI.ECDSA → CERT.DPauth.ECDSA, CERT.DPpb.ECDSA
 * plus CERT.DP.TLS under the NIST CI and an ordinary X.509 operator CA for ES2+ client certificates,
 * written in the certs/ layout of certs/README.md. Certificate profiles follow SGP.22 §4.5.2.1 and the
 * SGP.26 test certificates (digest §5.2). Never for production.
 *
 * Also: the per-role issuers (used by tests to build broken variants), EID check digits (SGP.29 / ITU-T
 * E.118, ISO 7064 mod 97-10) and the import of the GSMA SGP.26 test set.
 */
import { generateKeyPairSync, KeyObject, randomInt } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyUsageFlags } from '@peculiar/asn1-x509';
import { buildCertificate, Ext, keyIdentifierFor, NameSpec, subjectNameOf } from './cert-builder';
import {
  id_kp_clientAuth,
  id_kp_serverAuth,
  id_rspRole_ci,
  id_rspRole_dp_auth_v2,
  id_rspRole_dp_pb_v2,
  id_rspRole_dp_tls_v2,
  id_rspRole_euicc_v2,
  id_rspRole_eum_v2,
} from './oids';
import { loadPrivateKeyFile, privateKeyToPem } from './key-files';
import { derToPem, parseRspCertificate, RspCertificate, RspCurve } from './rsp-certificate';

export class DevPkiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DevPkiError';
  }
}

/** SGP.26 uses 2.999.10 for its test SM-DP+; the development PKI does the same by default. */
export const DEFAULT_SMDP_OID = '2.999.10';
export const DEV_CI_OID = '2.999.1';
export const DEV_EUM_OID = '2.999.5';

export type HierarchyName = 'nist' | 'brp';
export const CURVE_OF: Readonly<Record<HierarchyName, RspCurve>> = { nist: 'prime256v1', brp: 'brainpoolP256r1' };
/** EID prefixes (IIN-style, like SGP.26's 89049032) the development EUMs may issue. */
export const DEV_EID_PREFIX: Readonly<Record<HierarchyName, string>> = { nist: '89999001', brp: '89999002' };

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

// ------------------------------------------------------------------------------------------------
// EID check digits
// ------------------------------------------------------------------------------------------------

/**
 * The two check digits of an EID (SGP.29 §2.2 / ITU-T E.118, ISO/IEC 7064 mod 97-10): for the first 30
 * digits D, the check value is 98 − ((D·100) mod 97), so that the whole 32-digit number mod 97 = 1.
 */
export function eidCheckDigits(first30: string): string {
  if (!/^\d{30}$/.test(first30)) throw new DevPkiError(`EID body must be 30 digits, got '${first30}'`);
  const r = (BigInt(first30) * 100n) % 97n;
  return String(98n - r).padStart(2, '0');
}

/** True for 32 decimal digits whose value mod 97 is 1. */
export function isValidEid(eid: string): boolean {
  return /^\d{32}$/.test(eid) && BigInt(eid) % 97n === 1n;
}

/** A valid EID: `prefix` ‖ zero-padded `body` to 30 digits ‖ check digits. */
export function makeEid(prefix: string, body: string | number): string {
  const b = String(body);
  if (!/^\d+$/.test(prefix) || !/^\d+$/.test(b) || prefix.length + b.length > 30) {
    throw new DevPkiError(`cannot build an EID from prefix '${prefix}' and body '${b}'`);
  }
  const first30 = prefix + b.padStart(30 - prefix.length, '0');
  return first30 + eidCheckDigits(first30);
}

// ------------------------------------------------------------------------------------------------
// Issuers per role (SGP.22 §4.5.2.1; profiles of digest §5.2)
// ------------------------------------------------------------------------------------------------

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A certificate with its private key. */
export interface Issued {
  cert: RspCertificate;
  privateKey: KeyObject;
}

export function generateKeyPair(curve: RspCurve): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: curve });
}

/** Deviations from the profile, for tests that need broken certificates. */
export interface IssueOverrides {
  notBefore?: Date;
  notAfter?: Date;
  /** Key pair of the new certificate (else a fresh one on the issuer's curve, or `curve`). */
  keyPair?: KeyPair;
  /** Curve of a fresh key pair (to build a chain with mixed curves). */
  curve?: RspCurve;
  policies?: string[];
  /** KeyUsageFlags bits. */
  keyUsage?: number;
  /** Sign with this key instead of the issuer's (→ bad signature). */
  signingKey?: KeyObject;
  authorityKeyIdentifier?: Buffer;
  subject?: NameSpec;
  serialNumber?: Buffer;
}

interface IssuerRef {
  cert: RspCertificate;
  privateKey: KeyObject;
}

function issue(
  issuer: IssuerRef | undefined,
  o: IssueOverrides,
  base: { subject: NameSpec; notBefore: Date; notAfter: Date; curve: RspCurve; extensions: (ski: Buffer, aki: Buffer | undefined) => ReturnType<typeof Ext.keyUsage>[] },
): Issued {
  const kp = o.keyPair ?? generateKeyPair(o.curve ?? base.curve);
  const ski = keyIdentifierFor(kp.publicKey);
  const aki = o.authorityKeyIdentifier ?? issuer?.cert.subjectKeyIdentifier;
  const subject = o.subject ?? base.subject;
  const der = buildCertificate({
    subject,
    issuer: issuer ? subjectNameOf(issuer.cert) : subject,
    serialNumber: o.serialNumber,
    notBefore: o.notBefore ?? base.notBefore,
    notAfter: o.notAfter ?? base.notAfter,
    publicKey: kp.publicKey,
    signingKey: o.signingKey ?? issuer?.privateKey ?? kp.privateKey,
    extensions: base.extensions(ski, aki),
  });
  return { cert: parseRspCertificate(der), privateKey: kp.privateKey };
}

/** CERT.CI.ECDSA: self-signed, policy CI, keyUsage keyCertSign+cRLSign, CA, SAN RID (SGP.22 §4.5.2.1.0.1). */
export function issueCi(curve: RspCurve, opts: { now: Date; name?: string; rid?: string } & IssueOverrides): Issued {
  return issue(undefined, opts, {
    subject: opts.subject ?? [['C', 'XX'], ['O', 'open-smdpp'], ['OU', 'DEVELOPMENT'], ['CN', opts.name ?? `Dev CI ${curve}`]],
    notBefore: new Date(opts.now.getTime() - HOUR),
    notAfter: new Date(opts.now.getTime() + 30 * YEAR),
    curve,
    extensions: (ski) => [
      Ext.subjectKeyIdentifier(ski),
      Ext.basicConstraints(true),
      Ext.certificatePolicies(opts.policies ?? [id_rspRole_ci]),
      Ext.keyUsage(opts.keyUsage ?? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign),
      Ext.subjectAltName({ registeredIds: [opts.rid ?? DEV_CI_OID] }),
    ],
  });
}

/**
 * CERT.EUM.ECDSA (variant O): policy EUM, keyUsage keyCertSign, CA pathLen 0, nameConstraints permitting
 * the EID prefixes (SGP.22 §4.5.2.1.0.2). `permittedEinsExtension` adds the v3 permittedEins extension instead.
 */
export function issueEum(
  ci: IssuerRef,
  opts: { now: Date; eidPrefixes: string[]; organization?: string; permittedEinsExtension?: boolean } & IssueOverrides,
): Issued {
  const org = opts.organization ?? 'open-smdpp Dev EUM';
  return issue(ci, opts, {
    subject: [['C', 'XX'], ['O', org], ['CN', `Dev EUM ${ci.cert.curve}`]],
    notBefore: new Date(opts.now.getTime() - HOUR),
    notAfter: new Date(opts.now.getTime() + 25 * YEAR),
    curve: ci.cert.curve,
    extensions: (ski, aki) => [
      ...(aki ? [Ext.authorityKeyIdentifier(aki)] : []),
      Ext.subjectKeyIdentifier(ski),
      Ext.keyUsage(opts.keyUsage ?? KeyUsageFlags.keyCertSign),
      Ext.certificatePolicies(opts.policies ?? [id_rspRole_eum_v2]),
      Ext.subjectAltName({ registeredIds: [DEV_EUM_OID] }),
      Ext.basicConstraints(true, 0),
      opts.permittedEinsExtension ? Ext.permittedEins(opts.eidPrefixes) : Ext.eidNameConstraints(org, opts.eidPrefixes),
    ],
  });
}

/**
 * CERT.EUICC.ECDSA: subject C, O, serialNumber = EID, CN; policy eUICC; keyUsage digitalSignature
 * (SGP.22 §4.5.2.1.0.2). `eid: null` omits the serialNumber (a broken variant).
 */
export function issueEuicc(eum: IssuerRef, opts: { now: Date; eid: string | null } & IssueOverrides): Issued {
  const subject: NameSpec = [['C', 'XX'], ['O', eum.cert.subject.organizationName ?? 'open-smdpp Dev EUM']];
  if (opts.eid !== null) subject.push(['serialNumber', opts.eid]);
  subject.push(['CN', 'Dev eUICC']);
  return issue(eum, opts, {
    subject,
    notBefore: new Date(opts.now.getTime() - HOUR),
    notAfter: new Date(opts.now.getTime() + 25 * YEAR),
    curve: eum.cert.curve,
    extensions: (ski, aki) => [
      ...(aki ? [Ext.authorityKeyIdentifier(aki)] : []),
      Ext.subjectKeyIdentifier(ski),
      Ext.keyUsage(opts.keyUsage ?? KeyUsageFlags.digitalSignature),
      Ext.certificatePolicies(opts.policies ?? [id_rspRole_euicc_v2]),
    ],
  });
}

/** CERT.DPauth.ECDSA / CERT.DPpb.ECDSA: policy DPauth/DPpb, digitalSignature, SAN RID = SM-DP+ OID (§4.5.2.1.0.3). */
export function issueDpCertificate(
  ci: IssuerRef,
  role: 'dpAuth' | 'dpPb',
  opts: { now: Date; smdpOid: string; organization?: string } & IssueOverrides,
): Issued {
  return issue(ci, opts, {
    subject: [['O', opts.organization ?? 'open-smdpp'], ['CN', role === 'dpAuth' ? 'Dev SM-DP+ auth' : 'Dev SM-DP+ pb']],
    notBefore: new Date(opts.now.getTime() - HOUR),
    notAfter: new Date(opts.now.getTime() + 5 * YEAR),
    curve: ci.cert.curve,
    extensions: (ski, aki) => [
      ...(aki ? [Ext.authorityKeyIdentifier(aki)] : []),
      Ext.subjectKeyIdentifier(ski),
      Ext.subjectAltName({ registeredIds: [opts.smdpOid] }),
      Ext.keyUsage(opts.keyUsage ?? KeyUsageFlags.digitalSignature),
      Ext.certificatePolicies(opts.policies ?? [role === 'dpAuth' ? id_rspRole_dp_auth_v2 : id_rspRole_dp_pb_v2]),
    ],
  });
}

/** Host part of an SM-DP+ address (`host[:port]`). */
export function hostOf(smdpAddress: string): string {
  return smdpAddress.trim().replace(/:\d+$/, '').toLowerCase();
}

/**
 * CERT.DP.TLS (SGP.22 §4.5.2.1.0.3, SGP.26): keyUsage digitalSignature, EKU serverAuth+clientAuth,
 * policy DP TLS (non-critical), SAN DNS = SM-DP+ host + localhost, IP 127.0.0.1, RID = SM-DP+ OID.
 * Validity 397 days (TLS clients refuse longer server certificates).
 */
export function issueDpTls(ci: IssuerRef, opts: { now: Date; smdpAddress: string; smdpOid: string } & IssueOverrides): Issued {
  const host = hostOf(opts.smdpAddress);
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  const dnsNames = [...new Set([...(isIp ? [] : [host]), 'localhost'])];
  const ipAddresses = [...new Set([...(isIp ? [host] : []), '127.0.0.1'])];
  return issue(ci, opts, {
    subject: [['O', 'open-smdpp'], ['CN', host]],
    notBefore: new Date(opts.now.getTime() - HOUR),
    notAfter: new Date(opts.now.getTime() + 397 * DAY),
    curve: ci.cert.curve,
    extensions: (ski, aki) => [
      ...(aki ? [Ext.authorityKeyIdentifier(aki)] : []),
      Ext.subjectKeyIdentifier(ski),
      Ext.keyUsage(opts.keyUsage ?? KeyUsageFlags.digitalSignature),
      Ext.extendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth]),
      Ext.certificatePolicies(opts.policies ?? [id_rspRole_dp_tls_v2], false),
      Ext.subjectAltName({ dnsNames, ipAddresses, registeredIds: [opts.smdpOid] }),
    ],
  });
}

/** The operator CA: an ordinary X.509 CA (not part of the RSP PKI) for ES2+ mutual-TLS client certificates. */
export function issueOperatorCa(opts: { now: Date } & IssueOverrides): Issued {
  return issue(undefined, opts, {
    subject: [['C', 'XX'], ['O', 'open-smdpp'], ['CN', 'open-smdpp Operator CA (development)']],
    notBefore: new Date(opts.now.getTime() - HOUR),
    notAfter: new Date(opts.now.getTime() + 10 * YEAR),
    curve: 'prime256v1',
    extensions: (ski) => [
      Ext.subjectKeyIdentifier(ski),
      Ext.basicConstraints(true),
      Ext.keyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign),
    ],
  });
}

/** An operator's ES2+ TLS client certificate (CN = O = operator name, EKU clientAuth). */
export function issueOperatorClient(ca: IssuerRef, operatorName: string, opts: { now: Date } & IssueOverrides): Issued {
  return issue(ca, opts, {
    subject: [['O', operatorName], ['CN', operatorName]],
    notBefore: new Date(opts.now.getTime() - HOUR),
    notAfter: new Date(opts.now.getTime() + 2 * YEAR),
    curve: 'prime256v1',
    extensions: (ski, aki) => [
      ...(aki ? [Ext.authorityKeyIdentifier(aki)] : []),
      Ext.subjectKeyIdentifier(ski),
      Ext.basicConstraints(false, undefined, false),
      Ext.keyUsage(KeyUsageFlags.digitalSignature),
      Ext.extendedKeyUsage([id_kp_clientAuth], false),
    ],
  });
}

// ------------------------------------------------------------------------------------------------
// Whole hierarchies
// ------------------------------------------------------------------------------------------------

export interface DevEuicc extends Issued {
  name: string;
  eid: string;
}

export interface DevHierarchy {
  name: HierarchyName;
  curve: RspCurve;
  ci: Issued;
  eum: Issued;
  dpauth: Issued;
  dppb: Issued;
  euiccs: DevEuicc[];
}

export interface HierarchyOptions {
  now: Date;
  smdpOid?: string;
  eidPrefix?: string;
  euiccCount?: number;
}

/** CI, EUM, DPauth, DPpb and `euiccCount` (default 3) eUICCs with EIDs `<prefix>…<n><check digits>`. */
export function createDevHierarchy(name: HierarchyName, opts: HierarchyOptions): DevHierarchy {
  const curve = CURVE_OF[name];
  const now = opts.now;
  const smdpOid = opts.smdpOid ?? DEFAULT_SMDP_OID;
  const prefix = opts.eidPrefix ?? DEV_EID_PREFIX[name];
  const ci = issueCi(curve, { now, name: `open-smdpp Dev CI (${name})` });
  const eum = issueEum(ci, { now, eidPrefixes: [prefix] });
  const euiccs: DevEuicc[] = [];
  for (let n = 1; n <= (opts.euiccCount ?? 3); n++) {
    const eid = makeEid(prefix, n);
    euiccs.push({ name: `${name}-${n}`, eid, ...issueEuicc(eum, { now, eid }) });
  }
  return {
    name,
    curve,
    ci,
    eum,
    dpauth: issueDpCertificate(ci, 'dpAuth', { now, smdpOid }),
    dppb: issueDpCertificate(ci, 'dpPb', { now, smdpOid }),
    euiccs,
  };
}

// ------------------------------------------------------------------------------------------------
// Broken variants (tests of validateEuiccChain and of ES9+ AuthenticateClient)
// ------------------------------------------------------------------------------------------------

export interface BrokenChain {
  euiccCertificate: Buffer;
  eumCertificate: Buffer;
  /** The RspError code validateEuiccChain must raise, e.g. '8.1.2/6.3'. */
  expectedCode: string;
}

export type BrokenVariant =
  | 'unknownCi'
  | 'eumBadSignature'
  | 'eumExpired'
  | 'eumNotYetValid'
  | 'eumWrongPolicy'
  | 'eumNotCa'
  | 'eumCurveMismatch'
  | 'euiccWrongIssuer'
  | 'euiccBadSignature'
  | 'euiccExpired'
  | 'euiccNotYetValid'
  | 'euiccEidOutOfRange'
  | 'euiccWrongPolicy'
  | 'euiccNoSerialNumber'
  | 'euiccBadEidFormat'
  | 'euiccCurveMismatch';

/**
 * One broken chain per variant, built on `base` (whose CI is trusted). `other` is an independent hierarchy
 * on the other curve whose CI is also trusted (used for the mixed-curve variants). Validate with
 * trustedCis = [base.ci.cert, other.ci.cert].
 */
export function makeBrokenEuiccChains(base: DevHierarchy, other: DevHierarchy, now: Date): Record<BrokenVariant, BrokenChain> {
  const prefix = base.eum.cert.permittedEidPrefixes[0];
  const eid = makeEid(prefix, 999);
  const past = { notBefore: new Date(now.getTime() - 3 * YEAR), notAfter: new Date(now.getTime() - DAY) };
  const future = { notBefore: new Date(now.getTime() + DAY), notAfter: new Date(now.getTime() + 3 * YEAR) };
  const okEuicc = (eum: Issued) => issueEuicc(eum, { now, eid }).cert.der;
  const eumVariant = (o: IssueOverrides & { ci?: Issued }, code: string): BrokenChain => {
    const eum = issueEum(o.ci ?? base.ci, { now, eidPrefixes: [prefix], ...o });
    return { eumCertificate: eum.cert.der, euiccCertificate: okEuicc(eum), expectedCode: code };
  };
  const euiccVariant = (o: IssueOverrides & { eid?: string | null }, code: string): BrokenChain => ({
    eumCertificate: base.eum.cert.der,
    euiccCertificate: issueEuicc(base.eum, { now, eid, ...o }).cert.der,
    expectedCode: code,
  });
  const rogueCi = issueCi(base.curve, { now, name: 'Rogue CI' });
  const strangerKey = generateKeyPair(base.curve).privateKey;
  const otherCurve = other.curve;
  return {
    unknownCi: eumVariant({ ci: rogueCi }, '8.11.1/3.9'),
    eumBadSignature: eumVariant({ signingKey: strangerKey }, '8.1.2/6.1'),
    eumExpired: eumVariant(past, '8.1.2/6.3'),
    eumNotYetValid: eumVariant(future, '8.1.2/6.3'),
    eumWrongPolicy: eumVariant({ policies: [id_rspRole_euicc_v2] }, '8.1.2/6.1'),
    eumNotCa: eumVariant({ keyUsage: KeyUsageFlags.digitalSignature }, '8.1.2/6.1'),
    // An EUM on `base`'s curve signed by the other hierarchy's CI.
    eumCurveMismatch: eumVariant({ ci: other.ci, curve: base.curve }, '8.1.2/6.1'),
    euiccWrongIssuer: {
      eumCertificate: base.eum.cert.der,
      euiccCertificate: issueEuicc(other.eum, { now, eid, keyPair: generateKeyPair(other.curve) }).cert.der,
      expectedCode: '8.1.3/6.1',
    },
    euiccBadSignature: euiccVariant({ signingKey: strangerKey }, '8.1.3/6.1'),
    euiccExpired: euiccVariant(past, '8.1.3/6.3'),
    euiccNotYetValid: euiccVariant(future, '8.1.3/6.3'),
    euiccEidOutOfRange: euiccVariant({ eid: makeEid('89000000', 1) }, '8.1.3/6.1'),
    euiccWrongPolicy: euiccVariant({ policies: [id_rspRole_eum_v2] }, '8.1.3/6.1'),
    euiccNoSerialNumber: euiccVariant({ eid: null }, '8.1.3/6.1'),
    euiccBadEidFormat: euiccVariant({ eid: `${prefix}ABC` }, '8.1.3/6.1'),
    euiccCurveMismatch: euiccVariant({ curve: otherCurve }, '8.1.3/6.1'),
  };
}

// ------------------------------------------------------------------------------------------------
// certs/ folder
// ------------------------------------------------------------------------------------------------

const KEY_MATERIAL_DIRS = ['ci', 'dp', 'tls', 'operators', 'euicc', 'private'];

const keyPem = privateKeyToPem;

function writeCert(file: string, cert: RspCertificate): void {
  writeFileSync(file, derToPem(cert.der));
}

function writeKey(file: string, key: KeyObject): void {
  writeFileSync(file, keyPem(key), { mode: 0o600 });
}

function mkdirs(...dirs: string[]): void {
  for (const d of dirs) mkdirSync(d, { recursive: true });
}

/** True when `certsDir` already holds key material (anything in the layout's folders). */
export function hasKeyMaterial(certsDir: string): boolean {
  return KEY_MATERIAL_DIRS.some((d) => {
    const p = join(certsDir, d);
    return existsSync(p) && readdirSync(p).length > 0;
  });
}

function writeEuiccIdentity(certsDir: string, euicc: DevEuicc | (Issued & { name: string }), eum: RspCertificate, ci: RspCertificate): string {
  const dir = join(certsDir, 'euicc', euicc.name);
  mkdirs(dir);
  writeCert(join(dir, 'euicc.pem'), euicc.cert);
  writeKey(join(dir, 'euicc.key.pem'), euicc.privateKey);
  writeCert(join(dir, 'eum.pem'), eum);
  writeCert(join(dir, 'ci.pem'), ci);
  return dir;
}

export interface InitOptions {
  /** SM-DP+ address (FQDN[:port]) for CERT.DP.TLS. */
  smdpAddress: string;
  /** SM-DP+ OID (SAN registeredID of DPauth/DPpb/TLS), default 2.999.10. */
  smdpOid?: string;
  now?: Date;
  /** Replace existing key material (removes the layout's folders first). */
  force?: boolean;
  euiccPerCurve?: number;
}

/**
 * Generates the development PKI into `certsDir` (layout: certs/README.md). Refuses — returns false and
 * changes nothing — when key material exists already, unless `force`.
 */
export async function initDevelopmentPki(certsDir: string, opts: InitOptions): Promise<boolean> {
  if (hasKeyMaterial(certsDir)) {
    if (!opts.force) return false;
    for (const d of KEY_MATERIAL_DIRS) rmSync(join(certsDir, d), { recursive: true, force: true });
  }
  const now = opts.now ?? new Date();
  const smdpOid = opts.smdpOid ?? DEFAULT_SMDP_OID;
  if (!/^\d+(\.\d+)+$/.test(smdpOid)) throw new DevPkiError(`SM-DP+ OID '${smdpOid}' is not a dotted OID`);
  const p = (...parts: string[]) => join(certsDir, ...parts);
  mkdirs(p('ci'), p('private'), p('tls'), p('operators'), p('euicc'));

  let nistCi: Issued | undefined;
  for (const name of ['nist', 'brp'] as const) {
    const h = createDevHierarchy(name, { now, smdpOid, euiccCount: opts.euiccPerCurve });
    if (name === 'nist') nistCi = h.ci;
    writeCert(p('ci', `${name}.pem`), h.ci.cert);
    writeKey(p('private', `ci-${name}.key.pem`), h.ci.privateKey);
    writeCert(p('private', `eum-${name}.pem`), h.eum.cert);
    writeKey(p('private', `eum-${name}.key.pem`), h.eum.privateKey);
    mkdirs(p('dp', name));
    writeCert(p('dp', name, 'dpauth.pem'), h.dpauth.cert);
    writeKey(p('dp', name, 'dpauth.key.pem'), h.dpauth.privateKey);
    writeCert(p('dp', name, 'dppb.pem'), h.dppb.cert);
    writeKey(p('dp', name, 'dppb.key.pem'), h.dppb.privateKey);
    for (const e of h.euiccs) writeEuiccIdentity(certsDir, e, h.eum.cert, h.ci.cert);
  }

  const tls = issueDpTls(nistCi!, { now, smdpAddress: opts.smdpAddress, smdpOid });
  writeCert(p('tls', 'server.pem'), tls.cert);
  writeKey(p('tls', 'server.key.pem'), tls.privateKey);
  writeFileSync(p('tls', 'chain.pem'), derToPem(nistCi!.cert.der));

  const opCa = issueOperatorCa({ now });
  writeCert(p('operators', 'ca.pem'), opCa.cert);
  writeKey(p('operators', 'ca.key.pem'), opCa.privateKey);
  return true;
}

function readIssuer(certFile: string, keyFile: string): IssuerRef {
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    throw new DevPkiError(`${certFile} / ${keyFile} missing: run 'npm run pki -- init' first`);
  }
  return { cert: parseRspCertificate(readFileSync(certFile), certFile), privateKey: loadPrivateKeyFile(keyFile) };
}

/** Issues an ES2+ client certificate for `operatorName` from certs/operators/ca.{pem,key.pem}. */
export function issueOperatorCertificate(certsDir: string, operatorName: string, now = new Date()): { certPem: string; keyPem: string } {
  if (!operatorName.trim()) throw new DevPkiError('operator name is empty');
  const ca = readIssuer(join(certsDir, 'operators', 'ca.pem'), join(certsDir, 'operators', 'ca.key.pem'));
  const issued = issueOperatorClient(ca, operatorName, { now });
  return { certPem: derToPem(issued.cert.der), keyPem: keyPem(issued.privateKey) };
}

/**
 * Mints another test eUICC identity under the development EUM of hierarchy `curve` into
 * certs/euicc/<name>/. Without `eid`, a random valid EID inside the EUM's range.
 */
export function mintEuiccIdentity(
  certsDir: string,
  name: string,
  curve: HierarchyName,
  opts: { eid?: string; now?: Date } = {},
): { dir: string; eid: string } {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new DevPkiError(`eUICC name '${name}' must be [A-Za-z0-9._-]+`);
  const dir = join(certsDir, 'euicc', name);
  if (existsSync(dir)) throw new DevPkiError(`${dir} exists already`);
  const eum = readIssuer(join(certsDir, 'private', `eum-${curve}.pem`), join(certsDir, 'private', `eum-${curve}.key.pem`));
  const ci = parseRspCertificate(readFileSync(join(certsDir, 'ci', `${curve}.pem`)));
  const prefix = eum.cert.permittedEidPrefixes[0];
  let eid = opts.eid;
  if (eid === undefined) {
    let body = '';
    while (body.length < 30 - prefix.length) body += String(randomInt(10));
    eid = makeEid(prefix, body);
  }
  if (!isValidEid(eid)) throw new DevPkiError(`EID ${eid} is not 32 digits with valid check digits`);
  if (!eum.cert.permittedEidPrefixes.some((p) => eid!.startsWith(p))) {
    throw new DevPkiError(`EID ${eid} is outside the EUM's range [${eum.cert.permittedEidPrefixes.join(', ')}]`);
  }
  const euicc = issueEuicc(eum, { now: opts.now ?? new Date(), eid });
  writeEuiccIdentity(certsDir, { name, ...euicc }, eum.cert, ci);
  return { dir, eid };
}

/**
 * Copies the GSMA SGP.26 test set (folder structure of test/fixtures/sgp26) into `certsDir`:
 * ci/sgp26-{nist,brp}.der, dp/sgp26-{nist,brp}/{dpauth,dppb}.{der,key.pem}, euicc/sgp26/.
 * Its TLS certificates are not copied (they expire yearly).
 */
export function importSgp26(sourceDir: string, certsDir: string): void {
  const src = (...p: string[]) => join(sourceDir, ...p);
  const dst = (...p: string[]) => join(certsDir, ...p);
  mkdirs(dst('ci'), dst('euicc', 'sgp26'));
  for (const [set, suffix] of [['sgp26-nist', 'NIST'], ['sgp26-brp', 'BRP']] as const) {
    copyFileSync(src('ci', `CERT_CI_ECDSA_${suffix}.der`), dst('ci', `${set}.der`));
    mkdirs(dst('dp', set));
    copyFileSync(src('dpauth', `CERT_S_SM_DPauth_ECDSA_${suffix}.der`), dst('dp', set, 'dpauth.der'));
    copyFileSync(src('dpauth', `SK_S_SM_DPauth_ECDSA_${suffix}.pem`), dst('dp', set, 'dpauth.key.pem'));
    copyFileSync(src('dppb', `CERT_S_SM_DPpb_ECDSA_${suffix}.der`), dst('dp', set, 'dppb.der'));
    copyFileSync(src('dppb', `SK_S_SM_DPpb_ECDSA_${suffix}.pem`), dst('dp', set, 'dppb.key.pem'));
  }
  copyFileSync(src('euicc', 'CERT_EUICC_ECDSA_NIST.der'), dst('euicc', 'sgp26', 'euicc.der'));
  copyFileSync(src('euicc', 'SK_EUICC_ECDSA_NIST.pem'), dst('euicc', 'sgp26', 'euicc.key.pem'));
  copyFileSync(src('eum', 'CERT_EUM_ECDSA_NIST.der'), dst('euicc', 'sgp26', 'eum.der'));
  copyFileSync(src('ci', 'CERT_CI_ECDSA_NIST.der'), dst('euicc', 'sgp26', 'ci.der'));
}
