/**
 * The ES10b/ES10c messages as the test eUICC produces and consumes them (SGP.22 §5.7, digest §2 and §4).
 * Private to src/euicc: a minimal version of what src/asn1/rsp provides, written against the same TLV layer,
 * kept behind these functions so it can be swapped for the shared codecs.
 *
 * Tagging (digest §2.2): automatic tags apply only to SEQUENCEs whose components carry no explicit tag.
 */
import { Asn1Error, children, decodeIntegerValue, encodeIntegerValue, encodeOidValue, readAll, readOne, Tlv, tlv } from '../asn1/tlv';

export const TAG = {
  euiccInfo1: 0xbf20,
  euiccInfo2: 0xbf22,
  prepareDownloadResponse: 0xbf21,
  initialiseSecureChannel: 0xbf23,
  configureIsdp: 0xbf24,
  storeMetadata: 0xbf25,
  replaceSessionKeys: 0xbf26,
  pirData: 0xbf27,
  notificationMetadata: 0xbf2f,
  boundProfilePackage: 0xbf36,
  profileInstallationResult: 0xbf37,
  authenticateServerResponse: 0xbf38,
  cancelSessionResponse: 0xbf41,
  signature: 0x5f37,
  otpk: 0x5f49,
  iccid: 0x5a,
} as const;

/** AuthenticateErrorCode (SGP.22 §5.7.13). */
export const AuthenticateErrorCode = {
  invalidCertificate: 1,
  invalidSignature: 2,
  unsupportedCurve: 3,
  noSessionContext: 4,
  invalidOid: 5,
  euiccChallengeMismatch: 6,
  ciPKUnknown: 7,
  undefinedError: 127,
} as const;

/** DownloadErrorCode (SGP.22 §5.7.15). */
export const DownloadErrorCode = {
  invalidCertificate: 1,
  invalidSignature: 2,
  unsupportedCurve: 3,
  noSessionContext: 4,
  invalidTransactionId: 5,
  undefinedError: 127,
} as const;

/** BppCommandId (SGP.22 §5.7.16, ProfileInstallationResultData.finalResult.errorResult). */
export const BppCommandId = {
  initialiseSecureChannel: 0,
  configureISDP: 1,
  storeMetadata: 2,
  storeMetadata2: 3,
  replaceSessionKeys: 4,
  loadProfileElements: 5,
} as const;

/** ErrorReason (SGP.22 §5.7.16). */
export const ErrorReason = {
  incorrectInputValues: 1,
  invalidSignature: 2,
  invalidTransactionId: 3,
  unsupportedCrtValues: 4,
  unsupportedRemoteOperationType: 5,
  unsupportedProfileClass: 6,
  scp03tStructureError: 7,
  scp03tSecurityError: 8,
  installFailedDueToIccidAlreadyExistsOnEuicc: 9,
  installFailedDueToInsufficientMemoryForProfile: 10,
  installFailedDueToInterruption: 11,
  installFailedDueToPEProcessingError: 12,
  installFailedDueToDataMismatch: 13,
  testProfileInstallFailedDueToInvalidNaaKey: 14,
  pprNotAllowed: 15,
  installFailedDueToUnknownError: 127,
} as const;

/** CancelSessionReason (SGP.22 §5.7.14; 4/5 from v2.5). */
export const CancelSessionReason = {
  endUserRejection: 0,
  postponed: 1,
  timeout: 2,
  pprNotAllowed: 3,
  metadataMismatch: 4,
  loadBppExecutionError: 5,
  undefinedReason: 127,
} as const;

export type NotificationEvent = 'install' | 'enable' | 'disable' | 'delete';
/** NotificationEvent ::= BIT STRING { notificationInstall(0), notificationEnable(1), notificationDisable(2), notificationDelete(3) } */
export const NOTIFICATION_EVENT_BITS: readonly NotificationEvent[] = ['install', 'enable', 'disable', 'delete'];

