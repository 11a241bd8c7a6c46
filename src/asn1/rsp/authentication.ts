/**
 * Common mutual authentication — SGP.22 §3.1.2, §5.6.1 (InitiateAuthentication), §5.6.3 (AuthenticateClient),
 * §5.7.13 (ES10b.AuthenticateServer); digest §2.0–§2.2.
 *
 * ```asn1
 * ServerSigned1 ::= SEQUENCE {                       -- 30
 *   transactionId [0] TransactionId,                 -- 80
 *   euiccChallenge [1] Octet16,                      -- 81
 *   serverAddress [3] UTF8String,                    -- 83
 *   serverChallenge [4] Octet16 }                    -- 84   (v3 appends sessionContext: kept raw)
 *
 * AuthenticateServerRequest ::= [56] SEQUENCE {      -- BF38 (ES10b, LPA → eUICC)
 *   serverSigned1 ServerSigned1,                     -- 30
 *   serverSignature1 [APPLICATION 55] OCTET STRING,  -- 5F37
 *   euiccCiPKIdToBeUsed SubjectKeyIdentifier,        -- 04
 *   serverCertificate Certificate,                   -- 30
 *   ctxParams1 CtxParams1 }                          -- A0
 *
 * CtxParams1 ::= CHOICE { ctxParamsForCommonAuthentication CtxParamsForCommonAuthentication }   -- A0
 * CtxParamsForCommonAuthentication ::= SEQUENCE {
 *   matchingId UTF8String OPTIONAL,                  -- 80 (AC_Token, EventID or empty)
 *   deviceInfo DeviceInfo }                          -- A1
 * DeviceInfo ::= SEQUENCE {
 *   tac Octet4,                                      -- 80 (Octet8 in v2.0/2.1 ASN.1; 4 bytes sent in practice)
 *   deviceCapabilities DeviceCapabilities,           -- A1 (kept raw)
 *   imei Octet8 OPTIONAL }                           -- 82
 *
 * AuthenticateServerResponse ::= [56] CHOICE {       -- BF38
 *   authenticateResponseOk AuthenticateResponseOk,   -- A0
 *   authenticateResponseError AuthenticateResponseError }  -- A1
 * AuthenticateResponseOk ::= SEQUENCE {
 *   euiccSigned1 EuiccSigned1,                       -- 30  (signed: euiccSignature1 covers these exact bytes)
 *   euiccSignature1 [APPLICATION 55] OCTET STRING,   -- 5F37 40 r‖s
 *   euiccCertificate Certificate,                    -- 30 (CERT.EUICC.ECDSA)
 *   eumCertificate Certificate }                     -- 30 (CERT.EUM.ECDSA)
 * EuiccSigned1 ::= SEQUENCE {
 *   transactionId [0] TransactionId,                 -- 80
 *   serverAddress [3] UTF8String,                    -- 83
 *   serverChallenge [4] Octet16,                     -- 84
 *   euiccInfo2 [34] EUICCInfo2,                      -- BF22
 *   ctxParams1 CtxParams1 }                          -- A0
 * AuthenticateResponseError ::= SEQUENCE {
 *   transactionId [0] TransactionId,                 -- 80
 *   authenticateErrorCode AuthenticateErrorCode }    -- 02 (automatic tagging is off: one component is tagged)
 * AuthenticateErrorCode ::= INTEGER {invalidCertificate(1), invalidSignature(2), unsupportedCurve(3),
 *   noSessionContext(4), invalidOid(5), euiccChallengeMismatch(6), ciPKUnknown(7), undefinedError(127)}
 *
 * SmdpSigned2 ::= SEQUENCE {                         -- 30
 *   transactionId [0] TransactionId,                 -- 80
 *   ccRequiredFlag BOOLEAN,                          -- 01
 *   bppEuiccOtpk [APPLICATION 73] OCTET STRING OPTIONAL }  -- 5F49
 * ```
 */
