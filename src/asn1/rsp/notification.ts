/**
 * Notifications — SGP.22 §5.6.4 (ES9+.HandleNotification), §5.7.9 (PendingNotification), §5.7.10
 * (ProfileInstallationResult); digest §2.4, §6.3.
 *
 * ```asn1
 * PendingNotification ::= CHOICE {
 *   profileInstallationResult [55] ProfileInstallationResult,        -- BF37
 *   otherSignedNotification OtherSignedNotification }                -- 30 (untagged: a tagged alternative exists)
 * ProfileInstallationResult ::= [55] SEQUENCE {                      -- BF37
 *   profileInstallationResultData [39] ProfileInstallationResultData,  -- BF27 (signed, tag+length included)
 *   euiccSignPIR EuiccSignPIR }                                      -- 5F37
 * ProfileInstallationResultData ::= [39] SEQUENCE {                  -- BF27
 *   transactionId [0] TransactionId,                                 -- 80
 *   notificationMetadata [47] NotificationMetadata,                  -- BF2F
 *   smdpOid OBJECT IDENTIFIER,                                       -- 06 (OPTIONAL in v2.0/2.1)
 *   finalResult [2] CHOICE {                                         -- A2
 *     successResult SuccessResult,                                   -- A0
 *     errorResult ErrorResult } }                                    -- A1
 * SuccessResult ::= SEQUENCE {
 *   aid [APPLICATION 15] OCTET STRING (SIZE(5..16)),                 -- 4F (ISD-P AID)
 *   simaResponse OCTET STRING }                                      -- 04 (EUICCResponse DER list)
 * ErrorResult ::= SEQUENCE {                                         -- automatic tags
 *   bppCommandId BppCommandId,                                       -- 80
 *   errorReason ErrorReason,                                         -- 81
 *   simaResponse OCTET STRING OPTIONAL }                             -- 82
 * NotificationMetadata ::= [47] SEQUENCE {                           -- BF2F
 *   seqNumber [0] INTEGER,                                           -- 80
 *   profileManagementOperation [1] NotificationEvent,                -- 81 BIT STRING
 *   notificationAddress UTF8String,                                  -- 0C
 *   iccid Iccid OPTIONAL }                                           -- 5A
 * NotificationEvent ::= BIT STRING { notificationInstall(0), notificationEnable(1),
 *                                    notificationDisable(2), notificationDelete(3) }
 * OtherSignedNotification ::= SEQUENCE {                             -- 30
 *   tbsOtherNotification NotificationMetadata,                       -- BF2F (signed, tag+length included)
 *   euiccNotificationSignature [APPLICATION 55] OCTET STRING,        -- 5F37
 *   euiccCertificate Certificate,                                    -- 30
 *   eumCertificate Certificate }                                     -- 30
 * BppCommandId ::= INTEGER {initialiseSecureChannel(0), configureISDP(1), storeMetadata(2),
 *                           storeMetadata2(3), replaceSessionKeys(4), loadProfileElements(5)}
 * ErrorReason ::= INTEGER {incorrectInputValues(1), invalidSignature(2), invalidTransactionId(3),
 *   unsupportedCrtValues(4), unsupportedRemoteOperationType(5), unsupportedProfileClass(6),
 *   scp03tStructureError(7), scp03tSecurityError(8), installFailedDueToIccidAlreadyExistsOnEuicc(9),
 *   installFailedDueToInsufficientMemoryForProfile(10), installFailedDueToInterruption(11),
 *   installFailedDueToPEProcessingError(12), installFailedDueToDataMismatch(13),
 *   testProfileInstallFailedDueToInvalidNaaKey(14), pprNotAllowed(15),
 *   installFailedDueToInsufficientMinimumSecurityLevel(31),
 *   installFailedDueToServerAddressAbsentInEuiccAllowList(32), installFailedDueToUnknownError(127)}
 * ```
 */
import { Asn1Error, Tlv, encodeIntegerValue, encodeOidValue, hexTag, readTlv, tlv } from '../tlv';
import {
  TAG_ICCID,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
  TAG_SIGNATURE,
  TAG_UTF8,
  bytesOf,
  iccidOf,
  checkTag,
  decodeTop,
  encodeNamedBits,
  integer,
  kids,
  mandatory,
  namedBits,
  octets,
  oid,
  opt,
  req,
  signature,
  transactionId,
  unknownRaw,
  utf8,
  within,
} from './common';
import { iccidToEf } from './iccid';

export const TAG_PROFILE_INSTALLATION_RESULT = 0xbf37;
export const TAG_PROFILE_INSTALLATION_RESULT_DATA = 0xbf27;
export const TAG_NOTIFICATION_METADATA = 0xbf2f;

