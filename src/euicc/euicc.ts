/**
 * A software eUICC (ISD-R side of SGP.22 ES10b/ES10c) for tests, the CLI and the benchmark.
 *
 * It does the chip's side for real: verifies CERT.DPauth / CERT.DPpb against its trusted CIs and the server
 * signatures over the bytes received, signs with its own SK.EUICC, runs ECKA + the X9.63 KDF with its EID,
 * checks the MAC of and decrypts every BSP segment, compares the StoreMetadata with what it was shown,
 * installs the profile (reads the UPP header, refuses an ICCID it already holds) and signs every notification.
 *
 * Pure: no I/O. Randomness, the one-time key generator and the clock are injectable; the persistent part
 * (installed profiles, notification counter, pending notifications) is a JSON-serialisable `EuiccState`.
 */
import { createHash, KeyObject, randomBytes } from 'node:crypto';
import { readAll, readOne } from '../asn1/tlv';
import { hashCc } from '../crypto/cc';
import { EcCurveName, signatureDo, signRaw, TAG_SIGNATURE, verifyRaw } from '../crypto/ecdsa';
import { ecka, generateOneTimeKeyPair, OneTimeKeyPair } from '../crypto/ecka';
import { deriveSessionKeys, eidToBytes } from '../crypto/kdf';
import { BppError, openBoundProfilePackage } from '../rsp/es8plus';
import { parseRspCertificate, RspCertificate } from '../pki/rsp-certificate';
import { ServerCertificateError, validateServerChainForEuicc } from '../pki/validation';
import {
  AuthenticateErrorCode,
  BppCommandId,
  CancelSessionReason,
  CtxParams,
  decodeServerSigned1,
  decodeSmdpSigned2,
  decodeStoreMetadata,
  DownloadErrorCode,
  encodeAuthenticateResponseError,
  encodeAuthenticateResponseOk,
  encodeCancelSessionError,
  encodeCancelSessionOk,
  encodeEuiccCancelSessionSigned,
  encodeEuiccInfo1,
  encodeEuiccInfo2,
  encodeEuiccSigned1,
  encodeEuiccSigned2,
  encodeNotificationMetadata,
  encodeOtherSignedNotification,
  encodePir,
  encodePirData,
  encodePrepareDownloadError,
  encodePrepareDownloadOk,
  ErrorReason,
  EUICCInfo2,
  FinalResult,
  NotificationConfiguration,
  NotificationEvent,
  readProfileHeader,
  StoreMetadata,
} from './codec';

export interface EuiccIdentity {
  /** 32 decimal digits; must equal the serialNumber of the eUICC certificate subject. */
  eid: string;
  /** CERT.EUICC.ECDSA, DER. */
  euiccCertificate: Buffer;
  /** CERT.EUM.ECDSA, DER. */
  eumCertificate: Buffer;
  /** SK.EUICC.ECDSA. */
  privateKey: KeyObject;
  /** CERT.CI.ECDSA of every CI the eUICC trusts (DER). Their SKIs form both PKId lists of EUICCInfo1. */
  trustedCis: Buffer[];
  /** SGP.22 version the eUICC claims (EUICCInfo1/2 svn), default "2.2.0". */
  svn?: string;
  /** Optional overrides of the EUICCInfo2 content. */
  euiccInfo2?: Partial<EUICCInfo2>;
}

export type ProfileClassName = 'test' | 'provisioning' | 'operational';
const PROFILE_CLASS: ProfileClassName[] = ['test', 'provisioning', 'operational'];

export interface InstalledProfile {
  iccid: string;
  isdpAid: string;
  profileName: string;
  serviceProviderName: string;
  profileClass: ProfileClassName;
  state: 'enabled' | 'disabled';
  /** SM-DP+ that installed it (serverAddress of the session). */
  smdpAddress: string;
  notificationConfigurationInfo: NotificationConfiguration[];
  profilePolicyRules?: number[];
  profileType?: string;
  /** SHA-256 of the decrypted UPP, lower-case hex. */
  uppSha256: string;
  uppLength: number;
}

