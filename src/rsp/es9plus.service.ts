import { randomBytes, createPublicKey, KeyObject } from 'node:crypto';
import { RspError } from '../common/rsp-error';
import { Asn1Error } from '../asn1/tlv';
import { KeyOperations } from '../keys/key-operations';
import { RspSession, RspSessionStore } from './rsp-session.store';
import { verifyRaw, signatureDo } from '../crypto/ecdsa';
import { hashCcFromCcHash } from '../crypto/cc';
import { deriveSessionKeys, eidToBytes } from '../crypto/kdf';
import {
  encodeInitialiseSecureChannelRequest,
  initialiseSecureChannelSignedData,
  buildBoundProfilePackage,
} from './es8plus';
import { decodeEUICCInfo1 } from '../asn1/rsp/euicc-info';
import {
  encodeServerSigned1,
  decodeAuthenticateServerResponse,
  encodeSmdpSigned2,
} from '../asn1/rsp/authentication';
import { decodePrepareDownloadResponse } from '../asn1/rsp/prepare-download';
import { encodeStoreMetadataRequest, IconType, ProfileClass } from '../asn1/rsp/profile-metadata';
import { decodePendingNotification } from '../asn1/rsp/notification';
import { decodeCancelSessionResponse } from '../asn1/rsp/cancel-session';
import { validateEuiccChain } from '../pki/validation';
import { CertStore, chooseDpSet, DpSet } from '../pki/cert-store';
import { checkEligibility } from './eligibility';
import { DownloadPort, ProfileEvent, ProgressSubject, StoredProfileColumns } from './download.port';
import { parseBase64, parseTransactionId, requireString } from './es9plus-input';
import { DownloadMetrics, NO_METRICS } from '../metrics/metrics';

/** Tunables of the download flow (from configuration). */
export interface Es9PlusPolicy {
  /** The SM-DP+ address (FQDN[:port]) this server answers to, compared case-insensitively (SGP.22 §5.6.1). */
  smdpAddress: string;
  sessionTtlSeconds: number;
  /** Use ReplaceSessionKeys: the profile is protected once under a random PPK and re-bound cheaply. */
  replaceSessionKeys: boolean;
  /** Subscribe this SM-DP+ to enable/disable/delete notifications (StoreMetadata notificationConfigurationInfo). */
  subscribeNotifications: boolean;
}

export interface InitiateAuthenticationResult {
  transactionId: string;
  serverSigned1: string;
  serverSignature1: string;
  euiccCiPKIdToBeUsed: string;
  serverCertificate: string;
}

export interface AuthenticateClientResult {
  transactionId: string;
  profileMetadata: string;
  smdpSigned2: string;
  smdpSignature2: string;
  smdpCertificate: string;
}

export interface GetBoundProfilePackageResult {
  transactionId: string;
  boundProfilePackage: string;
}

/** SVN window this server implements: SGP.22 v2.x (v2.0.0 … v2.x) and v3.x eUICCs speaking the v2 flow. */
function svnSupported(svn: string): boolean {
  return /^[23]\.\d+\.\d+$/.test(svn);
}

/** NotificationEvent bit names (SGP.22 §2.4.6) → the inventory's event names. */
const NOTIFICATION_EVENTS: Record<string, ProfileEvent | undefined> = {
  notificationInstall: 'install',
  notificationEnable: 'enable',
  notificationDisable: 'disable',
  notificationDelete: 'delete',
};

const hex = (b: Buffer) => b.toString('hex').toUpperCase();
const b64 = (b: Buffer) => b.toString('base64');

/**
 * The ES9+ functions of the SM-DP+ (SGP.22 §5.6), each check in the spec's order with its status code.
 * Pure domain logic: storage, inventory, keys, clock and randomness come in through the constructor.
 */
export class Es9PlusService {
  constructor(
    private readonly policy: Es9PlusPolicy,
    private readonly certs: CertStore,
    private readonly keys: KeyOperations,
    private readonly sessions: RspSessionStore,
    private readonly downloads: DownloadPort,
    private readonly clock: () => Date = () => new Date(),
    private readonly random: (n: number) => Buffer = randomBytes,
    private readonly metrics: DownloadMetrics = NO_METRICS,
  ) {}

