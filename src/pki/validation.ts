/**
 * SGP.22 certificate-chain validation.
 *
 * - `validateEuiccChain`: what the SM-DP+ does with CERT.EUM.ECDSA and CERT.EUICC.ECDSA in
 *   ES9+.AuthenticateClient (SGP.22 §5.6.3, §4.5.2.1; digest §2.2 checks 3–5 and 7, §5.2 rules).
 * - `validateServerChainForEuicc`: what an eUICC does with CERT.DPauth.ECDSA / CERT.DPpb.ECDSA in
 *   ES10b.AuthenticateServer / PrepareDownload (SGP.22 §5.7.13, §5.7.3) — used by the test eUICC.
 *
 * CERT.EUM.ECDSA is shared by every eUICC of an EUM production line (and CERT.DPauth/DPpb.ECDSA by every
 * download the test eUICC makes), so its parse and its signature check by a given CI are kept in a small
 * bounded cache keyed by the exact DER; the validity dates and every other
 * rule are still checked on each call. CERT.EUICC.ECDSA (one per device) is never cached: it gets a light
 * parse (`parseEuiccCertificateFields`) with the full parser as the fallback for anything unusual.
 */
import type { KeyObject } from 'node:crypto';
import { RspError } from '../common/rsp-error';
import { hasRolePolicy, RspRole } from './oids';
import { CertificateError, isSignedBy, parseRspCertificate, RspCertificate, RspCurve } from './rsp-certificate';
import { EuiccCertificateFields, parseEuiccCertificateFields } from './euicc-certificate';

export interface EuiccChainInput {
  /** CERT.EUICC.ECDSA (DER/PEM, or already parsed). */
  euiccCertificate: Buffer | RspCertificate;
  /** CERT.EUM.ECDSA (DER/PEM, or already parsed). */
  eumCertificate: Buffer | RspCertificate;
  /** The CI certificates this SM-DP+ trusts. */
  trustedCis: readonly RspCertificate[];
  /**
   * euiccCiPKIdToBeUsed chosen in InitiateAuthentication (raw 20-byte SKI, or the DER `04 14 …`).
   * When given, the EUM must be issued by exactly that CI (digest §2.2 check 3).
   */
  ciPkIdToBeUsed?: Buffer;
  now: Date;
}

export interface ValidatedEuiccChain {
  /** EID = CERT.EUICC subject serialNumber (SGP.22 §4.5.2.1.0.2). */
  eid: string;
  euiccPublicKey: KeyObject;
  curve: RspCurve;
  ci: RspCertificate;
  eum: RspCertificate;
  /** CERT.EUICC.ECDSA fully parsed (on first access: validation itself only needs the light parse). */
  euicc: RspCertificate;
  /** SubjectPublicKeyInfo of PK.EUICC.ECDSA as DER. */
  euiccPublicKeySpki: Buffer;
}

/**
 * Parsed certificates by exact DER (bounded; oldest dropped first), with the CIs each was verified against.
 * Used for the certificates shared by many downloads: CERT.EUM.ECDSA on the server, CERT.DPauth/DPpb.ECDSA in
 * the test eUICC. A parse error is not cached (it is thrown again, mapped by the caller).
 */
const CERT_CACHE_SIZE = 256;
interface CachedCertificate {
  cert: RspCertificate;
  signedBy: Map<RspCertificate, boolean>;
}
const certCache = new Map<string, CachedCertificate>();

function cachedCertificate(input: Buffer | RspCertificate, parse: (der: Buffer) => RspCertificate): CachedCertificate {
  if (!Buffer.isBuffer(input)) return { cert: input, signedBy: new Map() };
  const key = input.toString('base64');
  const hit = certCache.get(key);
  if (hit) return hit;
  const entry = { cert: parse(input), signedBy: new Map<RspCertificate, boolean>() };
  if (certCache.size >= CERT_CACHE_SIZE) certCache.delete(certCache.keys().next().value!);
  certCache.set(key, entry);
  return entry;
}

/** `isSignedBy`, remembered per cached certificate and CI. */
function signedByCached(entry: CachedCertificate, ci: RspCertificate): boolean {
  let ok = entry.signedBy.get(ci);
  if (ok === undefined) {
    ok = isSignedBy(entry.cert, ci.publicKey);
    entry.signedBy.set(ci, ok);
  }
  return ok;
}