export interface PendingNotificationRecord {
  seqNumber: number;
  event: NotificationEvent;
  notificationAddress: string;
  iccid?: string;
  /** DER PendingNotification: BF37 (PIR) or 30 (OtherSignedNotification), base64. */
  pendingNotification: string;
}

export interface EuiccState {
  profiles: InstalledProfile[];
  /** Next NotificationMetadata.seqNumber (per-eUICC counter, SGP.22 §5.7.20 / digest §6.3). */
  nextSeqNumber: number;
  notifications: PendingNotificationRecord[];
  /** Counter used to allocate ISD-P AIDs. */
  nextIsdp: number;
}

export function emptyEuiccState(): EuiccState {
  return { profiles: [], nextSeqNumber: 1, notifications: [], nextIsdp: 1 };
}

export interface EuiccOptions {
  random?: (n: number) => Buffer;
  now?: () => Date;
  generateOneTimeKeyPair?: (curve: EcCurveName) => OneTimeKeyPair;
}

/** A programming-level refusal outside the ES10 result codes (no session, malformed identity, …). */
export class EuiccError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** ES10c result code when the error is one (e.g. iccidOrAidNotFound(1)). */
    readonly resultCode?: number,
  ) {
    super(message);
    this.name = 'EuiccError';
  }
}

/** ES10c result codes (SGP.22 §5.7.17–5.7.19). */
export const ProfileOperationResult = {
  ok: 0,
  iccidOrAidNotFound: 1,
  profileNotInDisabledState: 2,
  profileNotInEnabledState: 2,
  disallowedByPolicy: 3,
  undefinedError: 127,
} as const;

export interface AuthenticateServerInput {
  /** DER ServerSigned1 (30 …) as received. */
  serverSigned1: Buffer;
  /** 5F37 40 r‖s as received. */
  serverSignature1: Buffer;
  /** DER SubjectKeyIdentifier (04 14 …) as received. */
  euiccCiPKIdToBeUsed: Buffer;
  /** CERT.DPauth.ECDSA, DER. */
  serverCertificate: Buffer;
  ctxParams: { matchingId?: string; tac?: Buffer; imei?: Buffer; deviceCapabilities?: Buffer };
}

export interface PrepareDownloadInput {
  smdpSigned2: Buffer;
  /** 5F37 40 r‖s as received. */
  smdpSignature2: Buffer;
  /** CERT.DPpb.ECDSA, DER. */
  smdpCertificate: Buffer;
  /** SHA-256(SHA-256(CC) ‖ transactionId), computed by the LPA (SGP.22 §3.1.3)… */
  hashCc?: Buffer;
  /** …or the Confirmation Code itself, hashed here. */
  confirmationCode?: string;
  /** profileMetadata (BF25) the LPA got from AuthenticateClient and showed the user; compared with the BPP. */
  profileMetadata?: Buffer;
}

export interface LoadResult {
  /** DER ProfileInstallationResult (BF37). */
  profileInstallationResult: Buffer;
  success: boolean;
  bppCommandId?: number;
  errorReason?: number;
  /** Human readable cause of a failure. */
  message?: string;
  iccid?: string;
  profileName?: string;
  seqNumber: number;
}

interface Session {
  euiccChallenge: Buffer;
  transactionId?: Buffer;
  serverAddress?: string;
  ci?: RspCertificate;
  dpAuth?: RspCertificate;
  euiccSignature1?: Buffer;
  dpPb?: RspCertificate;
  otk?: OneTimeKeyPair;
  profileMetadata?: Buffer;
}

const DEFAULT_TAC = Buffer.from('35290611', 'hex');

function hex(b: Buffer): string {
  return b.toString('hex');
}

class LoadFailure extends Error {
  constructor(
    readonly bppCommandId: number,
    readonly errorReason: number,
    message: string,
  ) {
    super(message);
  }
}