  /** SGP.22 §5.6.1 ES9+.InitiateAuthentication. */
  async initiateAuthentication(body: Record<string, unknown>): Promise<InitiateAuthenticationResult> {
    const smdpAddress = requireString(body, 'smdpAddress');
    const euiccChallenge = parseBase64(body, 'euiccChallenge');
    const euiccInfo1Bytes = parseBase64(body, 'euiccInfo1');

    // §5.6.1: "verify that the smdpAddress matches its own address" — FQDNs compare case-insensitively.
    if (smdpAddress.toLowerCase() !== this.policy.smdpAddress.toLowerCase()) {
      throw new RspError('8.8.1', '3.8', `Invalid SM-DP+ Address: this server is ${this.policy.smdpAddress}`);
    }
    if (euiccChallenge.length !== 16) {
      throw new RspError('1.6', '2.1', `Invalid parameter: euiccChallenge must be 16 bytes, got ${euiccChallenge.length}`);
    }
    const euiccInfo1 = asn1(() => decodeEUICCInfo1(euiccInfo1Bytes), 'euiccInfo1');
    // §5.6.1: the eUICC's SVN must be one this SM-DP+ supports.
    if (!svnSupported(euiccInfo1.svn)) {
      throw new RspError('8.8.3', '3.1', `Unsupported SVN ${euiccInfo1.svn}`);
    }
    // §5.6.1: choose a CI the eUICC signs with (euiccCiPKIdListForSigning) and a CERT.DPauth it can verify
    // (euiccCiPKIdListForVerification); 8.8.2/3.1 resp. 8.8.4/3.7 when there is none.
    const { dpSet, ciPkId } = chooseDpSet(
      this.certs,
      euiccInfo1.euiccCiPKIdListForVerification,
      euiccInfo1.euiccCiPKIdListForSigning,
    );

    const transactionId = this.random(16);
    const serverChallenge = this.random(16);
    const serverSigned1 = encodeServerSigned1({
      transactionId,
      euiccChallenge,
      serverAddress: this.policy.smdpAddress,
      serverChallenge,
    });
    const serverSignature1 = signatureDo(await this.keys.sign(dpSet.dpauthKeyId, serverSigned1));
    await this.sessions.create({
      transactionId,
      step: 'initiated',
      dpSet: dpSet.name,
      ciPkId,
      serverChallenge,
      euiccChallenge,
      ccRequired: false,
      expiresAt: this.expiry(),
    });
    return {
      transactionId: hex(transactionId),
      serverSigned1: b64(serverSigned1),
      serverSignature1: b64(serverSignature1),
      // SubjectKeyIdentifier as a DER OCTET STRING (04 14 …), as LPAs pass it on to ES10b.AuthenticateServer.
      euiccCiPKIdToBeUsed: b64(Buffer.concat([Buffer.from([0x04, ciPkId.length]), ciPkId])),
      serverCertificate: b64(dpSet.dpauth.der),
    };
  }