function int(tag: number, n: number): Buffer {
  return tlv(tag, encodeIntegerValue(n));
}

/* ------------------------------------------------ small helpers ----------------------------------------------- */

function kids(t: Tlv): Tlv[] {
  return children(t);
}

function need(list: Tlv[], tag: number, what: string): Tlv {
  const c = list.find((x) => x.tag === tag);
  if (!c) throw new Asn1Error(`${what} (tag ${tag.toString(16).toUpperCase()}) is missing`);
  return c;
}

/** Swapped-nibble BCD (EF.ICCID / Iccid [APPLICATION 26]) → digits, padding F dropped. */
export function iccidFromEf(ef: Buffer): string {
  let s = '';
  for (const b of ef) s += (b & 0x0f).toString(16) + (b >> 4).toString(16);
  return s.replace(/f+$/i, '').toUpperCase();
}

/** Digits → swapped-nibble BCD, right-padded with F to 10 bytes. */
export function iccidToEf(iccid: string): Buffer {
  const d = iccid.padEnd(20, 'F');
  const out = Buffer.alloc(10);
  for (let i = 0; i < 10; i++) out[i] = parseInt(d[2 * i + 1] + d[2 * i], 16);
  return out;
}

/** ProfileHeader iccid (plain BCD, F-padded, NOT swapped; digest §4.6) → digits. */
export function iccidFromHeader(v: Buffer): string {
  return v.toString('hex').replace(/f+$/i, '').toUpperCase();
}

/** BIT STRING content with exactly the named bits set (DER: trailing zero bits removed). */
export function encodeBits(bits: number[]): Buffer {
  if (bits.length === 0) return Buffer.from([0]);
  const max = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(max / 8) + 1);
  for (const b of bits) bytes[b >> 3] |= 0x80 >> (b & 7);
  return Buffer.concat([Buffer.from([7 - (max & 7)]), bytes]);
}

export function decodeBits(v: Buffer): number[] {
  if (v.length === 0) throw new Asn1Error('empty BIT STRING');
  const unused = v[0];
  const out: number[] = [];
  const total = (v.length - 1) * 8 - unused;
  for (let i = 0; i < total; i++) if (v[1 + (i >> 3)] & (0x80 >> (i & 7))) out.push(i);
  return out;
}

export function encodeVersion(version: string): Buffer {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Asn1Error(`bad version ${version}`);
  return Buffer.from([+m[1], +m[2], +m[3]]);
}

/* ------------------------------------------------ EUICCInfo1/2 ------------------------------------------------ */

/** EUICCInfo1 ::= [32] SEQUENCE { svn [2] VersionType, euiccCiPKIdListForVerification [9] SEQUENCE OF SubjectKeyIdentifier, euiccCiPKIdListForSigning [10] … } */
export function encodeEuiccInfo1(svn: string, verification: Buffer[], signing: Buffer[]): Buffer {
  return tlv(TAG.euiccInfo1, [
    tlv(0x82, encodeVersion(svn)),
    tlv(0xa9, verification.map((k) => tlv(0x04, k))),
    tlv(0xaa, signing.map((k) => tlv(0x04, k))),
  ]);
}

export interface EuiccInfo2Params {
  profileVersion: string;
  svn: string;
  euiccFirmwareVer: string;
  /** ETSI TS 102 226 TLVs (81 installed apps, 82 free NVM, 83 free RAM). */
  extCardResource: Buffer;
  /** UICCCapability BIT STRING content. */
  uiccCapability: Buffer;
  ts102241Version?: string;
  globalplatformVersion?: string;
  /** RspCapability BIT STRING content. */
  rspCapability: Buffer;
  verification: Buffer[];
  signing: Buffer[];
  euiccCategory?: number;
  /** PprIds BIT STRING content. */
  forbiddenProfilePolicyRules?: Buffer;
  ppVersion: string;
  sasAcreditationNumber: string;
}