/** NotificationEvent named bits (index = bit number). */
export const NOTIFICATION_EVENT_BITS = [
  'notificationInstall',
  'notificationEnable',
  'notificationDisable',
  'notificationDelete',
] as const;
export type NotificationEventName = (typeof NOTIFICATION_EVENT_BITS)[number];

export const BppCommandId = {
  initialiseSecureChannel: 0,
  configureISDP: 1,
  storeMetadata: 2,
  storeMetadata2: 3,
  replaceSessionKeys: 4,
  loadProfileElements: 5,
} as const;

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
  installFailedDueToInsufficientMinimumSecurityLevel: 31,
  installFailedDueToServerAddressAbsentInEuiccAllowList: 32,
  installFailedDueToUnknownError: 127,
} as const;

/* ---------------------------------------------- NotificationMetadata ------------------------------------------- */

export interface NotificationMetadata {
  seqNumber: number;
  /** NotificationEvent names (exactly one is set in practice). */
  profileManagementOperation: string[];
  notificationAddress: string;
  /** ICCID digits (tag 5A carries the EF coding). */
  iccid?: string;
  extensions?: Buffer[];
}

export interface DecodedNotificationMetadata extends NotificationMetadata {
  /** The BF2F TLV as received (for OtherSignedNotification: what the signature covers). */
  raw: Buffer;
  extensions: Buffer[];
}

export function encodeNotificationMetadata(m: NotificationMetadata): Buffer {
  return within('NotificationMetadata', () =>
    tlv(TAG_NOTIFICATION_METADATA, [
      tlv(0x80, encodeIntegerValue(mandatory(m.seqNumber, 'seqNumber'))),
      encodeNamedBits(0x81, m.profileManagementOperation, NOTIFICATION_EVENT_BITS, 'profileManagementOperation'),
      tlv(TAG_UTF8, Buffer.from(mandatory(m.notificationAddress, 'notificationAddress'), 'utf8')),
      m.iccid === undefined ? undefined : tlv(TAG_ICCID, iccidToEf(m.iccid)),
      ...(m.extensions ?? []),
    ]),
  );
}

export function decodeNotificationMetadata(input: Buffer): DecodedNotificationMetadata {
  return decodeTop(input, TAG_NOTIFICATION_METADATA, 'NotificationMetadata', (t) => decodeNotificationMetadataTlv(t));
}

function decodeNotificationMetadataTlv(t: Tlv): DecodedNotificationMetadata {
  return within('notificationMetadata', () => {
    checkTag(t, TAG_NOTIFICATION_METADATA, 'notificationMetadata');
    const c = kids(t, 'notificationMetadata');
    const out: DecodedNotificationMetadata = {
      raw: Buffer.from(t.raw),
      seqNumber: integer(req(c, 0x80, 'seqNumber'), 'seqNumber'),
      profileManagementOperation: namedBits(
        req(c, 0x81, 'profileManagementOperation'),
        'profileManagementOperation',
        NOTIFICATION_EVENT_BITS,
      ),
      notificationAddress: utf8(req(c, TAG_UTF8, 'notificationAddress'), 'notificationAddress'),
      extensions: unknownRaw(c, [0x80, 0x81, TAG_UTF8, TAG_ICCID]),
    };
    const iccid = opt(c, TAG_ICCID);
    if (iccid) out.iccid = iccidOf(iccid);
    return out;
  });
}

/* ------------------------------------------- ProfileInstallationResult ----------------------------------------- */

export interface SuccessResult {
  /** ISD-P AID (5..16 bytes). */
  aid: Buffer;
  simaResponse: Buffer;
}

export interface ErrorResult {
  bppCommandId: number;
  errorReason: number;
  simaResponse?: Buffer;
}

export type FinalResult = { successResult: SuccessResult; errorResult?: undefined } | { successResult?: undefined; errorResult: ErrorResult };

export interface ProfileInstallationResultData {
  transactionId: Buffer;
  /** Encoded BF2F bytes or the fields. */
  notificationMetadata: Buffer | NotificationMetadata;
  /** Dotted OID of the SM-DP+ (SAN registeredID of CERT.DPpb); mandatory from v2.2. */
  smdpOid?: string;
  finalResult: FinalResult;
}

export interface DecodedProfileInstallationResult {
  /** The BF37 TLV as received. */
  raw: Buffer;
  /** The BF27 TLV as received, tag and length included: what euiccSignPIR covers (SGP.22 §5.7.10). */
  profileInstallationResultDataRaw: Buffer;
  transactionId: Buffer;
  notificationMetadata: DecodedNotificationMetadata;
  smdpOid?: string;
  finalResult: FinalResult;
  euiccSignPIR: Buffer;
}