  /** SGP.22 §5.6.3 ES9+.AuthenticateClient. */
  async authenticateClient(body: Record<string, unknown>): Promise<AuthenticateClientResult> {
    const transactionId = parseTransactionId(body);
    const responseBytes = parseBase64(body, 'authenticateServerResponse');
    const now = this.clock();
    // The session as this process wrote it in InitiateAuthentication, if it did: the claim below is checked in the
    // database anyway (step and expiry), so a stale copy cannot get a session authenticated twice.
    const session = await this.liveSession(transactionId, ['initiated'], now, { recent: true });
    const response = asn1(() => decodeAuthenticateServerResponse(responseBytes), 'authenticateServerResponse');
    if (!response.ok) {
      // The eUICC refused CERT.DPauth or serverSignature1: the session cannot go on.
      await this.sessions.delete(transactionId);
      throw new RspError('8.1', '6.1', `The eUICC refused the server authentication (authenticateErrorCode ${response.error.authenticateErrorCode})`);
    }
    const ok = response.ok;
    const dpSet = this.dpSet(session.dpSet);

    // §5.6.3: EUM and eUICC certificates up to the CI chosen in InitiateAuthentication, EID in the EUM's range.
    const chain = validateEuiccChain({
      euiccCertificate: ok.euiccCertificate,
      eumCertificate: ok.eumCertificate,
      trustedCis: this.certs.cis,
      ciPkIdToBeUsed: session.ciPkId,
      now,
    });
    rememberEuiccKey(chain.euiccPublicKeySpki, chain.euiccPublicKey);
    // §5.6.3: euiccSignature1 over euiccSigned1 as received.
    if (!verifyRaw(chain.euiccPublicKey, ok.euiccSigned1Raw, ok.euiccSignature1)) {
      throw new RspError('8.1', '6.1', 'eUICC signature is invalid or serverChallenge is invalid');
    }
    if (!ok.euiccSigned1.serverChallenge.equals(session.serverChallenge)) {
      throw new RspError('8.1', '6.1', 'eUICC signature is invalid or serverChallenge is invalid');
    }
    if (!ok.euiccSigned1.transactionId.equals(transactionId)) {
      throw new RspError('8.10.1', '3.9', 'TransactionId in euiccSigned1 does not match the session');
    }
    if (ok.euiccSigned1.serverAddress.toLowerCase() !== this.policy.smdpAddress.toLowerCase()) {
      throw new RspError('8.8.1', '3.8', 'Invalid SM-DP+ Address in euiccSigned1');
    }

    // §5.6.3 / §3.1.2: Activation Code (matchingId) or default SM-DP+ (no or empty matchingId) use case.
    const matchingId = ok.euiccSigned1.ctxParams1.matchingId;
    const candidate = await this.downloads.findOrderForDownload({
      matchingId: matchingId === undefined || matchingId === '' ? undefined : matchingId,
      eid: chain.eid,
    });
    // §5.6.3: eligibility against EUICCInfo2 and DeviceInfo; the operator hears of a refusal (point 1).
    const info2 = ok.euiccSigned1.euiccInfo2;
    const subject: ProgressSubject = {
      operatorId: candidate.operatorId,
      iccid: candidate.iccid,
      eid: candidate.eid,
      profileType: candidate.profileType,
    };
    try {
      checkEligibility(candidate, {
        rspCapability: info2.rspCapability,
        forbiddenProfilePolicyRules: info2.forbiddenProfilePolicyRules ?? [],
        freeNonVolatileMemory: info2.extCardResourceInfo?.freeNonVolatileMemory,
      });
    } catch (e) {
      if (e instanceof RspError) await this.downloads.progress(candidate.orderId, 1, 'Failed', statusCodeData(e), undefined, subject);
      throw e;
    }

    const profileMetadata = encodeStoreMetadataRequest({
      iccid: candidate.iccid,
      serviceProviderName: candidate.metadata.serviceProviderName,
      profileName: candidate.metadata.profileName,
      iconType: candidate.metadata.iconType === undefined ? undefined : IconType[candidate.metadata.iconType],
      icon: candidate.metadata.icon,
      profileClass: ProfileClass[candidate.metadata.profileClass],
      profilePolicyRules: candidate.metadata.pprIds,
      // SGP.22 §4.4: the SM-DP+ asks for the notifications it wants; PIR (install) always comes back to it.
      notificationConfigurationInfo: this.policy.subscribeNotifications
        ? ['notificationEnable', 'notificationDisable', 'notificationDelete'].map((op) => ({
            profileManagementOperation: [op],
            notificationAddress: this.policy.smdpAddress,
          }))
        : undefined,
    });
    const ccRequired = candidate.ccHash !== undefined;
    const smdpSigned2 = encodeSmdpSigned2({ transactionId, ccRequiredFlag: ccRequired });
    // §5.6.3: smdpSignature2 over smdpSigned2 ‖ euiccSignature1 (as its 5F37 data object).
    const smdpSignature2 = signatureDo(
      await this.keys.sign(dpSet.dppbKeyId, Buffer.concat([smdpSigned2, signatureDo(ok.euiccSignature1)])),
    );
    // The session step is claimed (once: the serverChallenge is used once, §5.6.3) in the same statement that
    // counts the download attempt — a replayed authenticateServerResponse must not burn the order's attempts —
    // and writes ES2+.HandleDownloadProgressInfo point 1 (the order is bound to this EID now).
    const authenticated: Partial<RspSession> = {
      step: 'authenticated',
      eid: chain.eid,
      euiccPublicKey: chain.euiccPublicKeySpki,
      orderId: candidate.orderId,
      operatorId: candidate.operatorId,
      profileId: candidate.profileId,
      iccid: candidate.iccid,
      profileType: candidate.profileType,
      ccRequired,
      rebind: candidate.state === 'Downloaded',
      profileMetadata,
      smdpSignature2,
      expiresAt: this.expiry(),
    };
    const claim = this.sessions.claim(transactionId, ['initiated'], authenticated, now);
    let moved: boolean;
    try {
      moved = await this.downloads.beginDownloadAttempt(
        candidate.orderId,
        chain.eid,
        { notificationPointId: 1, status: 'Executed-Success', subject: { ...subject, eid: chain.eid } },
        claim,
      );
    } catch (e) {
      await this.sessions.delete(transactionId);
      throw e;
    }
    if (!moved) throw new RspError('8.10.1', '3.9', 'TransactionId unknown: this session has already been authenticated');
    this.sessions.applied(transactionId, authenticated);
    return {
      transactionId: hex(transactionId),
      profileMetadata: b64(profileMetadata),
      smdpSigned2: b64(smdpSigned2),
      smdpSignature2: b64(smdpSignature2),
      smdpCertificate: b64(dpSet.dppb.der),
    };
  }

