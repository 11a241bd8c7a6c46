/**
 * The ES10b/ES10c messages as the test eUICC produces and consumes them (SGP.22 §5.7, digest §2 and §4): a
 * thin eUICC-side layer over the shared codecs of src/asn1/rsp and src/saip, shaped for TestEuicc and the LPA.
 * The ASN.1 definitions are quoted in the shared codec files; only eUICC-specific choices live here.
 */
import {
  AuthenticateErrorCode,
  BppCommandId,
  CancelSessionReason,
  DownloadErrorCode,
  encodeAuthenticateServerResponse,
  encodeCancelSessionResponse,
  encodeCtxParams1,
  encodeEuiccCancelSessionSigned as encodeCancelSigned,
  encodeEUICCInfo1,
  encodeEUICCInfo2,
  encodeEuiccSigned1 as encodeSigned1,
  encodeEUICCSigned2,
  encodeNotificationMetadata as encodeMetadata,
  encodeOtherSignedNotification as encodeOther,
  encodePrepareDownloadResponse,
  encodeProfileInstallationResult,
  encodeProfileInstallationResultData,
  ErrorReason,
  EUICCInfo2,
  iccidFromEf,
  iccidToEf,
  decodeServerSigned1,
  decodeSmdpSigned2,
  decodeStoreMetadataRequest,
  NOTIFICATION_EVENT_BITS as EVENT_NAMES,
} from '../asn1/rsp';
import { PPR_IDS_BITS } from '../asn1/rsp/euicc-info';
import { readProfileHeader } from '../saip/profile-package';

export {
  AuthenticateErrorCode,
  BppCommandId,
  CancelSessionReason,
  DownloadErrorCode,
  ErrorReason,
  iccidFromEf,
  iccidToEf,
  decodeServerSigned1,
  decodeSmdpSigned2,
  readProfileHeader,
};
export type { EUICCInfo2 };

export type NotificationEvent = 'install' | 'enable' | 'disable' | 'delete';
/** NotificationEvent ::= BIT STRING { notificationInstall(0), notificationEnable(1), notificationDisable(2), notificationDelete(3) } */
export const NOTIFICATION_EVENT_BITS: readonly NotificationEvent[] = ['install', 'enable', 'disable', 'delete'];
const eventName = (e: NotificationEvent) => EVENT_NAMES[NOTIFICATION_EVENT_BITS.indexOf(e)];
const eventOf = (name: string) => NOTIFICATION_EVENT_BITS[(EVENT_NAMES as readonly string[]).indexOf(name)];

/* ------------------------------------------------ EUICCInfo1/2 ------------------------------------------------ */

export function encodeEuiccInfo1(svn: string, verification: Buffer[], signing: Buffer[]): Buffer {
  return encodeEUICCInfo1({ svn, euiccCiPKIdListForVerification: verification, euiccCiPKIdListForSigning: signing });
}

export function encodeEuiccInfo2(info: EUICCInfo2): Buffer {
  return encodeEUICCInfo2(info);
}

/* ------------------------------------------------ AuthenticateServer ------------------------------------------ */

export interface CtxParams {
  matchingId?: string;
  /** TAC, 4 bytes. */
  tac: Buffer;
  /** DeviceCapabilities content (TLVs), default empty. */
  deviceCapabilities?: Buffer;
  /** IMEI, 8 bytes. */
  imei?: Buffer;
}

/** DER euiccSigned1 { transactionId, serverAddress, serverChallenge, euiccInfo2, ctxParams1 } — the signed bytes. */
export function encodeEuiccSigned1(transactionId: Buffer, serverAddress: string, serverChallenge: Buffer, euiccInfo2: Buffer, ctx: CtxParams): Buffer {
  return encodeSigned1({
    transactionId,
    serverAddress,
    serverChallenge,
    euiccInfo2,
    ctxParams1: encodeCtxParams1({
      matchingId: ctx.matchingId,
      deviceInfo: { tac: ctx.tac, deviceCapabilities: ctx.deviceCapabilities ?? Buffer.alloc(0), imei: ctx.imei },
    }),
  });
}

export function encodeAuthenticateResponseOk(euiccSigned1: Buffer, euiccSignature1: Buffer, euiccCertificate: Buffer, eumCertificate: Buffer): Buffer {
  return encodeAuthenticateServerResponse({ ok: { euiccSigned1, euiccSignature1, euiccCertificate, eumCertificate } });
}