/** Forgets the cached certificates (tests). */
export function clearCertificateCache(): void {
  certCache.clear();
}

type EuiccCert = RspCertificate | EuiccCertificateFields;

function euiccCert(input: Buffer | RspCertificate): EuiccCert {
  if (!Buffer.isBuffer(input)) return input;
  return parseEuiccCertificateFields(input) ?? asCert(input, '8.1.3', 'CERT.EUICC.ECDSA');
}

/** Normalises a CI PKId: accepts the raw SKI or the DER OCTET STRING `04 14 ‖ SKI`. */
export function normalizeCiPkId(id: Buffer): Buffer {
  if (id.length === 22 && id[0] === 0x04 && id[1] === 0x14) return id.subarray(2);
  return id;
}

function asCert(input: Buffer | RspCertificate, subject: string, what: string): RspCertificate {
  if (!Buffer.isBuffer(input)) return input;
  try {
    return parseRspCertificate(input);
  } catch (e) {
    throw new RspError(subject, '6.1', `${what} cannot be decoded: ${(e as CertificateError).message}`);
  }
}

function withinValidity(cert: Pick<RspCertificate, 'notBefore' | 'notAfter'>, now: Date): 'ok' | 'expired' | 'notYetValid' {
  const t = now.getTime();
  if (t < cert.notBefore.getTime()) return 'notYetValid';
  if (t > cert.notAfter.getTime()) return 'expired';
  return 'ok';
}

const EID_PATTERN = /^\d{32}$/;

/**
 * Validates the eUICC's certificate chain CI → EUM → eUICC and returns the EID and PK.EUICC.ECDSA.
 *
 * Error codes (SGP.22 §5.6.3, digest §2.2):
 * - EUM AKI is not the expected / a trusted CI                → 8.11.1/3.9 Unknown CI Public Key
 * - CERT.EUM invalid                                          → 8.1.2/6.1;  expired / not yet valid → 8.1.2/6.3
 * - CERT.EUICC invalid (incl. EID outside the EUM's range)    → 8.1.3/6.1;  expired / not yet valid → 8.1.3/6.3
 */