  /** SGP.22 §5.6.2 ES9+.GetBoundProfilePackage. */
  async getBoundProfilePackage(body: Record<string, unknown>): Promise<GetBoundProfilePackageResult> {
    const transactionId = parseTransactionId(body);
    const responseBytes = parseBase64(body, 'prepareDownloadResponse');
    const now = this.clock();
    // The session and its order's state in one statement (issue 6).
    const found = await this.sessions.findWithOrder(transactionId, now);
    if (!found || !(found.session.step === 'authenticated' || found.session.step === 'bound')) {
      throw new RspError('8.10.1', '3.9', 'TransactionId unknown');
    }
    const session = found.session;
    const response = asn1(() => decodePrepareDownloadResponse(responseBytes), 'prepareDownloadResponse');
    if (!response.ok) {
      await this.endSession(session, 'Failed', new RspError('8.1', '6.1', `The eUICC refused smdpSigned2 (downloadErrorCode ${response.error.downloadErrorCode})`));
      throw new RspError('8.1', '6.1', `The eUICC refused smdpSigned2 (downloadErrorCode ${response.error.downloadErrorCode})`);
    }
    const ok = response.ok;
    const euiccKey = euiccKeyOf(session);
    // §5.6.2: euiccSignature2 over euiccSigned2 ‖ smdpSignature2 (data object), as received.
    if (!verifyRaw(euiccKey, Buffer.concat([ok.euiccSigned2Raw, session.smdpSignature2!]), ok.euiccSignature2)) {
      throw new RspError('8.1', '6.1', 'eUICC signature is invalid');
    }
    if (!ok.euiccSigned2.transactionId.equals(transactionId)) {
      throw new RspError('8.10.1', '3.9', 'TransactionId in euiccSigned2 does not match the session');
    }
    // §5.6.2: the download order must still be valid when the BPP is handed out: expired → 8.8.5/4.10; an order
    // the operator cancelled (ES2+.CancelOrder) meanwhile takes its RSP session with it.
    const validity = await this.downloads.orderValidity(session.orderId!, found.order ?? null);
    if (validity === 'closed') {
      await this.sessions.delete(transactionId);
      throw new RspError('8.10.1', '3.9', 'TransactionId unknown: the download order is no longer pending');
    }
    if (validity === 'expired') throw new RspError('8.8.5', '4.10', 'Download order expired');
    // Another session of this order has had the BPP since this one was authenticated: no second binding (§5.6.2).
    if (validity === 'bound' && session.step === 'authenticated' && !session.rebind) {
      throw new RspError('8.2', '3.7', 'BPP is not available for a new binding');
    }
    // §5.6.2: Confirmation Code, hashCc = SHA-256(SHA-256(CC) ‖ transactionId) (§3.1.3.1).
    if (session.ccRequired) {
      if (!ok.euiccSigned2.hashCc) throw new RspError('8.2.7', '2.2', 'Confirmation Code is missing');
      const candidate = await this.downloads.confirmationCodeHash(session.orderId!);
      const matches = candidate !== undefined && hashCcFromCcHash(candidate, transactionId).equals(ok.euiccSigned2.hashCc);
      // Counts the attempt; throws 8.2.7/6.4 once the retry limit is exceeded.
      try {
        await this.downloads.checkConfirmationCode(session.orderId!, matches);
        if (!matches) throw new RspError('8.2.7', '3.8', 'Confirmation Code is refused');
      } catch (e) {
        // ES2+.HandleDownloadProgressInfo point 2: Confirmation Code failure.
        if (e instanceof RspError) await this.downloads.progress(session.orderId!, 2, 'Failed', statusCodeData(e), undefined, subjectOf(session));
        throw e;
      }
    }
    // A retry with the same otPK.EUICC gets the same package (SGP.22 §5.6.2, §3.1.3.3).
    if (session.step === 'bound' && session.bpp && session.euiccOtpk?.equals(ok.euiccSigned2.euiccOtpk)) {
      return { transactionId: hex(transactionId), boundProfilePackage: b64(session.bpp) };
    }
    const bpp = await this.bind(session, ok.euiccSigned2.euiccOtpk, found.profile);
    const changes: Partial<RspSession> = { step: 'bound', euiccOtpk: ok.euiccSigned2.euiccOtpk, bpp, expiresAt: this.expiry() };
    const subject = subjectOf(session);
    if (session.step === 'authenticated' && !session.rebind && subject) {
      // The session step, Released → Downloaded and ES2+.HandleDownloadProgressInfo point 3 in one statement.
      const moved = await this.downloads.markDownloaded(
        session.orderId!,
        { notificationPointId: 3, status: 'Executed-Success', subject },
        this.sessions.claim(transactionId, ['authenticated', 'bound'], changes),
      );
      if (!moved) throw new RspError('8.10.1', '3.9', 'TransactionId unknown');
      this.sessions.applied(transactionId, changes);
      this.metrics.downloadCompleted(session.operatorId ?? 'unknown');
      return { transactionId: hex(transactionId), boundProfilePackage: b64(bpp) };
    }
    const moved = await this.sessions.advance(transactionId, ['authenticated', 'bound'], changes);
    if (!moved) throw new RspError('8.10.1', '3.9', 'TransactionId unknown');
    // A re-binding in the same session (new otPK.EUICC) hands out another package of a profile already Downloaded.
    if (session.step === 'authenticated') {
      if (!session.rebind) await this.downloads.markDownloaded(session.orderId!);
      await this.downloads.progress(session.orderId!, 3, 'Executed-Success', undefined, undefined, subject);
      this.metrics.downloadCompleted(session.operatorId ?? 'unknown');
    }
    return { transactionId: hex(transactionId), boundProfilePackage: b64(bpp) };
  }