export class TestEuicc {
  readonly eid: string;
  readonly euiccCert: RspCertificate;
  readonly eumCert: RspCertificate;
  readonly trustedCis: RspCertificate[];
  readonly svn: string;
  private readonly privateKey: KeyObject;
  private readonly random: (n: number) => Buffer;
  private readonly now: () => Date;
  private readonly newOtk: (curve: EcCurveName) => OneTimeKeyPair;
  private session?: Session;
  /** otSK/otPK.EUICC kept after a PrepareDownload whose BPP was not installed, for a retry (SGP.22 §5.7.15). */
  private retainedOtk?: OneTimeKeyPair;
  private readonly upps = new Map<string, Buffer>();

  constructor(
    private readonly identity: EuiccIdentity,
    readonly state: EuiccState = emptyEuiccState(),
    options: EuiccOptions = {},
  ) {
    this.random = options.random ?? randomBytes;
    this.now = options.now ?? (() => new Date());
    this.newOtk = options.generateOneTimeKeyPair ?? generateOneTimeKeyPair;
    this.eid = identity.eid;
    this.euiccCert = parseRspCertificate(identity.euiccCertificate);
    this.eumCert = parseRspCertificate(identity.eumCertificate);
    this.trustedCis = identity.trustedCis.map((d) => parseRspCertificate(d));
    this.privateKey = identity.privateKey;
    this.svn = identity.svn ?? '2.2.0';
    if (this.trustedCis.length === 0) throw new EuiccError('identity', 'the eUICC trusts no CI');
    for (const ci of this.trustedCis) {
      if (!ci.subjectKeyIdentifier) throw new EuiccError('identity', 'a trusted CI certificate has no SubjectKeyIdentifier');
    }
    if (this.euiccCert.subject.serialNumber && this.euiccCert.subject.serialNumber !== identity.eid) {
      throw new EuiccError('identity', `EID ${identity.eid} differs from the eUICC certificate's ${this.euiccCert.subject.serialNumber}`);
    }
    // A key that does not match the certificate would make every signature fail at the server: refuse early.
    const probe = Buffer.from('probe');
    if (!verifyRaw(this.euiccCert.publicKey, probe, signRaw(this.privateKey, probe))) {
      throw new EuiccError('identity', 'the private key does not match the eUICC certificate');
    }
  }

  /* ------------------------------------------------ ES10b ---------------------------------------------------- */

  /** ES10b.GetEUICCChallenge (SGP.22 §5.7.7): 16 random bytes; opens a new session (the previous one is dropped). */
  getEuiccChallenge(): Buffer {
    const euiccChallenge = this.random(16);
    this.session = { euiccChallenge };
    return Buffer.from(euiccChallenge);
  }

  /** euiccCiPKIdListForVerification: every CI whose certificates the eUICC can verify. */
  private ciSkis(): Buffer[] {
    return this.trustedCis.map((c) => c.subjectKeyIdentifier!);
  }

  /**
   * euiccCiPKIdListForSigning: only the CIs the eUICC holds a certificate chain for — here the CI that issued its
   * EUM (SGP.22 §4.3): the SM-DP+ must validate CERT.EUICC up to the CI it picks from this list.
   */
  private signingCiSkis(): Buffer[] {
    const aki = this.eumCert.authorityKeyIdentifier;
    const own = this.trustedCis.filter((c) => aki && c.subjectKeyIdentifier?.equals(aki)).map((c) => c.subjectKeyIdentifier!);
    return own.length > 0 ? own : this.ciSkis();
  }

  /** ES10b.GetEUICCInfo (SGP.22 §5.7.8): EUICCInfo1 (BF20). */
  getEuiccInfo1(): Buffer {
    return encodeEuiccInfo1(this.svn, this.ciSkis(), this.signingCiSkis());
  }