import { Asn1Error, Tlv, encodeIntegerValue, encodeBooleanValue, hexTag, tlv } from '../tlv';
import {
  TAG_BOOLEAN,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OTPK,
  TAG_SEQUENCE,
  TAG_SIGNATURE,
  boolean,
  bytesOf,
  checkTag,
  decodeTop,
  integer,
  kids,
  mandatory,
  octets,
  opt,
  req,
  signature,
  transactionId,
  unknownRaw,
  utf8,
  within,
} from './common';
import { DecodedEUICCInfo2, EUICCInfo2, TAG_EUICC_INFO2, decodeEUICCInfo2Tlv, encodeEUICCInfo2 } from './euicc-info';

export const TAG_AUTHENTICATE_SERVER = 0xbf38;

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

/* ------------------------------------------------ ServerSigned1 ------------------------------------------------ */

export interface ServerSigned1 {
  transactionId: Buffer;
  euiccChallenge: Buffer;
  serverAddress: string;
  serverChallenge: Buffer;
  /** Unknown components (v3 sessionContext …), raw, appended in order when encoding. */
  extensions?: Buffer[];
}

export interface DecodedServerSigned1 extends ServerSigned1 {
  /** The 30 … TLV exactly as received: what serverSignature1 covers. */
  raw: Buffer;
  extensions: Buffer[];
}

export function encodeServerSigned1(s: ServerSigned1): Buffer {
  return within('ServerSigned1', () =>
    tlv(TAG_SEQUENCE, [
      tlv(0x80, bytesOf(mandatory(s.transactionId, 'transactionId'), 'transactionId', [1, 16])),
      tlv(0x81, bytesOf(mandatory(s.euiccChallenge, 'euiccChallenge'), 'euiccChallenge', 16)),
      tlv(0x83, Buffer.from(mandatory(s.serverAddress, 'serverAddress'), 'utf8')),
      tlv(0x84, bytesOf(mandatory(s.serverChallenge, 'serverChallenge'), 'serverChallenge', 16)),
      ...(s.extensions ?? []),
    ]),
  );
}

export function decodeServerSigned1(input: Buffer): DecodedServerSigned1 {
  return decodeTop(input, TAG_SEQUENCE, 'ServerSigned1', (t) => decodeServerSigned1Tlv(t));
}

function decodeServerSigned1Tlv(t: Tlv): DecodedServerSigned1 {
  const c = kids(t, 'ServerSigned1');
  return {
    raw: Buffer.from(t.raw),
    transactionId: transactionId(req(c, 0x80, 'transactionId')),
    euiccChallenge: octets(req(c, 0x81, 'euiccChallenge'), 'euiccChallenge', 16),
    serverAddress: utf8(req(c, 0x83, 'serverAddress'), 'serverAddress'),
    serverChallenge: octets(req(c, 0x84, 'serverChallenge'), 'serverChallenge', 16),
    extensions: unknownRaw(c, [0x80, 0x81, 0x83, 0x84]),
  };
}

/* -------------------------------------------------- CtxParams1 ------------------------------------------------- */

export interface DeviceInfo {
  /** Type Allocation Code, 4 bytes (up to 8 accepted: the v2.0 ASN.1 said Octet8). */
  tac: Buffer;
  /** Content of DeviceCapabilities (the TLVs inside A1); empty Buffer for none. */
  deviceCapabilities: Buffer;
  imei?: Buffer;
}

export interface CtxParams1 {
  /** AC_Token / EventID; absent or "" for the default SM-DP+ use case. */
  matchingId?: string;
  deviceInfo: DeviceInfo;
}

export interface DecodedDeviceInfo extends DeviceInfo {
  /** The A1 DeviceCapabilities TLV as received. */
  deviceCapabilitiesRaw: Buffer;
  extensions: Buffer[];
}

export interface DecodedCtxParams1 {
  raw: Buffer;
  matchingId?: string;
  deviceInfo: DecodedDeviceInfo;
}