  /** ES8+ binding (SGP.22 §2.5.3, §5.5): key agreement, session keys, InitialiseSecureChannel, protected TLVs. */
  private async bind(session: RspSession, euiccOtpk: Buffer, stored?: StoredProfileColumns): Promise<Buffer> {
    const dpSet = this.dpSet(session.dpSet);
    const agreement = await this.keys.oneTimeKeyAgreement(dpSet.curve, euiccOtpk).catch(() => {
      throw new RspError('8.1', '6.1', 'otPK.EUICC.ECKA is not a valid point on the curve of CERT.DPpb');
    });
    const hostId = this.random(8);
    const sessionKeys = deriveSessionKeys(agreement.sharedSecret, hostId, eidToBytes(session.eid!));
    const signed = initialiseSecureChannelSignedData({
      transactionId: session.transactionId,
      hostId,
      smdpOtpk: agreement.oneTimePublicKey,
      euiccOtpk,
    });
    const smdpSign = await this.keys.sign(dpSet.dppbKeyId, signed);
    const initialiseSecureChannelRequest = encodeInitialiseSecureChannelRequest({
      transactionId: session.transactionId,
      hostId,
      smdpOtpk: agreement.oneTimePublicKey,
      smdpSign,
    });
    const common = {
      initialiseSecureChannelRequest,
      sessionKeys,
      configureIsdpRequest: Buffer.from('bf2400', 'hex'),
      storeMetadataRequest: session.profileMetadata!,
    };
    if (this.policy.replaceSessionKeys) {
      // The profile is protected under its own random PPK, kept for all later bindings once it is bound again
      // (a lost package: a new session for the same eUICC, or a new otPK.EUICC in this one).
      const protectedProfile = await this.downloads.protectedProfile(session.profileId!, {
        store: !!session.rebind || session.step === 'bound',
        stored,
      });
      return buildBoundProfilePackage({
        ...common,
        replaceSessionKeys: protectedProfile.ppk,
        ppkSegments: protectedProfile.segments,
      });
    }
    return buildBoundProfilePackage({ ...common, upp: await this.downloads.profilePackage(session.profileId!, stored) });
  }