/** EUICCInfo2 ::= [34] SEQUENCE { profileVersion [1], svn [2], euiccFirmwareVer [3], extCardResource [4], uiccCapability [5], ts102241Version [6] OPT, globalplatformVersion [7] OPT, rspCapability [8], euiccCiPKIdListForVerification [9], euiccCiPKIdListForSigning [10], euiccCategory [11] OPT, forbiddenProfilePolicyRules [25] OPT, ppVersion VersionType (04), sasAcreditationNumber UTF8String (0C), … } */
export function encodeEuiccInfo2(p: EuiccInfo2Params): Buffer {
  return tlv(TAG.euiccInfo2, [
    tlv(0x81, encodeVersion(p.profileVersion)),
    tlv(0x82, encodeVersion(p.svn)),
    tlv(0x83, encodeVersion(p.euiccFirmwareVer)),
    tlv(0x84, p.extCardResource),
    tlv(0x85, p.uiccCapability),
    p.ts102241Version ? tlv(0x86, encodeVersion(p.ts102241Version)) : undefined,
    p.globalplatformVersion ? tlv(0x87, encodeVersion(p.globalplatformVersion)) : undefined,
    tlv(0x88, p.rspCapability),
    tlv(0xa9, p.verification.map((k) => tlv(0x04, k))),
    tlv(0xaa, p.signing.map((k) => tlv(0x04, k))),
    p.euiccCategory !== undefined ? int(0x8b, p.euiccCategory) : undefined,
    p.forbiddenProfilePolicyRules ? tlv(0x99, p.forbiddenProfilePolicyRules) : undefined,
    tlv(0x04, encodeVersion(p.ppVersion)),
    tlv(0x0c, Buffer.from(p.sasAcreditationNumber, 'utf8')),
  ]);
}

/* ------------------------------------------------ AuthenticateServer ------------------------------------------ */

export interface ServerSigned1 {
  raw: Buffer;
  transactionId: Buffer;
  euiccChallenge: Buffer;
  serverAddress: string;
  serverChallenge: Buffer;
}

/** ServerSigned1 ::= SEQUENCE { transactionId [0], euiccChallenge [1] Octet16, serverAddress [3] UTF8String, serverChallenge [4] Octet16 } */
export function decodeServerSigned1(input: Buffer): ServerSigned1 {
  const t = readOne(input, 0x30, 'ServerSigned1');
  const c = kids(t);
  return {
    raw: Buffer.from(t.raw),
    transactionId: Buffer.from(need(c, 0x80, 'transactionId').value),
    euiccChallenge: Buffer.from(need(c, 0x81, 'euiccChallenge').value),
    serverAddress: need(c, 0x83, 'serverAddress').value.toString('utf8'),
    serverChallenge: Buffer.from(need(c, 0x84, 'serverChallenge').value),
  };
}

export interface CtxParams {
  matchingId?: string;
  /** TAC, 4 bytes (8 hex digits). */
  tac: Buffer;
  /** DeviceCapabilities content (TLVs), default empty. */
  deviceCapabilities?: Buffer;
  /** IMEI, 8 bytes. */
  imei?: Buffer;
}

/**
 * EuiccSigned1 ::= SEQUENCE { transactionId [0], serverAddress [3], serverChallenge [4], euiccInfo2 [34], ctxParams1 CtxParams1 }
 * CtxParams1 ::= CHOICE { ctxParamsForCommonAuthentication [0] SEQUENCE { matchingId UTF8String OPTIONAL (80), deviceInfo DeviceInfo (A1) } }
 * DeviceInfo ::= SEQUENCE { tac Octet4 (80), deviceCapabilities DeviceCapabilities (A1), imei Octet8 OPTIONAL (82) }
 */