/** CtxParams1 (A0 ctxParamsForCommonAuthentication), as the LPA builds it. */
export function encodeCtxParams1(p: CtxParams1): Buffer {
  return within('ctxParams1', () => {
    const d = mandatory(p.deviceInfo, 'deviceInfo');
    return tlv(0xa0, [
      p.matchingId === undefined ? undefined : tlv(0x80, Buffer.from(p.matchingId, 'utf8')),
      tlv(0xa1, [
        tlv(0x80, bytesOf(mandatory(d.tac, 'tac'), 'tac', [4, 8])),
        tlv(0xa1, d.deviceCapabilities ?? Buffer.alloc(0)),
        d.imei === undefined ? undefined : tlv(0x82, bytesOf(d.imei, 'imei', 8)),
      ]),
    ]);
  });
}

export function decodeCtxParams1Tlv(t: Tlv): DecodedCtxParams1 {
  return within('ctxParams1', () => {
    if (t.tag !== 0xa0) {
      throw new Asn1Error(`unsupported alternative ${hexTag(t.tag)} (only ctxParamsForCommonAuthentication A0)`);
    }
    const c = kids(t, 'ctxParamsForCommonAuthentication');
    const m = opt(c, 0x80);
    const di = req(c, 0xa1, 'deviceInfo');
    const d = kids(di, 'deviceInfo');
    const caps = req(d, 0xa1, 'deviceInfo.deviceCapabilities');
    if (!caps.constructed) throw new Asn1Error('deviceInfo.deviceCapabilities: not constructed');
    const imei = opt(d, 0x82);
    const deviceInfo: DecodedDeviceInfo = {
      tac: octets(req(d, 0x80, 'deviceInfo.tac'), 'deviceInfo.tac', [4, 8]),
      deviceCapabilities: Buffer.from(caps.value),
      deviceCapabilitiesRaw: Buffer.from(caps.raw),
      extensions: unknownRaw(d, [0x80, 0xa1, 0x82]),
    };
    if (imei) deviceInfo.imei = octets(imei, 'deviceInfo.imei', 8);
    const out: DecodedCtxParams1 = { raw: Buffer.from(t.raw), deviceInfo };
    if (m) out.matchingId = utf8(m, 'matchingId');
    return out;
  });
}

/* ------------------------------------------------- EuiccSigned1 ------------------------------------------------ */

export interface EuiccSigned1 {
  transactionId: Buffer;
  serverAddress: string;
  serverChallenge: Buffer;
  /** Encoded BF22 bytes, or the fields to encode. */
  euiccInfo2: Buffer | EUICCInfo2;
  /** Encoded A0 bytes (as received from the LPA), or the fields to encode. */
  ctxParams1: Buffer | CtxParams1;
}

export interface DecodedEuiccSigned1 {
  /** The 30 … TLV exactly as received: what euiccSignature1 covers. */
  raw: Buffer;
  transactionId: Buffer;
  serverAddress: string;
  serverChallenge: Buffer;
  /** Decoded, with `raw` = the BF22 bytes as received. */
  euiccInfo2: DecodedEUICCInfo2;
  ctxParams1: DecodedCtxParams1;
  extensions: Buffer[];
}

/** DER euiccSigned1 (the bytes the test eUICC signs). */
export function encodeEuiccSigned1(s: EuiccSigned1): Buffer {
  return within('euiccSigned1', () => {
    const info2 = mandatory(s.euiccInfo2, 'euiccInfo2');
    const ctx = mandatory(s.ctxParams1, 'ctxParams1');
    return tlv(TAG_SEQUENCE, [
      tlv(0x80, bytesOf(mandatory(s.transactionId, 'transactionId'), 'transactionId', [1, 16])),
      tlv(0x83, Buffer.from(mandatory(s.serverAddress, 'serverAddress'), 'utf8')),
      tlv(0x84, bytesOf(mandatory(s.serverChallenge, 'serverChallenge'), 'serverChallenge', 16)),
      Buffer.isBuffer(info2) ? info2 : encodeEUICCInfo2(info2),
      Buffer.isBuffer(ctx) ? ctx : encodeCtxParams1(ctx),
    ]);
  });
}