  /** EUICCInfo2 (BF22). */
  getEuiccInfo2(): Buffer {
    const o = this.identity.euiccInfo2 ?? {};
    return encodeEuiccInfo2({
      profileVersion: '2.3.1',
      svn: this.svn,
      euiccFirmwareVer: '1.0.0',
      // ETSI TS 102 226: 81 number of installed applications, 82 free non-volatile memory, 83 free volatile memory
      extCardResource: Buffer.concat([
        Buffer.from([0x81, 0x01, Math.min(this.state.profiles.length, 255)]),
        Buffer.from('820400049c6883022223', 'hex'),
      ]),
      uiccCapability: ['usimSupport', 'isimSupport', 'csimSupport', 'akaMilenage', 'akaTuak128', 'gbaAuthenUsim', 'javacard'],
      ts102241Version: '9.2.0',
      globalplatformVersion: '2.3.0',
      rspCapability: ['additionalProfile', 'testProfileSupport'],
      euiccCiPKIdListForVerification: this.ciSkis(),
      euiccCiPKIdListForSigning: this.signingCiSkis(),
      euiccCategory: 2,
      ppVersion: '0.0.1',
      sasAcreditationNumber: 'OPEN-SMDPP-TEST-EUICC',
      ...o,
    });
  }

  /**
   * ES10b.AuthenticateServer (SGP.22 §5.7.13). Returns AuthenticateServerResponse (BF38): A0 with
   * euiccSigned1, euiccSignature1, CERT.EUICC, CERT.EUM — or A1 with the AuthenticateErrorCode.
   */
  authenticateServer(input: AuthenticateServerInput): Buffer {
    let signed1;
    try {
      signed1 = decodeServerSigned1(input.serverSigned1);
    } catch {
      return encodeAuthenticateResponseError(Buffer.from([0]), AuthenticateErrorCode.undefinedError);
    }
    const txId = signed1.transactionId;
    const fail = (code: number) => encodeAuthenticateResponseError(txId, code);
    const s = this.session;
    if (!s || s.transactionId) return fail(AuthenticateErrorCode.noSessionContext);

    // euiccCiPKIdToBeUsed must designate one of the CIs this eUICC trusts.
    let pkId: Buffer;
    try {
      pkId = readOne(input.euiccCiPKIdToBeUsed, 0x04, 'euiccCiPKIdToBeUsed').value;
    } catch {
      return fail(AuthenticateErrorCode.ciPKUnknown);
    }
    const ci = this.trustedCis.find((c) => c.subjectKeyIdentifier!.equals(pkId));
    if (!ci) return fail(AuthenticateErrorCode.ciPKUnknown);

    // CERT.DPauth.ECDSA verified with PK.CI.ECDSA identified by euiccCiPKIdToBeUsed: issuer, curve, signature,
    // DPauth policy, keyUsage, validity, SAN registeredID (SGP.22 §5.7.13).
    let dpAuth: RspCertificate;
    try {
      dpAuth = validateServerChainForEuicc({
        certificate: input.serverCertificate,
        role: 'dpAuth',
        trustedCis: [ci],
        ciPkId: pkId,
        now: this.now(),
      }).certificate;
    } catch (e) {
      if (e instanceof ServerCertificateError) return fail(e.errorCode);
      throw e;
    }

    // serverSignature1 over the DER of serverSigned1 as received.
    let sig: Buffer;
    try {
      sig = readOne(input.serverSignature1, TAG_SIGNATURE, 'serverSignature1').value;
    } catch {
      return fail(AuthenticateErrorCode.invalidSignature);
    }
    if (!verifyRaw(dpAuth.publicKey, signed1.raw, sig)) return fail(AuthenticateErrorCode.invalidSignature);
    if (!signed1.euiccChallenge.equals(s.euiccChallenge)) return fail(AuthenticateErrorCode.euiccChallengeMismatch);

    const ctx: CtxParams = {
      matchingId: input.ctxParams.matchingId,
      tac: input.ctxParams.tac ?? DEFAULT_TAC,
      imei: input.ctxParams.imei,
      deviceCapabilities: input.ctxParams.deviceCapabilities,
    };
    const euiccSigned1 = encodeEuiccSigned1(txId, signed1.serverAddress, signed1.serverChallenge, this.getEuiccInfo2(), ctx);
    const euiccSignature1 = signRaw(this.privateKey, euiccSigned1);
    Object.assign(s, { transactionId: txId, serverAddress: signed1.serverAddress, ci, dpAuth, euiccSignature1 });
    return encodeAuthenticateResponseOk(euiccSigned1, euiccSignature1, this.euiccCert.der, this.eumCert.der);
  }