export function encodeEuiccSigned1(
  transactionId: Buffer,
  serverAddress: string,
  serverChallenge: Buffer,
  euiccInfo2: Buffer,
  ctx: CtxParams,
): Buffer {
  return tlv(0x30, [
    tlv(0x80, transactionId),
    tlv(0x83, Buffer.from(serverAddress, 'utf8')),
    tlv(0x84, serverChallenge),
    euiccInfo2,
    tlv(0xa0, [
      ctx.matchingId !== undefined ? tlv(0x80, Buffer.from(ctx.matchingId, 'utf8')) : undefined,
      tlv(0xa1, [
        tlv(0x80, ctx.tac),
        tlv(0xa1, ctx.deviceCapabilities ?? Buffer.alloc(0)),
        ctx.imei ? tlv(0x82, ctx.imei) : undefined,
      ]),
    ]),
  ]);
}

/** AuthenticateServerResponse ::= [56] CHOICE { authenticateResponseOk [0] SEQUENCE { euiccSigned1, euiccSignature1 [APPLICATION 55], euiccCertificate, eumCertificate }, … } */
export function encodeAuthenticateResponseOk(euiccSigned1: Buffer, sig: Buffer, euiccCert: Buffer, eumCert: Buffer): Buffer {
  return tlv(TAG.authenticateServerResponse, [tlv(0xa0, [euiccSigned1, tlv(TAG.signature, sig), euiccCert, eumCert])]);
}

/** authenticateResponseError [1] SEQUENCE { transactionId [0], authenticateErrorCode INTEGER (02: automatic tagging off) } */
export function encodeAuthenticateResponseError(transactionId: Buffer, code: number): Buffer {
  return tlv(TAG.authenticateServerResponse, [tlv(0xa1, [tlv(0x80, transactionId), int(0x02, code)])]);
}

/* ------------------------------------------------ PrepareDownload --------------------------------------------- */

export interface SmdpSigned2 {
  raw: Buffer;
  transactionId: Buffer;
  ccRequiredFlag: boolean;
  bppEuiccOtpk?: Buffer;
}

/** SmdpSigned2 ::= SEQUENCE { transactionId [0], ccRequiredFlag BOOLEAN (01), bppEuiccOtpk [APPLICATION 73] OPTIONAL } */
export function decodeSmdpSigned2(input: Buffer): SmdpSigned2 {
  const t = readOne(input, 0x30, 'SmdpSigned2');
  const c = kids(t);
  const flag = need(c, 0x01, 'ccRequiredFlag');
  if (flag.value.length !== 1) throw new Asn1Error('ccRequiredFlag: BOOLEAN of wrong length');
  const otpk = c.find((x) => x.tag === TAG.otpk);
  return {
    raw: Buffer.from(t.raw),
    transactionId: Buffer.from(need(c, 0x80, 'transactionId').value),
    ccRequiredFlag: flag.value[0] !== 0,
    bppEuiccOtpk: otpk ? Buffer.from(otpk.value) : undefined,
  };
}

/** EUICCSigned2 ::= SEQUENCE { transactionId [0], euiccOtpk [APPLICATION 73], hashCc Octet32 OPTIONAL (04) } */
export function encodeEuiccSigned2(transactionId: Buffer, euiccOtpk: Buffer, hashCc?: Buffer): Buffer {
  return tlv(0x30, [tlv(0x80, transactionId), tlv(TAG.otpk, euiccOtpk), hashCc ? tlv(0x04, hashCc) : undefined]);
}

/** PrepareDownloadResponse ::= [33] CHOICE { downloadResponseOk [0] SEQUENCE { euiccSigned2, euiccSignature2 [APPLICATION 55] }, downloadResponseError [1] … } */
export function encodePrepareDownloadOk(euiccSigned2: Buffer, sig: Buffer): Buffer {
  return tlv(TAG.prepareDownloadResponse, [tlv(0xa0, [euiccSigned2, tlv(TAG.signature, sig)])]);
}

/** downloadResponseError [1] SEQUENCE { transactionId [0], downloadErrorCode INTEGER (02) } */
export function encodePrepareDownloadError(transactionId: Buffer, code: number): Buffer {
  return tlv(TAG.prepareDownloadResponse, [tlv(0xa1, [tlv(0x80, transactionId), int(0x02, code)])]);
}