function decodeEuiccSigned1Tlv(t: Tlv): DecodedEuiccSigned1 {
  return within('euiccSigned1', () => {
    checkTag(t, TAG_SEQUENCE, 'euiccSigned1');
    const c = kids(t, 'euiccSigned1');
    const ctx = c.find((x) => x.tag === 0xa0 || x.tag === 0xa1 || x.tag === 0xa2);
    if (!ctx) throw new Asn1Error('ctxParams1 (tag A0) is missing');
    return {
      raw: Buffer.from(t.raw),
      transactionId: transactionId(req(c, 0x80, 'transactionId')),
      serverAddress: utf8(req(c, 0x83, 'serverAddress'), 'serverAddress'),
      serverChallenge: octets(req(c, 0x84, 'serverChallenge'), 'serverChallenge', 16),
      euiccInfo2: within('euiccInfo2', () => decodeEUICCInfo2Tlv(req(c, TAG_EUICC_INFO2, 'euiccInfo2'))),
      ctxParams1: decodeCtxParams1Tlv(ctx),
      extensions: unknownRaw(c, [0x80, 0x83, 0x84, TAG_EUICC_INFO2, ctx.tag]),
    };
  });
}

/* ------------------------------------------ AuthenticateServerResponse ------------------------------------------ */

export interface AuthenticateResponseOk {
  euiccSigned1: DecodedEuiccSigned1;
  /** = euiccSigned1.raw: the exact bytes euiccSignature1 covers. */
  euiccSigned1Raw: Buffer;
  /** r‖s (64 bytes for P-256 / brainpoolP256r1). */
  euiccSignature1: Buffer;
  /** The 5F37 DO as received: smdpSignature2 covers DER(smdpSigned2) ‖ this (SGP.22 §5.6.3). */
  euiccSignature1Raw: Buffer;
  /** CERT.EUICC.ECDSA, DER. */
  euiccCertificate: Buffer;
  /** CERT.EUM.ECDSA, DER. */
  eumCertificate: Buffer;
}

export interface AuthenticateResponseError {
  transactionId: Buffer;
  authenticateErrorCode: number;
}

export type AuthenticateServerResponse =
  | { raw: Buffer; ok: AuthenticateResponseOk; error?: undefined }
  | { raw: Buffer; ok?: undefined; error: AuthenticateResponseError };

function certificate(t: Tlv | undefined, what: string): Buffer {
  if (!t) throw new Asn1Error(`${what} (tag 30) is missing`);
  checkTag(t, TAG_SEQUENCE, what);
  if (!t.constructed) throw new Asn1Error(`${what}: not constructed`);
  return Buffer.from(t.raw);
}

export function decodeAuthenticateServerResponse(input: Buffer): AuthenticateServerResponse {
  return decodeTop(input, TAG_AUTHENTICATE_SERVER, 'AuthenticateServerResponse', (t) => {
    const [alt] = kids(t, 'AuthenticateServerResponse');
    if (!alt) throw new Asn1Error('empty CHOICE');
    if (alt.tag === 0xa0) {
      return within('authenticateResponseOk', () => {
        const c = kids(alt, 'authenticateResponseOk');
        const signed1 = decodeEuiccSigned1Tlv(c[0] ?? missing('euiccSigned1', 0x30));
        const sig = c[1];
        if (!sig || sig.tag !== TAG_SIGNATURE) throw new Asn1Error('euiccSignature1 (tag 5F37) is missing');
        return {
          raw: Buffer.from(t.raw),
          ok: {
            euiccSigned1: signed1,
            euiccSigned1Raw: signed1.raw,
            euiccSignature1: signature(sig, 'euiccSignature1'),
            euiccSignature1Raw: Buffer.from(sig.raw),
            euiccCertificate: certificate(c[2], 'euiccCertificate'),
            eumCertificate: certificate(c[3], 'eumCertificate'),
          },
        };
      });
    }
    if (alt.tag === 0xa1) {
      return within('authenticateResponseError', () => {
        const c = kids(alt, 'authenticateResponseError');
        return {
          raw: Buffer.from(t.raw),
          error: {
            transactionId: transactionId(req(c, 0x80, 'transactionId')),
            authenticateErrorCode: integer(req(c, TAG_INTEGER, 'authenticateErrorCode'), 'authenticateErrorCode'),
          },
        };
      });
    }
    throw new Asn1Error(`unknown CHOICE alternative ${hexTag(alt.tag)}`);
  });
}

