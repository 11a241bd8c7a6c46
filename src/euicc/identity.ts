/**
 * Where a test eUICC comes from and where its state lives (the CLI and the benchmark use this; the TestEuicc
 * itself stays pure).
 *
 * Identity: certs/euicc/<name>/ as the dev PKI writes it (euicc.{der,pem}, euicc.key.pem, eum.{der,pem},
 * [ci.{der,pem}]) — or any folder holding a GSMA SGP.26-style set (CERT_EUICC_*.der, SK_EUICC_*.pem,
 * CERT_EUM_*.der, [CERT_CI_*.der]). Trusted CIs: every certificate in certs/ci/ (or a given folder), plus the
 * identity's own ci file.
 * State: JSON in DATA_DIR/euicc/<name>.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { listEuiccIdentities } from '../pki/cert-store';
import { loadPrivateKeyFile } from '../pki/key-files';
import { certificateDer, parseRspCertificate, pemToDerList } from '../pki/rsp-certificate';
import { emptyEuiccState, EuiccIdentity, EuiccState } from './euicc';

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdentityError';
  }
}

export interface LoadedIdentity {
  /** Name used for the state file (folder name). */
  name: string;
  dir: string;
  identity: EuiccIdentity;
}

function pick(dir: string, patterns: RegExp[]): string | undefined {
  const files = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile());
  for (const re of patterns) {
    const f = files.find((x) => re.test(x));
    if (f) return join(dir, f);
  }
  return undefined;
}

/** Every certificate of a folder (DER or PEM, PEM bundles included). */
export function readCertificatesIn(dir: string): Buffer[] {
  if (!existsSync(dir)) return [];
  const out: Buffer[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!/\.(der|pem|crt|cer)$/i.test(f) || /key/i.test(f)) continue;
    const bytes = readFileSync(join(dir, f));
    const text = bytes.subarray(0, 64).toString('latin1');
    out.push(...(text.includes('-----BEGIN') ? pemToDerList(bytes.toString('latin1')) : [bytes]));
  }
  return out;
}

export interface LoadIdentityOptions {
  /** certs/ folder (default ./certs). */
  certsDir?: string;
  /** Folder of trusted CI certificates (default <certsDir>/ci). */
  ciDir?: string;
  svn?: string;
}

/**
 * `nameOrPath`: a name under <certsDir>/euicc/ or a folder path; undefined = the first NIST identity of the dev
 * PKI (names `nist-<n>`), else the first identity found.
 */
export function loadIdentity(nameOrPath: string | undefined, opts: LoadIdentityOptions = {}): LoadedIdentity {
  const certsDir = resolve(opts.certsDir ?? 'certs');
  let dir: string;
  if (nameOrPath && (nameOrPath.includes('/') || nameOrPath.includes('\\')) && existsSync(nameOrPath)) {
    dir = resolve(nameOrPath);
  } else {
    let name = nameOrPath;
    if (!name) {
      const all = listEuiccIdentities(certsDir);
      name = all.find((n) => /^nist/i.test(n)) ?? all[0];
      if (!name) throw new IdentityError(`no eUICC identity in ${join(certsDir, 'euicc')} (run: npm run pki -- init)`);
    }
    dir = join(certsDir, 'euicc', name);
  }
  if (!existsSync(dir)) throw new IdentityError(`no eUICC identity folder ${dir}`);

  const euiccFile = pick(dir, [/^euicc\.(der|pem|crt)$/i, /^CERT_EUICC.*\.(der|pem)$/i]);
  const eumFile = pick(dir, [/^eum\.(der|pem|crt)$/i, /^CERT_EUM.*\.(der|pem)$/i]);
  const keyFile = pick(dir, [/^euicc\.key\.pem$/i, /^SK_EUICC.*\.pem$/i]);
  const ciFile = pick(dir, [/^ci\.(der|pem|crt)$/i, /^CERT_CI.*\.(der|pem)$/i]);
  if (!euiccFile || !eumFile || !keyFile) {
    throw new IdentityError(`${dir} must hold the eUICC certificate, its key and the EUM certificate (euicc.der|pem, euicc.key.pem, eum.der|pem)`);
  }
  const euiccCertificate = certificateDer(readFileSync(euiccFile));
  const eumCertificate = certificateDer(readFileSync(eumFile));
  const eid = parseRspCertificate(euiccCertificate).subject.serialNumber;
  if (!eid) throw new IdentityError(`${euiccFile}: subject has no serialNumber (EID)`);

  const trusted: Buffer[] = readCertificatesIn(opts.ciDir ?? join(certsDir, 'ci'));
  if (ciFile) trusted.push(certificateDer(readFileSync(ciFile)));
  const seen = new Set<string>();
  const trustedCis = trusted.filter((d) => {
    const k = d.toString('base64');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  if (trustedCis.length === 0) throw new IdentityError(`no trusted CI certificate (looked in ${opts.ciDir ?? join(certsDir, 'ci')} and ${dir})`);
  return {
    name: basename(dir),
    dir,
    identity: { eid, euiccCertificate, eumCertificate, privateKey: loadPrivateKeyFile(keyFile), trustedCis, svn: opts.svn },
  };
}

/** DATA_DIR/euicc/<name>.json */
export function statePath(dataDir: string, name: string): string {
  return join(resolve(dataDir), 'euicc', `${name}.json`);
}

export function loadState(file: string): EuiccState {
  if (!existsSync(file)) return emptyEuiccState();
  const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<EuiccState>;
  return { ...emptyEuiccState(), ...s };
}

/** Writes atomically (temp file + rename). */
export function saveState(file: string, state: EuiccState): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, file);
}