  /**
   * ES10b.PrepareDownload (SGP.22 §5.7.15). Returns PrepareDownloadResponse (BF21): A0 with euiccSigned2
   * {transactionId, euiccOtpk, hashCc?} and euiccSignature2 over euiccSigned2 ‖ smdpSignature2 DO, or A1
   * with the DownloadErrorCode.
   */
  prepareDownload(input: PrepareDownloadInput): Buffer {
    let signed2;
    try {
      signed2 = decodeSmdpSigned2(input.smdpSigned2);
    } catch {
      return encodePrepareDownloadError(Buffer.from([0]), DownloadErrorCode.undefinedError);
    }
    const fail = (code: number) => encodePrepareDownloadError(signed2.transactionId, code);
    const s = this.session;
    if (!s || !s.transactionId || !s.dpAuth || !s.ci || !s.euiccSignature1) return fail(DownloadErrorCode.noSessionContext);
    if (!signed2.transactionId.equals(s.transactionId)) return fail(DownloadErrorCode.invalidTransactionId);

    // CERT.DPpb.ECDSA: same CI (hence curve) as CERT.DPauth, DPpb policy, validity, same SM-DP+ OID (SGP.22 §5.7.15).
    let dpPb: RspCertificate;
    try {
      dpPb = validateServerChainForEuicc({
        certificate: input.smdpCertificate,
        role: 'dpPb',
        trustedCis: [s.ci],
        ciPkId: s.ci.subjectKeyIdentifier!,
        now: this.now(),
      }).certificate;
    } catch (e) {
      if (e instanceof ServerCertificateError) return fail(e.errorCode);
      throw e;
    }
    if (dpPb.smdpOid !== s.dpAuth.smdpOid) return fail(DownloadErrorCode.invalidCertificate);

    // smdpSignature2 over smdpSigned2 ‖ euiccSignature1 DO (digest §2.0).
    let sig: Buffer;
    try {
      sig = readOne(input.smdpSignature2, TAG_SIGNATURE, 'smdpSignature2').value;
    } catch {
      return fail(DownloadErrorCode.invalidSignature);
    }
    const signedData = Buffer.concat([signed2.raw, signatureDo(s.euiccSignature1)]);
    if (!verifyRaw(dpPb.publicKey, signedData, sig)) return fail(DownloadErrorCode.invalidSignature);

    let hash: Buffer | undefined;
    if (signed2.ccRequiredFlag) {
      hash = input.hashCc ?? (input.confirmationCode !== undefined ? hashCc(input.confirmationCode, s.transactionId) : undefined);
      if (!hash) return fail(DownloadErrorCode.undefinedError);
    }

    // Re-use of the one-time key of an earlier binding (SGP.22 §5.7.15, bppEuiccOtpk) when the eUICC still holds it.
    let otk: OneTimeKeyPair;
    if (signed2.bppEuiccOtpk && this.retainedOtk && this.retainedOtk.publicKey.equals(signed2.bppEuiccOtpk)) {
      otk = this.retainedOtk;
    } else {
      otk = this.newOtk(dpPb.curve);
    }
    this.retainedOtk = otk;
    const euiccSigned2 = encodeEuiccSigned2(s.transactionId, otk.publicKey, hash);
    const euiccSignature2 = signRaw(this.privateKey, Buffer.concat([euiccSigned2, signatureDo(sig)]));
    Object.assign(s, { dpPb, otk, profileMetadata: input.profileMetadata });
    return encodePrepareDownloadOk(euiccSigned2, euiccSignature2);
  }

