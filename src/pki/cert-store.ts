/**
 * Loads the SM-DP+ key material from the certs/ folder (layout: certs/README.md):
 * trusted CIs, one CERT.DPauth/CERT.DPpb credential set per CI, CERT.DP.TLS, the operator CA, and
 * test eUICC identities. Certificates are DER or PEM; keys PEM (PKCS#8 or SEC1, EC PARAMETERS tolerated).
 *
 * Private keys are returned in `privateKeys` keyed by the key-operation port's ids (`dp/<set>/dpauth`,
 * `dp/<set>/dppb`) and are meant for the software key-operation adapter only.
 */
import type { KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RspError } from '../common/rsp-error';
import { loadPrivateKeyFile, privateKeyToPem } from './key-files';
import { hasRolePolicy, RspRole } from './oids';
import { CertificateError, derToPem, isSignedBy, parseRspCertificate, pemToDerList, RspCertificate, RspCurve } from './rsp-certificate';
import { normalizeCiPkId } from './validation';

export class CertStoreError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'CertStoreError';
  }
}

export interface DpSet {
  /** Folder name under dp/ (e.g. `nist`, `sgp26-brp`). */
  name: string;
  curve: RspCurve;
  ci: RspCertificate;
  /** CERT.DPauth.ECDSA */
  dpauth: RspCertificate;
  /** CERT.DPpb.ECDSA */
  dppb: RspCertificate;
  /** SM-DP+ OID: SAN registeredID of CERT.DPauth (= CERT.DPpb), SGP.22 §4.5.2.1.0.3. */
  smdpOid: string;
  /** Key ids for the key-operation port. */
  dpauthKeyId: string;
  dppbKeyId: string;
}

export interface TlsMaterial {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
  chainPem?: string;
  cert: RspCertificate;
}

export interface CertStore {
  dir: string;
  cis: RspCertificate[];
  dpSets: DpSet[];
  tls?: TlsMaterial;
  operatorCa?: RspCertificate;
  /** SM-DP+ OID: SAN registeredID of every CERT.DPauth / CERT.DPpb (SGP.22 §4.5.2.1.0.3). */
  smdpOid: string;
  privateKeys: Map<string, KeyObject>;
}

/** `<base>.der` or `<base>.pem`, whichever exists (DER first), or undefined. */
function certFile(dir: string, base: string): string | undefined {
  for (const ext of ['.der', '.pem', '.crt']) {
    const f = join(dir, base + ext);
    if (existsSync(f)) return f;
  }
  return undefined;
}

function readCert(file: string, root: string): RspCertificate {
  const shown = relative(root, file) || file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new CertStoreError(`cannot read: ${(e as Error).message}`, shown);
  }
  try {
    return parseRspCertificate(bytes);
  } catch (e) {
    throw new CertStoreError((e as CertificateError).message, shown);
  }
}

function readKey(file: string, root: string): KeyObject {
  const shown = relative(root, file) || file;
  if (!existsSync(file)) throw new CertStoreError('private key file is missing', shown);
  try {
    return loadPrivateKeyFile(file);
  } catch (e) {
    throw new CertStoreError((e as Error).message.replace(`${file}: `, ''), shown);
  }
}

function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory())
    .sort();
}

function hex(b: Buffer | undefined): string {
  return b ? b.toString('hex').toUpperCase() : '(none)';
}

/** Checks one DPauth/DPpb certificate of a set against its CI and its key. */
function checkDpCert(cert: RspCertificate, key: KeyObject, role: RspRole, ci: RspCertificate, shown: string): void {
  if (!hasRolePolicy(cert.certificatePolicies, role)) {
    throw new CertStoreError(`certificatePolicies [${cert.certificatePolicies.join(', ')}] lack the ${role} policy`, shown);
  }
  if (!isSignedBy(cert, ci.publicKey)) throw new CertStoreError('signature does not verify with its CI', shown);
  if (cert.curve !== ci.curve) throw new CertStoreError(`curve ${cert.curve} differs from its CI's ${ci.curve}`, shown);
  if (!cert.smdpOid) throw new CertStoreError('no subjectAltName registeredID (SM-DP+ OID)', shown);
  if (!cert.x509.checkPrivateKey(key)) throw new CertStoreError('private key does not match the certificate', shown);
}

/**
 * Reads the certs/ folder. Throws CertStoreError naming the bad file on any inconsistency (unparsable file,
 * key not matching its certificate, DP certificate not issued by a CI in ci/, SM-DP+ OIDs that disagree).
 */