/* ------------------------------------------------ BPP --------------------------------------------------------- */

export interface NotificationConfiguration {
  events: NotificationEvent[];
  address: string;
}

export interface StoreMetadata {
  raw: Buffer;
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  /** test(0) provisioning(1) operational(2); DEFAULT operational. */
  profileClass: number;
  notificationConfigurationInfo: NotificationConfiguration[];
  profilePolicyRules?: number[];
}

/**
 * StoreMetadataRequest ::= [37] SEQUENCE { iccid Iccid (5A), serviceProviderName [17] (91), profileName [18] (92),
 *   iconType [19] OPT, icon [20] OPT, profileClass [21] DEFAULT operational (95),
 *   notificationConfigurationInfo [22] SEQUENCE OF NotificationConfigurationInformation OPT (B6 { 30 { 80 bits, 81 address } }),
 *   profileOwner [23] OPT, profilePolicyRules [25] PprIds OPT (99), … }
 */
export function decodeStoreMetadata(input: Buffer): StoreMetadata {
  const t = readOne(input, TAG.storeMetadata, 'StoreMetadataRequest');
  const c = kids(t);
  const cls = c.find((x) => x.tag === 0x95);
  const nci = c.find((x) => x.tag === 0xb6);
  const ppr = c.find((x) => x.tag === 0x99);
  return {
    raw: Buffer.from(t.raw),
    iccid: iccidFromEf(need(c, TAG.iccid, 'iccid').value),
    serviceProviderName: need(c, 0x91, 'serviceProviderName').value.toString('utf8'),
    profileName: need(c, 0x92, 'profileName').value.toString('utf8'),
    profileClass: cls ? decodeIntegerValue(cls.value) : 2,
    notificationConfigurationInfo: nci
      ? kids(nci).map((n) => {
          const nc = kids(n);
          return {
            events: decodeBits(need(nc, 0x80, 'profileManagementOperation').value).map((b) => NOTIFICATION_EVENT_BITS[b]).filter(Boolean),
            address: need(nc, 0x81, 'notificationAddress').value.toString('utf8'),
          };
        })
      : [],
    profilePolicyRules: ppr ? decodeBits(ppr.value) : undefined,
  };
}

/* ------------------------------------------------ Notifications ----------------------------------------------- */

/**
 * NotificationMetadata ::= [47] SEQUENCE { seqNumber [0] INTEGER, profileManagementOperation [1] NotificationEvent,
 *   notificationAddress UTF8String (0C), iccid Iccid OPTIONAL (5A) }
 */
export function encodeNotificationMetadata(seq: number, event: NotificationEvent, address: string, iccid?: string): Buffer {
  return tlv(TAG.notificationMetadata, [
    int(0x80, seq),
    tlv(0x81, encodeBits([NOTIFICATION_EVENT_BITS.indexOf(event)])),
    tlv(0x0c, Buffer.from(address, 'utf8')),
    iccid ? tlv(TAG.iccid, iccidToEf(iccid)) : undefined,
  ]);
}

export type FinalResult =
  | { success: true; aid: Buffer; simaResponse: Buffer }
  | { success: false; bppCommandId: number; errorReason: number; simaResponse?: Buffer };

/**
 * ProfileInstallationResultData ::= [39] SEQUENCE { transactionId [0], notificationMetadata [47], smdpOid OBJECT IDENTIFIER (06),
 *   finalResult [2] CHOICE { successResult [0] SEQUENCE { aid [APPLICATION 15] (4F), simaResponse OCTET STRING (04) },
 *                            errorResult [1] SEQUENCE { bppCommandId (80), errorReason (81), simaResponse OPT (82) } } }
 */