function missing(what: string, tag: number): never {
  throw new Asn1Error(`${what} (tag ${hexTag(tag)}) is missing`);
}

/** Input of the test eUICC's encoder: euiccSigned1 already encoded (it is what was signed). */
export type AuthenticateServerResponseInput =
  | {
      ok: { euiccSigned1: Buffer; euiccSignature1: Buffer; euiccCertificate: Buffer; eumCertificate: Buffer };
      error?: undefined;
    }
  | { ok?: undefined; error: AuthenticateResponseError };

export function encodeAuthenticateServerResponse(r: AuthenticateServerResponseInput): Buffer {
  return within('AuthenticateServerResponse', () => {
    if (r.ok) {
      const o = r.ok;
      return tlv(TAG_AUTHENTICATE_SERVER, [
        tlv(0xa0, [
          bytesOf(mandatory(o.euiccSigned1, 'euiccSigned1'), 'euiccSigned1'),
          tlv(TAG_SIGNATURE, bytesOf(mandatory(o.euiccSignature1, 'euiccSignature1'), 'euiccSignature1')),
          bytesOf(mandatory(o.euiccCertificate, 'euiccCertificate'), 'euiccCertificate'),
          bytesOf(mandatory(o.eumCertificate, 'eumCertificate'), 'eumCertificate'),
        ]),
      ]);
    }
    const e = mandatory(r.error, 'ok or error');
    return tlv(TAG_AUTHENTICATE_SERVER, [
      tlv(0xa1, [
        tlv(0x80, bytesOf(mandatory(e.transactionId, 'transactionId'), 'transactionId', [1, 16])),
        tlv(TAG_INTEGER, encodeIntegerValue(mandatory(e.authenticateErrorCode, 'authenticateErrorCode'))),
      ]),
    ]);
  });
}

/* ------------------------------------------ AuthenticateServerRequest ------------------------------------------- */

export interface AuthenticateServerRequest {
  /** Encoded ServerSigned1 exactly as received from the SM-DP+ (serverSignature1 covers it). */
  serverSigned1: Buffer;
  serverSignature1: Buffer;
  /** SubjectKeyIdentifier value (without 04 14). */
  euiccCiPKIdToBeUsed: Buffer;
  serverCertificate: Buffer;
  /** Encoded A0 bytes or fields. */
  ctxParams1: Buffer | CtxParams1;
}

export interface DecodedAuthenticateServerRequest {
  raw: Buffer;
  serverSigned1: DecodedServerSigned1;
  serverSignature1: Buffer;
  euiccCiPKIdToBeUsed: Buffer;
  serverCertificate: Buffer;
  ctxParams1: DecodedCtxParams1;
}

/** ES10b.AuthenticateServer command data (LPA → eUICC). */
export function encodeAuthenticateServerRequest(r: AuthenticateServerRequest): Buffer {
  return within('AuthenticateServerRequest', () => {
    const ctx = mandatory(r.ctxParams1, 'ctxParams1');
    return tlv(TAG_AUTHENTICATE_SERVER, [
      bytesOf(mandatory(r.serverSigned1, 'serverSigned1'), 'serverSigned1'),
      tlv(TAG_SIGNATURE, bytesOf(mandatory(r.serverSignature1, 'serverSignature1'), 'serverSignature1')),
      tlv(TAG_OCTET_STRING, bytesOf(mandatory(r.euiccCiPKIdToBeUsed, 'euiccCiPKIdToBeUsed'), 'euiccCiPKIdToBeUsed')),
      bytesOf(mandatory(r.serverCertificate, 'serverCertificate'), 'serverCertificate'),
      Buffer.isBuffer(ctx) ? ctx : encodeCtxParams1(ctx),
    ]);
  });
}