export function loadCertStore(certsDir: string): CertStore {
  if (!existsSync(certsDir)) throw new CertStoreError(`certs folder ${certsDir} does not exist (run 'npm run pki -- init')`);
  const root = certsDir;

  const cis: RspCertificate[] = [];
  const ciDir = join(root, 'ci');
  if (existsSync(ciDir)) {
    for (const f of readdirSync(ciDir).filter((n) => /\.(der|pem|crt)$/.test(n)).sort()) {
      const file = join(ciDir, f);
      const ci = readCert(file, root);
      if (!ci.subjectKeyIdentifier) throw new CertStoreError('CI certificate has no subjectKeyIdentifier', relative(root, file));
      if (!cis.some((c) => c.fingerprint === ci.fingerprint)) cis.push(ci);
    }
  }

  const privateKeys = new Map<string, KeyObject>();
  const dpSets: DpSet[] = [];
  let smdpOid: string | undefined;
  let smdpOidFrom = '';
  for (const name of subdirs(join(root, 'dp'))) {
    const dir = join(root, 'dp', name);
    const certs: Record<'dpauth' | 'dppb', RspCertificate> = {} as never;
    for (const [base, role] of [['dpauth', 'dpAuth'], ['dppb', 'dpPb']] as const) {
      const file = certFile(dir, base);
      if (!file) throw new CertStoreError(`dp/${name}/${base}.der or .pem is missing`);
      const shown = relative(root, file);
      const cert = readCert(file, root);
      const ci = cis.find((c) => cert.authorityKeyIdentifier && c.subjectKeyIdentifier?.equals(cert.authorityKeyIdentifier));
      if (!ci) throw new CertStoreError(`issued by CI ${hex(cert.authorityKeyIdentifier)}, which is not in ci/`, shown);
      const key = readKey(join(dir, `${base}.key.pem`), root);
      checkDpCert(cert, key, role, ci, shown);
      if (smdpOid === undefined) {
        smdpOid = cert.smdpOid;
        smdpOidFrom = shown;
      } else if (smdpOid !== cert.smdpOid) {
        throw new CertStoreError(`SM-DP+ OID ${cert.smdpOid} differs from ${smdpOid} in ${smdpOidFrom}`, shown);
      }
      certs[base] = cert;
      privateKeys.set(`dp/${name}/${base}`, key);
    }
    if (!certs.dpauth.authorityKeyIdentifier!.equals(certs.dppb.authorityKeyIdentifier!)) {
      throw new CertStoreError('dpauth and dppb are issued by different CIs', `dp/${name}`);
    }
    const ci = cis.find((c) => c.subjectKeyIdentifier!.equals(certs.dpauth.authorityKeyIdentifier!))!;
    dpSets.push({
      name,
      curve: ci.curve,
      ci,
      dpauth: certs.dpauth,
      dppb: certs.dppb,
      smdpOid: certs.dpauth.smdpOid!,
      dpauthKeyId: `dp/${name}/dpauth`,
      dppbKeyId: `dp/${name}/dppb`,
    });
  }
  if (smdpOid === undefined) throw new CertStoreError(`no SM-DP+ credential set in ${join(root, 'dp')} (run 'npm run pki -- init')`);

  let tls: TlsMaterial | undefined;
  const tlsDir = join(root, 'tls');
  const tlsFile = certFile(tlsDir, 'server');
  if (tlsFile) {
    const cert = readCert(tlsFile, root);
    const key = readKey(join(tlsDir, 'server.key.pem'), root);
    if (!cert.x509.checkPrivateKey(key)) {
      throw new CertStoreError('private key does not match the certificate', relative(root, tlsFile));
    }
    const chainFile = join(tlsDir, 'chain.pem');
    let chainPem: string | undefined;
    if (existsSync(chainFile)) {
      const text = readFileSync(chainFile, 'latin1');
      if (pemToDerList(text).length === 0) throw new CertStoreError('holds no PEM certificate', relative(root, chainFile));
      chainPem = text;
    }
    tls = { certPem: derToPem(cert.der), keyPem: privateKeyToPem(key), chainPem, cert };
  }

  const opFile = certFile(join(root, 'operators'), 'ca');
  const operatorCa = opFile ? readCert(opFile, root) : undefined;

  return { dir: root, cis, dpSets, tls, operatorCa, smdpOid, privateKeys };
}