export function encodeAuthenticateResponseError(transactionId: Buffer, authenticateErrorCode: number): Buffer {
  return encodeAuthenticateServerResponse({ error: { transactionId, authenticateErrorCode } });
}

/* ------------------------------------------------ PrepareDownload --------------------------------------------- */

export function encodeEuiccSigned2(transactionId: Buffer, euiccOtpk: Buffer, hashCc?: Buffer): Buffer {
  return encodeEUICCSigned2({ transactionId, euiccOtpk, hashCc });
}

export function encodePrepareDownloadOk(euiccSigned2: Buffer, euiccSignature2: Buffer): Buffer {
  return encodePrepareDownloadResponse({ ok: { euiccSigned2, euiccSignature2 } });
}

export function encodePrepareDownloadError(transactionId: Buffer, downloadErrorCode: number): Buffer {
  return encodePrepareDownloadResponse({ error: { transactionId, downloadErrorCode } });
}

/* ------------------------------------------------ StoreMetadata ----------------------------------------------- */

export interface NotificationConfiguration {
  events: NotificationEvent[];
  address: string;
}

export interface StoreMetadata {
  /** The BF25 TLV as received. */
  raw: Buffer;
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  /** test(0) provisioning(1) operational(2). */
  profileClass: number;
  notificationConfigurationInfo: NotificationConfiguration[];
  /** PprIds bit numbers (1 = ppr1 disable not allowed, 2 = ppr2 delete not allowed). */
  profilePolicyRules?: number[];
}

export function decodeStoreMetadata(input: Buffer): StoreMetadata {
  const m = decodeStoreMetadataRequest(input);
  return {
    raw: m.raw,
    iccid: m.iccid,
    serviceProviderName: m.serviceProviderName,
    profileName: m.profileName,
    profileClass: m.profileClass,
    notificationConfigurationInfo: (m.notificationConfigurationInfo ?? []).map((n) => ({
      events: n.profileManagementOperation.map(eventOf).filter((e): e is NotificationEvent => !!e),
      address: n.notificationAddress,
    })),
    profilePolicyRules: m.profilePolicyRules?.map((n) => (PPR_IDS_BITS as readonly string[]).indexOf(n)),
  };
}

/* ------------------------------------------------ Notifications ----------------------------------------------- */

export function encodeNotificationMetadata(seqNumber: number, event: NotificationEvent, notificationAddress: string, iccid?: string): Buffer {
  return encodeMetadata({ seqNumber, profileManagementOperation: [eventName(event)], notificationAddress, iccid });
}

export type FinalResult =
  | { success: true; aid: Buffer; simaResponse: Buffer }
  | { success: false; bppCommandId: number; errorReason: number; simaResponse?: Buffer };

/** DER profileInstallationResultData (BF27) — what euiccSignPIR covers. */
export function encodePirData(transactionId: Buffer, notificationMetadata: Buffer, smdpOid: string, r: FinalResult): Buffer {
  return encodeProfileInstallationResultData({
    transactionId,
    notificationMetadata,
    smdpOid,
    finalResult: r.success
      ? { successResult: { aid: r.aid, simaResponse: r.simaResponse } }
      : { errorResult: { bppCommandId: r.bppCommandId, errorReason: r.errorReason, simaResponse: r.simaResponse } },
  });
}

export function encodePir(profileInstallationResultData: Buffer, euiccSignPIR: Buffer): Buffer {
  return encodeProfileInstallationResult({ profileInstallationResultData, euiccSignPIR });
}

export function encodeOtherSignedNotification(tbs: Buffer, sig: Buffer, euiccCertificate: Buffer, eumCertificate: Buffer): Buffer {
  return encodeOther({ tbsOtherNotification: tbs, euiccNotificationSignature: sig, euiccCertificate, eumCertificate });
}

/* ------------------------------------------------ CancelSession ----------------------------------------------- */

export function encodeEuiccCancelSessionSigned(transactionId: Buffer, smdpOid: string, reason: number): Buffer {
  return encodeCancelSigned({ transactionId, smdpOid, reason });
}

export function encodeCancelSessionOk(signed: Buffer, sig: Buffer): Buffer {
  return encodeCancelSessionResponse({ ok: { euiccCancelSessionSigned: signed, euiccCancelSessionSignature: sig } });
}

export function encodeCancelSessionError(code: number): Buffer {
  return encodeCancelSessionResponse({ error: code });
}