  /** SGP.22 §5.6.4 ES9+.HandleNotification: always answered 204; idempotent. */
  async handleNotification(body: Record<string, unknown>): Promise<void> {
    const bytes = parseBase64(body, 'pendingNotification');
    const notification = asn1(() => decodePendingNotification(bytes), 'pendingNotification');
    const now = this.clock();
    if (notification.type === 'profileInstallationResult') {
      const pir = notification.profileInstallationResult;
      // As this process wrote it in AuthenticateClient, if it did (only fields fixed there are used).
      const session = await this.sessions.findRecent(pir.transactionId, now, ['authenticated', 'bound']);
      // A duplicate or late PIR whose session is gone was already applied (or cannot be verified): ignore.
      if (!session || !session.euiccPublicKey || !session.orderId) return;
      const euiccKey = euiccKeyOf(session);
      // §5.6.4: euiccSignPIR over profileInstallationResultData incl. its BF27 tag and length.
      if (!verifyRaw(euiccKey, pir.profileInstallationResultDataRaw, pir.euiccSignPIR)) {
        throw new RspError('8.1', '6.1', 'eUICC signature of the ProfileInstallationResult is invalid');
      }
      const dpSet = this.dpSet(session.dpSet);
      if (pir.smdpOid !== undefined && pir.smdpOid !== dpSet.smdpOid) {
        throw new RspError('8.8', '3.10', `smdpOid ${pir.smdpOid} is not this SM-DP+`);
      }
      // ES2+.HandleDownloadProgressInfo point 4 (BPP installation) carries the result data (SGP.22 §5.3.5).
      this.metrics.installationResult(session.operatorId ?? 'unknown', !!pir.finalResult.successResult);
      let ended = false;
      if (pir.finalResult.successResult) {
        const subject = subjectOf(session);
        const resultData = pir.profileInstallationResultDataRaw;
        if (subject) {
          // Downloaded → Installed, ES2+.HandleDownloadProgressInfo point 4 and the end of the session in one statement.
          ended = await this.downloads.markInstalled(
            session.orderId,
            resultData,
            { notificationPointId: 4, status: 'Executed-Success', resultData, subject },
            this.sessions.ending(session.transactionId),
          );
        } else {
          await this.downloads.markInstalled(session.orderId, resultData);
          await this.downloads.progress(session.orderId, 4, 'Executed-Success', undefined, resultData);
        }
      } else {
        const e = pir.finalResult.errorResult;
        await this.downloads.markInstallationFailed(session.orderId, {
          bppCommandId: e.bppCommandId,
          errorReason: e.errorReason,
          resultData: pir.profileInstallationResultDataRaw,
        });
        await this.downloads.progress(
          session.orderId,
          4,
          'Failed',
          { subjectCode: '8.1', reasonCode: '4.2', message: `installation failed: bppCommandId ${e.bppCommandId}, errorReason ${e.errorReason}` },
          pir.profileInstallationResultDataRaw,
          subjectOf(session),
        );
      }
      // The RSP session ends here; its one-time material goes with it.
      if (ended) this.sessions.forget(session.transactionId);
      else await this.sessions.delete(session.transactionId);
      return;
    }
    const other = notification.otherSignedNotification;
    const chain = validateEuiccChain({
      euiccCertificate: other.euiccCertificate,
      eumCertificate: other.eumCertificate,
      trustedCis: this.certs.cis,
      now,
    });
    if (!verifyRaw(chain.euiccPublicKey, other.tbsRaw, other.euiccNotificationSignature)) {
      throw new RspError('8.1', '6.1', 'eUICC notification signature is invalid');
    }
    const meta = other.tbsOtherNotification;
    const event = NOTIFICATION_EVENTS[meta.profileManagementOperation[0]];
    if (!meta.iccid || !event) return;
    await this.downloads.applyProfileNotification({ iccid: meta.iccid, eid: chain.eid, event, seqNumber: meta.seqNumber });
  }