  /**
   * ES10b.LoadBoundProfilePackage (SGP.22 §5.7.16, §2.5.x; digest §4.5–4.6), the whole BF36 at once.
   * Always answers with a signed ProfileInstallationResult (also kept as a pending notification).
   */
  loadBoundProfilePackage(bpp: Buffer): LoadResult {
    const s = this.session;
    if (!s || !s.transactionId || !s.otk || !s.dpPb) throw new EuiccError('noSession', 'no PrepareDownload in this session');
    let meta: StoreMetadata | undefined;
    let upp: Buffer | undefined;
    let result: FinalResult;
    let message: string | undefined;
    let profileType: string | undefined;
    try {
      const r = this.openBpp(bpp, s);
      meta = r.meta;
      upp = r.upp;
      profileType = r.profileType;
      const aid = this.allocateIsdp();
      result = { success: true, aid, simaResponse: Buffer.from('3007a00530038001 00'.replace(/ /g, ''), 'hex') };
      this.state.profiles.push({
        iccid: meta.iccid,
        isdpAid: aid.toString('hex').toUpperCase(),
        profileName: meta.profileName,
        serviceProviderName: meta.serviceProviderName,
        profileClass: PROFILE_CLASS[meta.profileClass],
        state: 'disabled',
        smdpAddress: s.serverAddress!,
        notificationConfigurationInfo: meta.notificationConfigurationInfo,
        profilePolicyRules: meta.profilePolicyRules,
        profileType,
        uppSha256: createHash('sha256').update(upp).digest('hex'),
        uppLength: upp.length,
      });
      this.upps.set(meta.iccid, upp);
    } catch (e) {
      if (!(e instanceof LoadFailure)) throw e;
      result = { success: false, bppCommandId: e.bppCommandId, errorReason: e.errorReason };
      message = e.message;
      meta ??= (e as LoadFailure & { meta?: StoreMetadata }).meta;
    }
    const seqNumber = this.state.nextSeqNumber++;
    const nm = encodeNotificationMetadata(seqNumber, 'install', s.serverAddress!, meta?.iccid);
    const smdpOid = s.dpPb.smdpOid ?? s.dpAuth!.smdpOid!;
    const data = encodePirData(s.transactionId, nm, smdpOid, result);
    const pir = encodePir(data, signRaw(this.privateKey, data));
    this.state.notifications.push({
      seqNumber,
      event: 'install',
      notificationAddress: s.serverAddress!,
      iccid: meta?.iccid,
      pendingNotification: pir.toString('base64'),
    });
    if (result.success) this.retainedOtk = undefined; // the one-time key has served (SGP.22 §3.1.3)
    this.session = undefined;
    return {
      profileInstallationResult: pir,
      success: result.success,
      bppCommandId: result.success ? undefined : result.bppCommandId,
      errorReason: result.success ? undefined : result.errorReason,
      message,
      iccid: meta?.iccid,
      profileName: meta?.profileName,
      seqNumber,
    };
  }