export function validateEuiccChain(input: EuiccChainInput): ValidatedEuiccChain {
  const eumEntry = cachedCertificate(input.eumCertificate, (der) => asCert(der, '8.1.2', 'CERT.EUM.ECDSA'));
  const eum = eumEntry.cert;
  const euicc = euiccCert(input.euiccCertificate);

  // Check 3 — SGP.22 §5.6.3: "verify that the EUM Certificate is issued by the CI indicated by
  // euiccCiPKIdToBeUsed" (authorityKeyIdentifier of CERT.EUM = SKI of a trusted CERT.CI).
  const aki = eum.authorityKeyIdentifier;
  if (!aki) throw new RspError('8.11.1', '3.9', 'Unknown CI Public Key: CERT.EUM.ECDSA has no authorityKeyIdentifier');
  if (input.ciPkIdToBeUsed && !normalizeCiPkId(input.ciPkIdToBeUsed).equals(aki)) {
    throw new RspError(
      '8.11.1',
      '3.9',
      `Unknown CI Public Key: CERT.EUM.ECDSA is issued by CI ${hex(aki)}, not by euiccCiPKIdToBeUsed ${hex(normalizeCiPkId(input.ciPkIdToBeUsed))}`,
    );
  }
  const ci = input.trustedCis.find((c) => c.subjectKeyIdentifier?.equals(aki));
  if (!ci) throw new RspError('8.11.1', '3.9', `Unknown CI Public Key: no trusted CI with SKI ${hex(aki)}`);

  // Check 4 — CERT.EUM.ECDSA (SGP.22 §4.5.2.1.0.2).
  const eumInvalid = (why: string) => new RspError('8.1.2', '6.1', `CERT.EUM.ECDSA is invalid: ${why}`);
  if (eum.curve !== ci.curve) throw eumInvalid(`curve ${eum.curve} differs from the CI's ${ci.curve}`);
  if (!signedByCached(eumEntry, ci)) throw eumInvalid('signature does not verify with PK.CI.ECDSA (ecdsa-with-SHA256)');
  if (!eum.keyUsage?.keyCertSign) throw eumInvalid('keyUsage keyCertSign is missing');
  if (!hasRolePolicy(eum.certificatePolicies, 'eum')) {
    throw eumInvalid(`certificatePolicies [${eum.certificatePolicies.join(', ')}] lack the EUM policy`);
  }
  if (!eum.basicConstraints?.ca) throw eumInvalid('basicConstraints CA:TRUE is missing');
  if ((eum.basicConstraints.pathLenConstraint ?? 0) !== 0) throw eumInvalid('basicConstraints pathLenConstraint must be 0');
  if (!eum.subjectKeyIdentifier) throw eumInvalid('subjectKeyIdentifier is missing');
  if (eum.permittedEidPrefixes.length === 0) throw eumInvalid('no permitted EID range (nameConstraints / permittedEins)');
  const eumValidity = withinValidity(eum, input.now);
  if (eumValidity !== 'ok') {
    throw new RspError('8.1.2', '6.3', `CERT.EUM.ECDSA ${eumValidity === 'expired' ? 'has expired' : 'is not yet valid'}`);
  }

  // Check 5 — CERT.EUICC.ECDSA (SGP.22 §4.5.2.1.0.2).
  const euiccInvalid = (why: string) => new RspError('8.1.3', '6.1', `CERT.EUICC.ECDSA is invalid: ${why}`);
  if (!euicc.authorityKeyIdentifier?.equals(eum.subjectKeyIdentifier)) {
    throw euiccInvalid('authorityKeyIdentifier does not match the EUM subjectKeyIdentifier');
  }
  if (euicc.curve !== eum.curve) throw euiccInvalid(`curve ${euicc.curve} differs from the EUM's ${eum.curve}`);
  if (!isSignedBy(euicc, eum.publicKey)) throw euiccInvalid('signature does not verify with PK.EUM.ECDSA (ecdsa-with-SHA256)');
  if (!euicc.keyUsage?.digitalSignature) throw euiccInvalid('keyUsage digitalSignature is missing');
  if (!hasRolePolicy(euicc.certificatePolicies, 'euicc')) {
    throw euiccInvalid(`certificatePolicies [${euicc.certificatePolicies.join(', ')}] lack the eUICC policy`);
  }
  const eid = euicc.subject.serialNumber;
  if (eid === undefined) throw euiccInvalid('subject serialNumber (EID) is missing');
  if (!EID_PATTERN.test(eid)) throw euiccInvalid(`subject serialNumber '${eid}' is not a 32-digit EID`);
  // Check 7 — SGP.22 §4.5.2.1.0.2: the EID shall be within the range the EUM is permitted to issue.
  if (!eum.permittedEidPrefixes.some((p) => eid.startsWith(p))) {
    throw euiccInvalid(`EID ${eid} is outside the EUM's permitted EID range [${eum.permittedEidPrefixes.join(', ')}]`);
  }
  const euiccValidity = withinValidity(euicc, input.now);
  if (euiccValidity !== 'ok') {
    throw new RspError('8.1.3', '6.3', `CERT.EUICC.ECDSA ${euiccValidity === 'expired' ? 'has expired' : 'is not yet valid'}`);
  }

  let full: RspCertificate | undefined = 'x509' in euicc ? euicc : undefined;
  const euiccDer = euicc.der;
  return {
    eid,
    euiccPublicKey: euicc.publicKey,
    curve: euicc.curve,
    ci,
    eum,
    get euicc(): RspCertificate {
      return (full ??= parseRspCertificate(euiccDer));
    },
    euiccPublicKeySpki: 'spki' in euicc ? euicc.spki : euicc.publicKey.export({ format: 'der', type: 'spki' }),
  };
}

// ------------------------------------------------------------------------------------------------
// eUICC side: CERT.DPauth.ECDSA / CERT.DPpb.ECDSA
// ------------------------------------------------------------------------------------------------

/**
 * Why an eUICC refuses a server certificate. Maps onto AuthenticateErrorCode / DownloadErrorCode
 * (SGP.22 §5.7.13 / §5.7.3): invalidCertificate(1), unsupportedCurve(3), ciPKUnknown(7).
 */
export type ServerCertificateFailure = 'invalidCertificate' | 'unsupportedCurve' | 'ciPKUnknown';