export function encodePirData(transactionId: Buffer, notificationMetadata: Buffer, smdpOid: string, r: FinalResult): Buffer {
  const result = r.success
    ? tlv(0xa0, [tlv(0x4f, r.aid), tlv(0x04, r.simaResponse)])
    : tlv(0xa1, [int(0x80, r.bppCommandId), int(0x81, r.errorReason), r.simaResponse ? tlv(0x82, r.simaResponse) : undefined]);
  return tlv(TAG.pirData, [tlv(0x80, transactionId), notificationMetadata, tlv(0x06, encodeOidValue(smdpOid)), tlv(0xa2, [result])]);
}

/** ProfileInstallationResult ::= [55] SEQUENCE { profileInstallationResultData [39], euiccSignPIR [APPLICATION 55] } */
export function encodePir(pirData: Buffer, sig: Buffer): Buffer {
  return tlv(TAG.profileInstallationResult, [pirData, tlv(TAG.signature, sig)]);
}

/** OtherSignedNotification ::= SEQUENCE { tbsOtherNotification NotificationMetadata, euiccNotificationSignature [APPLICATION 55], euiccCertificate, eumCertificate } */
export function encodeOtherSignedNotification(tbs: Buffer, sig: Buffer, euiccCert: Buffer, eumCert: Buffer): Buffer {
  return tlv(0x30, [tbs, tlv(TAG.signature, sig), euiccCert, eumCert]);
}

/* ------------------------------------------------ CancelSession ----------------------------------------------- */

/** EuiccCancelSessionSigned ::= SEQUENCE { transactionId (80), smdpOid (81), reason (82) } — automatic tags */
export function encodeEuiccCancelSessionSigned(transactionId: Buffer, smdpOid: string, reason: number): Buffer {
  return tlv(0x30, [tlv(0x80, transactionId), tlv(0x81, encodeOidValue(smdpOid)), int(0x82, reason)]);
}

/** CancelSessionResponse ::= [65] CHOICE { cancelSessionResponseOk [0] SEQUENCE { euiccCancelSessionSigned, euiccCancelSessionSignature [APPLICATION 55] }, cancelSessionResponseError [1] INTEGER } */
export function encodeCancelSessionOk(signed: Buffer, sig: Buffer): Buffer {
  return tlv(TAG.cancelSessionResponse, [tlv(0xa0, [signed, tlv(TAG.signature, sig)])]);
}

export function encodeCancelSessionError(code: number): Buffer {
  return tlv(TAG.cancelSessionResponse, [int(0x81, code)]);
}

/* ------------------------------------------------ UPP header -------------------------------------------------- */

export interface UppHeader {
  iccid: string;
  profileType?: string;
  majorVersion: number;
  minorVersion: number;
}

/**
 * The first ProfileElement of an unprotected profile package must be the header (TCA IP):
 *   ProfileElement ::= CHOICE { header [0] ProfileHeader, … }   -- A0
 *   ProfileHeader ::= SEQUENCE { major-version UInt8 (80), minor-version UInt8 (81), profileType UTF8String OPT (82),
 *                                iccid OCTET STRING (SIZE(10)) (83), … }
 * Private until src/saip exports readProfileHeader.
 */
export function readUppHeader(upp: Buffer): UppHeader {
  const first = readOne(upp, 0xa0, 'ProfileElement header');
  const c = kids(first);
  const iccid = need(c, 0x83, 'ProfileHeader.iccid');
  if (iccid.value.length !== 10) throw new Asn1Error('ProfileHeader.iccid is not 10 bytes');
  const pt = c.find((x) => x.tag === 0x82);
  return {
    iccid: iccidFromHeader(iccid.value),
    profileType: pt?.value.toString('utf8'),
    majorVersion: decodeIntegerValue(need(c, 0x80, 'major-version').value),
    minorVersion: decodeIntegerValue(need(c, 0x81, 'minor-version').value),
  };
}

/** Walks every top-level ProfileElement of a UPP (throws Asn1Error if the TLV framing is broken). */
export function countProfileElements(upp: Buffer): number {
  return readAll(upp).length;
}