  private openBpp(bpp: Buffer, s: Session): { meta: StoreMetadata; upp: Buffer; profileType?: string } {
    const C = BppCommandId;
    const R = ErrorReason;
    const otk = s.otk!;
    const dpPb = s.dpPb!;
    let opened;
    try {
      // SGP.22 §5.7.16 / digest §4.6: remoteOpId, CRT (checked by the parser), transactionId, smdpSign, then
      // ECKA + KDF with this EID, then every MAC in chain order.
      opened = openBoundProfilePackage(
        bpp,
        (isc) => {
          if (!isc.transactionId.equals(s.transactionId!)) {
            throw new BppError(C.initialiseSecureChannel, R.invalidTransactionId, 'transactionId differs from the session');
          }
          if (!verifyRaw(dpPb.publicKey, isc.signedData!, isc.smdpSign)) {
            throw new BppError(C.initialiseSecureChannel, R.invalidSignature, 'smdpSign does not verify with CERT.DPpb');
          }
          return deriveSessionKeys(ecka(otk.privateKey, isc.smdpOtpk), isc.hostId, eidToBytes(this.eid));
        },
        { euiccOtpk: otk.publicKey },
      );
    } catch (e) {
      if (e instanceof BppError) throw new LoadFailure(e.bppCommandId, e.errorReason, e.message);
      throw e;
    }
    const metaBytes = opened.storeMetadata;
    let meta: StoreMetadata;
    try {
      meta = decodeStoreMetadata(metaBytes);
    } catch (e) {
      throw new LoadFailure(C.storeMetadata, R.incorrectInputValues, `StoreMetadataRequest: ${(e as Error).message}`);
    }
    const withMeta = (f: LoadFailure) => Object.assign(f, { meta });
    // SGP.22 v2.5 §3.1.3 / digest §9.7: the metadata in the BPP must be what the user was shown.
    if (s.profileMetadata && !s.profileMetadata.equals(meta.raw)) {
      throw withMeta(new LoadFailure(C.storeMetadata, R.installFailedDueToDataMismatch, 'StoreMetadata differs from the profileMetadata shown in AuthenticateClient'));
    }
    if (meta.profileClass < 0 || meta.profileClass > 2) {
      throw withMeta(new LoadFailure(C.storeMetadata, R.unsupportedProfileClass, `profileClass ${meta.profileClass}`));
    }
    if (this.state.profiles.some((p) => p.iccid === meta.iccid)) {
      throw withMeta(new LoadFailure(C.storeMetadata, R.installFailedDueToIccidAlreadyExistsOnEuicc, `ICCID ${meta.iccid} already installed`));
    }

    const upp = opened.upp;
    let header;
    try {
      readAll(upp);
      header = readProfileHeader(upp);
    } catch (e) {
      throw withMeta(
        new LoadFailure(C.loadProfileElements, R.installFailedDueToPEProcessingError, `profile package: ${(e as Error).message}`),
      );
    }
    // Digest §4.6: ProfileHeader iccid (plain BCD) must be the StoreMetadata iccid (EF coding).
    if (header.iccid !== meta.iccid) {
      throw withMeta(
        new LoadFailure(C.loadProfileElements, R.installFailedDueToDataMismatch, `ProfileHeader ICCID ${header.iccid} ≠ metadata ICCID ${meta.iccid}`),
      );
    }
    return { meta, upp, profileType: header.profileType };
  }

  private allocateIsdp(): Buffer {
    const n = this.state.nextIsdp++;
    // ISD-P AIDs in the SGP.02/22 range A0000005591010FFFFFFFF89 000010 00 …
    return Buffer.from(`A0000005591010FFFFFFFF8900${(0x1000 + n * 0x100).toString(16).padStart(6, '0')}`, 'hex');
  }

  /**
   * ES10b.CancelSession (SGP.22 §5.7.14): CancelSessionResponse (BF41) A0 {EuiccCancelSessionSigned, signature}
   * for the current session, or 81 invalidTransactionId(5).
   */
  cancelSession(transactionId: Buffer, reason: number = CancelSessionReason.undefinedReason): Buffer {
    const s = this.session;
    if (!s || !s.transactionId || !s.transactionId.equals(transactionId) || !s.dpAuth) {
      return encodeCancelSessionError(5);
    }
    const signed = encodeEuiccCancelSessionSigned(transactionId, s.dpAuth.smdpOid!, reason);
    this.session = undefined;
    return encodeCancelSessionOk(signed, signRaw(this.privateKey, signed));
  }

  /* ------------------------------------------------ ES10c ---------------------------------------------------- */

  /** ES10c.GetProfilesInfo (SGP.22 §5.7.15), as plain objects. */
  listProfiles(): InstalledProfile[] {
    return this.state.profiles.map((p) => ({ ...p }));
  }

  /** The decrypted UPP of an installed profile (memory only, not part of the serialised state). */
  getUpp(iccid: string): Buffer | undefined {
    return this.upps.get(iccid);
  }

  private profile(iccid: string): InstalledProfile {
    const p = this.state.profiles.find((x) => x.iccid === iccid.toUpperCase().replace(/F$/, ''));
    if (!p) throw new EuiccError('iccidOrAidNotFound', `no profile with ICCID ${iccid}`, ProfileOperationResult.iccidOrAidNotFound);
    return p;
  }