export const SERVER_CERTIFICATE_ERROR_CODES: Readonly<Record<ServerCertificateFailure, number>> = {
  invalidCertificate: 1,
  unsupportedCurve: 3,
  ciPKUnknown: 7,
};

export class ServerCertificateError extends Error {
  constructor(
    readonly reason: ServerCertificateFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ServerCertificateError';
  }

  /** The AuthenticateErrorCode / DownloadErrorCode value. */
  get errorCode(): number {
    return SERVER_CERTIFICATE_ERROR_CODES[this.reason];
  }
}

export interface ServerChainInput {
  certificate: Buffer | RspCertificate;
  role: 'dpAuth' | 'dpPb';
  trustedCis: readonly RspCertificate[];
  /** When given, the certificate must be issued by this CI (euiccCiPKIdToBeUsed, raw or `04 14 …`). */
  ciPkId?: Buffer;
  now: Date;
}

export interface ValidatedServerChain {
  /** SM-DP+ OID = SAN registeredID (SGP.22 §4.5.2.1.0.3). */
  smdpOid: string;
  publicKey: KeyObject;
  curve: RspCurve;
  ci: RspCertificate;
  certificate: RspCertificate;
}

const ROLE_NAME: Record<ServerChainInput['role'], string> = { dpAuth: 'CERT.DPauth.ECDSA', dpPb: 'CERT.DPpb.ECDSA' };

/**
 * The eUICC's check of CERT.DPauth.ECDSA (ES10b.AuthenticateServer, SGP.22 §5.7.13) or CERT.DPpb.ECDSA
 * (ES10b.PrepareDownload, §5.7.3): issued and signed by a trusted CI, same curve, role policy, keyUsage
 * digitalSignature, within validity, SAN registeredID present. Returns the SM-DP+ OID.
 */
export function validateServerChainForEuicc(input: ServerChainInput): ValidatedServerChain {
  const name = ROLE_NAME[input.role];
  const entry = cachedCertificate(input.certificate, (der) => {
    try {
      return parseRspCertificate(der);
    } catch (e) {
      const reason = /unsupported curve/.test((e as Error).message) ? 'unsupportedCurve' : 'invalidCertificate';
      throw new ServerCertificateError(reason, `${name} cannot be decoded: ${(e as Error).message}`);
    }
  });
  const cert = entry.cert;
  const invalid = (why: string) => new ServerCertificateError('invalidCertificate', `${name} is invalid: ${why}`);
  const aki = cert.authorityKeyIdentifier;
  if (!aki) throw invalid('authorityKeyIdentifier is missing');
  if (input.ciPkId && !normalizeCiPkId(input.ciPkId).equals(aki)) {
    throw new ServerCertificateError('ciPKUnknown', `${name} is not issued by the CI ${hex(normalizeCiPkId(input.ciPkId))}`);
  }
  const ci = input.trustedCis.find((c) => c.subjectKeyIdentifier?.equals(aki));
  if (!ci) throw new ServerCertificateError('ciPKUnknown', `${name} is issued by unknown CI ${hex(aki)}`);
  if (cert.curve !== ci.curve) {
    throw new ServerCertificateError('unsupportedCurve', `${name} is on ${cert.curve}, its CI on ${ci.curve}`);
  }
  if (!signedByCached(entry, ci)) throw invalid('signature does not verify with PK.CI.ECDSA');
  const role: RspRole = input.role;
  if (!hasRolePolicy(cert.certificatePolicies, role)) {
    throw invalid(`certificatePolicies [${cert.certificatePolicies.join(', ')}] lack the ${input.role} policy`);
  }
  if (!cert.keyUsage?.digitalSignature) throw invalid('keyUsage digitalSignature is missing');
  const smdpOid = cert.smdpOid;
  if (!smdpOid) throw invalid('subjectAltName registeredID (SM-DP+ OID) is missing');
  const validity = withinValidity(cert, input.now);
  if (validity !== 'ok') throw invalid(validity === 'expired' ? 'expired' : 'not yet valid');
  return { smdpOid, publicKey: cert.publicKey, curve: cert.curve, ci, certificate: cert };
}

function hex(b: Buffer): string {
  return b.toString('hex').toUpperCase();
}