/** DER profileInstallationResultData (BF27): the bytes the test eUICC signs. */
export function encodeProfileInstallationResultData(d: ProfileInstallationResultData): Buffer {
  return within('profileInstallationResultData', () => {
    const md = mandatory(d.notificationMetadata, 'notificationMetadata');
    const fr = mandatory(d.finalResult, 'finalResult');
    let result: Buffer;
    if (fr.successResult) {
      result = tlv(0xa0, [
        tlv(0x4f, bytesOf(mandatory(fr.successResult.aid, 'aid'), 'aid', [5, 16])),
        tlv(TAG_OCTET_STRING, bytesOf(mandatory(fr.successResult.simaResponse, 'simaResponse'), 'simaResponse')),
      ]);
    } else {
      const e = mandatory(fr.errorResult, 'successResult or errorResult');
      result = tlv(0xa1, [
        tlv(0x80, encodeIntegerValue(mandatory(e.bppCommandId, 'bppCommandId'))),
        tlv(0x81, encodeIntegerValue(mandatory(e.errorReason, 'errorReason'))),
        e.simaResponse === undefined ? undefined : tlv(0x82, bytesOf(e.simaResponse, 'simaResponse')),
      ]);
    }
    return tlv(TAG_PROFILE_INSTALLATION_RESULT_DATA, [
      tlv(0x80, bytesOf(mandatory(d.transactionId, 'transactionId'), 'transactionId', [1, 16])),
      Buffer.isBuffer(md) ? md : encodeNotificationMetadata(md),
      d.smdpOid === undefined ? undefined : tlv(TAG_OID, encodeOidValue(d.smdpOid)),
      tlv(0xa2, [result]),
    ]);
  });
}

/** ProfileInstallationResult (BF37) from the signed data (already encoded) and its signature. */
export function encodeProfileInstallationResult(r: {
  profileInstallationResultData: Buffer;
  euiccSignPIR: Buffer;
}): Buffer {
  return within('ProfileInstallationResult', () =>
    tlv(TAG_PROFILE_INSTALLATION_RESULT, [
      bytesOf(mandatory(r.profileInstallationResultData, 'profileInstallationResultData'), 'profileInstallationResultData'),
      tlv(TAG_SIGNATURE, bytesOf(mandatory(r.euiccSignPIR, 'euiccSignPIR'), 'euiccSignPIR')),
    ]),
  );
}

function decodeFinalResult(t: Tlv): FinalResult {
  return within('finalResult', () => {
    const [alt] = kids(t, 'finalResult');
    if (!alt) throw new Asn1Error('empty CHOICE');
    if (alt.tag === 0xa0) {
      return within('successResult', () => {
        const c = kids(alt, 'successResult');
        return {
          successResult: {
            aid: octets(req(c, 0x4f, 'aid'), 'aid', [5, 16]),
            simaResponse: octets(req(c, TAG_OCTET_STRING, 'simaResponse'), 'simaResponse'),
          },
        };
      });
    }
    if (alt.tag === 0xa1) {
      return within('errorResult', () => {
        const c = kids(alt, 'errorResult');
        const e: ErrorResult = {
          bppCommandId: integer(req(c, 0x80, 'bppCommandId'), 'bppCommandId'),
          errorReason: integer(req(c, 0x81, 'errorReason'), 'errorReason'),
        };
        const s = opt(c, 0x82);
        if (s) e.simaResponse = octets(s, 'simaResponse');
        return { errorResult: e };
      });
    }
    throw new Asn1Error(`unknown CHOICE alternative ${hexTag(alt.tag)}`);
  });
}

function decodeProfileInstallationResultTlv(t: Tlv): DecodedProfileInstallationResult {
  const c = kids(t, 'ProfileInstallationResult');
  const data = req(c, TAG_PROFILE_INSTALLATION_RESULT_DATA, 'profileInstallationResultData');
  const sig = req(c, TAG_SIGNATURE, 'euiccSignPIR');
  return within('profileInstallationResultData', () => {
    const d = kids(data, 'profileInstallationResultData');
    const o = opt(d, TAG_OID);
    const out: DecodedProfileInstallationResult = {
      raw: Buffer.from(t.raw),
      profileInstallationResultDataRaw: Buffer.from(data.raw),
      transactionId: transactionId(req(d, 0x80, 'transactionId')),
      notificationMetadata: decodeNotificationMetadataTlv(req(d, TAG_NOTIFICATION_METADATA, 'notificationMetadata')),
      finalResult: decodeFinalResult(req(d, 0xa2, 'finalResult')),
      euiccSignPIR: signature(sig, 'euiccSignPIR'),
    };
    if (o) out.smdpOid = oid(o, 'smdpOid');
    return out;
  });
}