// ------------------------------------------------------------------------------------------------
// Choosing the credential set for an eUICC — SGP.22 §5.6.1 (digest §2.1 checks 4–5)
// ------------------------------------------------------------------------------------------------

export interface DpSetChoice {
  dpSet: DpSet;
  /** euiccCiPKIdToBeUsed: the CI (raw 20-byte SKI) used to verify the eUICC's chain. */
  ciPkId: Buffer;
  /** The CI certificate identified by ciPkId. */
  euiccCi: RspCertificate;
}

/**
 * Check 4: a CI from `euiccCiPKIdListForSigning` that this SM-DP+ trusts (to verify the eUICC's chain)
 * → else 8.8.2/3.1. Check 5: a CERT.DPauth whose CI is in `euiccCiPKIdListForVerification` → else 8.8.4/3.7.
 * Prefers a credential set under the same CI as the one chosen for the eUICC; keeps the eUICC's order.
 * PKIds may be raw SKIs or DER `04 14 …`.
 */
export function chooseDpSet(store: CertStore, ciPkIdsForVerification: Buffer[], ciPkIdsForSigning: Buffer[]): DpSetChoice {
  const signing = ciPkIdsForSigning.map(normalizeCiPkId);
  const verification = ciPkIdsForVerification.map(normalizeCiPkId);
  const usable = signing
    .map((id) => store.cis.find((c) => c.subjectKeyIdentifier?.equals(id)))
    .filter((c): c is RspCertificate => c !== undefined);
  if (usable.length === 0) {
    throw new RspError('8.8.2', '3.1', 'None of the proposed Public Key Identifiers is supported by the SM-DP+');
  }
  const servable = store.dpSets.filter((s) => verification.some((id) => s.ci.subjectKeyIdentifier!.equals(id)));
  if (servable.length === 0) {
    throw new RspError('8.8.4', '3.7', 'The SM-DP+ has no CERT.DPauth.ECDSA signed by one of the CI public keys supported by the eUICC');
  }
  for (const ci of usable) {
    const same = servable.find((s) => s.ci.fingerprint === ci.fingerprint);
    if (same) return { dpSet: same, ciPkId: ci.subjectKeyIdentifier!, euiccCi: ci };
  }
  return { dpSet: servable[0], ciPkId: usable[0].subjectKeyIdentifier!, euiccCi: usable[0] };
}

// ------------------------------------------------------------------------------------------------
// Test eUICC identities — certs/euicc/<name>/
// ------------------------------------------------------------------------------------------------

export interface EuiccIdentity {
  name: string;
  eid: string;
  curve: RspCurve;
  euicc: RspCertificate;
  eum: RspCertificate;
  /** The CI the identity was minted under, when the folder carries ci.{der,pem}. */
  ci?: RspCertificate;
  /** SK.EUICC.ECDSA */
  privateKey: KeyObject;
}

/** Names of the identities under certs/euicc/. */
export function listEuiccIdentities(certsDir: string): string[] {
  return subdirs(join(certsDir, 'euicc'));
}

/** Loads certs/euicc/<name>/ (euicc.{der,pem}, euicc.key.pem, eum.{der,pem}, [ci.{der,pem}]). */
export function loadEuiccIdentity(certsDir: string, name: string): EuiccIdentity {
  const dir = join(certsDir, 'euicc', name);
  if (!existsSync(dir)) throw new CertStoreError(`no eUICC identity '${name}' in ${join(certsDir, 'euicc')}`);
  const need = (base: string) => {
    const f = certFile(dir, base);
    if (!f) throw new CertStoreError(`euicc/${name}/${base}.der or .pem is missing`);
    return readCert(f, certsDir);
  };
  const euicc = need('euicc');
  const eum = need('eum');
  const ciFile = certFile(dir, 'ci');
  const privateKey = readKey(join(dir, 'euicc.key.pem'), certsDir);
  if (!euicc.x509.checkPrivateKey(privateKey)) {
    throw new CertStoreError('private key does not match the certificate', `euicc/${name}/euicc.key.pem`);
  }
  const eid = euicc.subject.serialNumber;
  if (!eid) throw new CertStoreError('certificate subject has no serialNumber (EID)', `euicc/${name}/euicc`);
  return { name, eid, curve: euicc.curve, euicc, eum, ci: ciFile ? readCert(ciFile, certsDir) : undefined, privateKey };
}