  /** SGP.22 §5.6.5 ES9+.CancelSession. */
  async cancelSession(body: Record<string, unknown>): Promise<void> {
    const transactionId = parseTransactionId(body);
    const bytes = parseBase64(body, 'cancelSessionResponse');
    const session = await this.liveSession(transactionId, ['initiated', 'authenticated', 'bound'], this.clock());
    const response = asn1(() => decodeCancelSessionResponse(bytes), 'cancelSessionResponse');
    if (!response.ok) {
      throw new RspError('8.10.1', '3.9', `The eUICC could not cancel the session (cancelSessionResponseError ${response.error})`);
    }
    if (!session.euiccPublicKey) {
      // Before AuthenticateClient the SM-DP+ has no eUICC key to verify with; the session simply ends.
      await this.sessions.delete(transactionId);
      return;
    }
    const euiccKey = euiccKeyOf(session);
    if (!verifyRaw(euiccKey, response.ok.euiccCancelSessionSignedRaw, response.ok.euiccCancelSessionSignature)) {
      throw new RspError('8.1', '6.1', 'eUICC signature is invalid');
    }
    const signed = response.ok.euiccCancelSessionSigned;
    if (signed.smdpOid !== this.dpSet(session.dpSet).smdpOid) {
      throw new RspError('8.8', '3.10', `smdpOid ${signed.smdpOid} is not this SM-DP+`);
    }
    if (!signed.transactionId.equals(transactionId)) {
      throw new RspError('8.10.1', '3.9', 'TransactionId in euiccCancelSessionSigned does not match');
    }
    if (session.orderId) await this.downloads.cancelDownload(session.orderId, signed.reason);
    await this.sessions.delete(transactionId);
  }

  private async liveSession(
    transactionId: Buffer,
    steps: RspSession['step'][],
    now: Date,
    o: { recent?: boolean } = {},
  ): Promise<RspSession> {
    const session = o.recent ? await this.sessions.findRecent(transactionId, now, steps) : await this.sessions.find(transactionId, now);
    if (!session || !steps.includes(session.step)) {
      throw new RspError('8.10.1', '3.9', 'TransactionId unknown');
    }
    return session;
  }

  private async endSession(session: RspSession, _status: string, _error: RspError): Promise<void> {
    await this.sessions.delete(session.transactionId);
  }

  private dpSet(name: string): DpSet {
    const set = this.certs.dpSets.find((s) => s.name === name);
    if (!set) throw new RspError('8.8.4', '3.7', `SM-DP+ credential set ${name} is no longer configured`);
    return set;
  }

  private expiry(): Date {
    return new Date(this.clock().getTime() + this.policy.sessionTtlSeconds * 1000);
  }
}

/** The progress events' subject from the session (sessions written before it was kept: undefined, read again). */
function subjectOf(s: RspSession): ProgressSubject | undefined {
  if (!s.operatorId || !s.iccid || !s.profileType) return undefined;
  return { operatorId: s.operatorId, iccid: s.iccid, eid: s.eid, profileType: s.profileType };
}

function statusCodeData(e: RspError): { subjectCode: string; reasonCode: string; message: string } {
  return { subjectCode: e.subjectCode, reasonCode: e.reasonCode, message: e.message };
}

/**
 * PK.EUICC.ECDSA of the session, kept as SPKI DER since AuthenticateClient validated CERT.EUICC. Importing a
 * key costs ≈ 60 µs (6 % of the server's profile samples), and a session uses it up to three times: the key
 * objects of recent sessions are kept by their exact SPKI bytes (bounded, oldest dropped first).
 */
const EUICC_KEY_CACHE_SIZE = 4096;
const euiccKeys = new Map<string, KeyObject>();
function euiccKeyOf(session: RspSession): KeyObject {
  const spki = session.euiccPublicKey!;
  return euiccKeys.get(spki.toString('base64')) ?? rememberEuiccKey(spki, createPublicKey({ key: spki, format: 'der', type: 'spki' }));
}

function rememberEuiccKey(spki: Buffer, key: KeyObject): KeyObject {
  const id = spki.toString('base64');
  if (!euiccKeys.has(id)) {
    if (euiccKeys.size >= EUICC_KEY_CACHE_SIZE) euiccKeys.delete(euiccKeys.keys().next().value!);
    euiccKeys.set(id, key);
  }
  return key;
}

/** Runs a decoder; malformed ASN.1 becomes 1.6/2.1 naming the parameter (never a 5xx). */
function asn1<T>(decode: () => T, parameter: string): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof Asn1Error) throw new RspError('1.6', '2.1', `Invalid parameter ${parameter}: ${e.message}`);
    throw e;
  }
}