  /** ES10c.EnableProfile (SGP.22 §5.7.16): disables the enabled profile (with its notifications) first. */
  enableProfile(iccid: string): PendingNotificationRecord[] {
    const p = this.profile(iccid);
    if (p.state === 'enabled') {
      throw new EuiccError('profileNotInDisabledState', `profile ${p.iccid} is already enabled`, ProfileOperationResult.profileNotInDisabledState);
    }
    const out: PendingNotificationRecord[] = [];
    const current = this.state.profiles.find((x) => x.state === 'enabled');
    if (current) out.push(...this.disableProfile(current.iccid));
    p.state = 'enabled';
    out.push(...this.notify(p, 'enable'));
    return out;
  }

  /** ES10c.DisableProfile (SGP.22 §5.7.17); PPR1 forbids it. */
  disableProfile(iccid: string): PendingNotificationRecord[] {
    const p = this.profile(iccid);
    if (p.state !== 'enabled') {
      throw new EuiccError('profileNotInEnabledState', `profile ${p.iccid} is not enabled`, ProfileOperationResult.profileNotInEnabledState);
    }
    if (p.profilePolicyRules?.includes(1)) {
      throw new EuiccError('disallowedByPolicy', `PPR1: profile ${p.iccid} may not be disabled`, ProfileOperationResult.disallowedByPolicy);
    }
    p.state = 'disabled';
    return this.notify(p, 'disable');
  }

  /** ES10c.DeleteProfile (SGP.22 §5.7.18): only a disabled profile; PPR2 forbids it. */
  deleteProfile(iccid: string): PendingNotificationRecord[] {
    const p = this.profile(iccid);
    if (p.state !== 'disabled') {
      throw new EuiccError('profileNotInDisabledState', `profile ${p.iccid} is enabled`, ProfileOperationResult.profileNotInDisabledState);
    }
    if (p.profilePolicyRules?.includes(2)) {
      throw new EuiccError('disallowedByPolicy', `PPR2: profile ${p.iccid} may not be deleted`, ProfileOperationResult.disallowedByPolicy);
    }
    const out = this.notify(p, 'delete');
    this.state.profiles = this.state.profiles.filter((x) => x !== p);
    this.upps.delete(p.iccid);
    return out;
  }

  /** One OtherSignedNotification per notificationConfigurationInfo entry that asked for this event (SGP.22 §3.5). */
  private notify(p: InstalledProfile, event: NotificationEvent): PendingNotificationRecord[] {
    const out: PendingNotificationRecord[] = [];
    for (const cfg of p.notificationConfigurationInfo) {
      if (!cfg.events.includes(event)) continue;
      const seqNumber = this.state.nextSeqNumber++;
      const tbs = encodeNotificationMetadata(seqNumber, event, cfg.address, p.iccid);
      const n = encodeOtherSignedNotification(tbs, signRaw(this.privateKey, tbs), this.euiccCert.der, this.eumCert.der);
      const rec = { seqNumber, event, notificationAddress: cfg.address, iccid: p.iccid, pendingNotification: n.toString('base64') };
      this.state.notifications.push(rec);
      out.push(rec);
    }
    return out;
  }

  /** ES10b.ListNotification + RetrieveNotificationsList (SGP.22 §5.7.9–5.7.10). */
  listNotifications(): PendingNotificationRecord[] {
    return this.state.notifications.map((n) => ({ ...n }));
  }

  /** ES10b.RemoveNotificationFromList (SGP.22 §5.7.11): true when it was there. */
  removeNotification(seqNumber: number): boolean {
    const before = this.state.notifications.length;
    this.state.notifications = this.state.notifications.filter((n) => n.seqNumber !== seqNumber);
    return this.state.notifications.length !== before;
  }

  /** The transactionId of the session in progress, if any. */
  get currentTransactionId(): Buffer | undefined {
    return this.session?.transactionId ? Buffer.from(this.session.transactionId) : undefined;
  }
}

export { AuthenticateErrorCode, BppCommandId, CancelSessionReason, DownloadErrorCode, ErrorReason };