export function decodeProfileInstallationResult(input: Buffer): DecodedProfileInstallationResult {
  return decodeTop(input, TAG_PROFILE_INSTALLATION_RESULT, 'ProfileInstallationResult', (t) =>
    decodeProfileInstallationResultTlv(t),
  );
}

/* -------------------------------------------- OtherSignedNotification ------------------------------------------ */

export interface DecodedOtherSignedNotification {
  /** The 30 TLV as received. */
  raw: Buffer;
  tbsOtherNotification: DecodedNotificationMetadata;
  /** = tbsOtherNotification.raw: the BF2F bytes (incl. tag+length) euiccNotificationSignature covers. */
  tbsRaw: Buffer;
  euiccNotificationSignature: Buffer;
  euiccCertificate: Buffer;
  eumCertificate: Buffer;
}

export function encodeOtherSignedNotification(n: {
  /** Encoded BF2F bytes (what was signed). */
  tbsOtherNotification: Buffer;
  euiccNotificationSignature: Buffer;
  euiccCertificate: Buffer;
  eumCertificate: Buffer;
}): Buffer {
  return within('OtherSignedNotification', () =>
    tlv(TAG_SEQUENCE, [
      bytesOf(mandatory(n.tbsOtherNotification, 'tbsOtherNotification'), 'tbsOtherNotification'),
      tlv(TAG_SIGNATURE, bytesOf(mandatory(n.euiccNotificationSignature, 'euiccNotificationSignature'), 'euiccNotificationSignature')),
      bytesOf(mandatory(n.euiccCertificate, 'euiccCertificate'), 'euiccCertificate'),
      bytesOf(mandatory(n.eumCertificate, 'eumCertificate'), 'eumCertificate'),
    ]),
  );
}

function decodeOtherSignedNotificationTlv(t: Tlv): DecodedOtherSignedNotification {
  const c = kids(t, 'OtherSignedNotification');
  const tbs = decodeNotificationMetadataTlv(req(c, TAG_NOTIFICATION_METADATA, 'tbsOtherNotification'));
  const sig = req(c, TAG_SIGNATURE, 'euiccNotificationSignature');
  const certs = c.filter((x) => x.tag === TAG_SEQUENCE);
  if (certs.length < 1) throw new Asn1Error('euiccCertificate (tag 30) is missing');
  if (certs.length < 2) throw new Asn1Error('eumCertificate (tag 30) is missing');
  for (const [i, what] of ['euiccCertificate', 'eumCertificate'].entries()) {
    if (!certs[i].constructed) throw new Asn1Error(`${what}: not constructed`);
  }
  return {
    raw: Buffer.from(t.raw),
    tbsOtherNotification: tbs,
    tbsRaw: tbs.raw,
    euiccNotificationSignature: signature(sig, 'euiccNotificationSignature'),
    euiccCertificate: Buffer.from(certs[0].raw),
    eumCertificate: Buffer.from(certs[1].raw),
  };
}

export function decodeOtherSignedNotification(input: Buffer): DecodedOtherSignedNotification {
  return decodeTop(input, TAG_SEQUENCE, 'OtherSignedNotification', (t) => decodeOtherSignedNotificationTlv(t));
}

/* ---------------------------------------------- PendingNotification -------------------------------------------- */

export type PendingNotification =
  | {
      type: 'profileInstallationResult';
      profileInstallationResult: DecodedProfileInstallationResult;
      otherSignedNotification?: undefined;
    }
  | {
      type: 'otherSignedNotification';
      profileInstallationResult?: undefined;
      otherSignedNotification: DecodedOtherSignedNotification;
    };

/** PendingNotification CHOICE: BF37 → profileInstallationResult, 30 → otherSignedNotification. */
export function decodePendingNotification(input: Buffer): PendingNotification {
  return within('PendingNotification', () => {
    if (!Buffer.isBuffer(input) || input.length === 0) throw new Asn1Error('empty input');
    const first = readTlv(input, 0).tag;
    if (first === TAG_PROFILE_INSTALLATION_RESULT) {
      return { type: 'profileInstallationResult', profileInstallationResult: decodeProfileInstallationResult(input) };
    }
    if (first === TAG_SEQUENCE) {
      return { type: 'otherSignedNotification', otherSignedNotification: decodeOtherSignedNotification(input) };
    }
    throw new Asn1Error(`expected tag BF37 or 30, got ${first.toString(16).toUpperCase()}`);
  });
}