export function decodeAuthenticateServerRequest(input: Buffer): DecodedAuthenticateServerRequest {
  return decodeTop(input, TAG_AUTHENTICATE_SERVER, 'AuthenticateServerRequest', (t) => {
    const c = kids(t, 'AuthenticateServerRequest');
    const s1 = c[0] ?? missing('serverSigned1', 0x30);
    checkTag(s1, TAG_SEQUENCE, 'serverSigned1');
    const sig = c[1] ?? missing('serverSignature1', TAG_SIGNATURE);
    checkTag(sig, TAG_SIGNATURE, 'serverSignature1');
    const ci = c[2] ?? missing('euiccCiPKIdToBeUsed', TAG_OCTET_STRING);
    checkTag(ci, TAG_OCTET_STRING, 'euiccCiPKIdToBeUsed');
    return {
      raw: Buffer.from(t.raw),
      serverSigned1: within('serverSigned1', () => decodeServerSigned1Tlv(s1)),
      serverSignature1: signature(sig, 'serverSignature1'),
      euiccCiPKIdToBeUsed: octets(ci, 'euiccCiPKIdToBeUsed', [1, 64]),
      serverCertificate: certificate(c[3], 'serverCertificate'),
      ctxParams1: decodeCtxParams1Tlv(c[4] ?? missing('ctxParams1', 0xa0)),
    };
  });
}

/* -------------------------------------------------- SmdpSigned2 ------------------------------------------------- */

export interface SmdpSigned2 {
  transactionId: Buffer;
  ccRequiredFlag: boolean;
  /** otPK.EUICC.ECKA of an already bound BPP (04‖X‖Y). */
  bppEuiccOtpk?: Buffer;
}

export interface DecodedSmdpSigned2 extends SmdpSigned2 {
  /** The 30 … TLV as received: smdpSignature2 covers raw ‖ euiccSignature1 DO. */
  raw: Buffer;
  extensions: Buffer[];
}

export function encodeSmdpSigned2(s: SmdpSigned2): Buffer {
  return within('SmdpSigned2', () =>
    tlv(TAG_SEQUENCE, [
      tlv(0x80, bytesOf(mandatory(s.transactionId, 'transactionId'), 'transactionId', [1, 16])),
      tlv(TAG_BOOLEAN, encodeBooleanValue(mandatory(s.ccRequiredFlag, 'ccRequiredFlag'))),
      s.bppEuiccOtpk === undefined ? undefined : tlv(TAG_OTPK, bytesOf(s.bppEuiccOtpk, 'bppEuiccOtpk')),
    ]),
  );
}

export function decodeSmdpSigned2(input: Buffer): DecodedSmdpSigned2 {
  return decodeTop(input, TAG_SEQUENCE, 'SmdpSigned2', (t) => decodeSmdpSigned2Tlv(t));
}

export function decodeSmdpSigned2Tlv(t: Tlv): DecodedSmdpSigned2 {
  const c = kids(t, 'SmdpSigned2');
  const otpk = opt(c, TAG_OTPK);
  const out: DecodedSmdpSigned2 = {
    raw: Buffer.from(t.raw),
    transactionId: transactionId(req(c, 0x80, 'transactionId')),
    ccRequiredFlag: boolean(req(c, TAG_BOOLEAN, 'ccRequiredFlag'), 'ccRequiredFlag'),
    extensions: unknownRaw(c, [0x80, TAG_BOOLEAN, TAG_OTPK]),
  };
  if (otpk) out.bppEuiccOtpk = octets(otpk, 'bppEuiccOtpk', [1, 133]);
  return out;
}
