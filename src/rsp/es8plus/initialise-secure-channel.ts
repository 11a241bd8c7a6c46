/**
 * ES8+.InitialiseSecureChannel (SGP.22 §5.5.1, digest §4.1/§4.4).
 *
 *   InitialiseSecureChannelRequest ::= [35] SEQUENCE {           -- BF23
 *     remoteOpId RemoteOpId,                                      -- 82 01 01  RemoteOpId ::= [2] INTEGER {installBoundProfilePackage(1)}
 *     transactionId [0] TransactionId,                            -- 80
 *     controlRefTemplate [6] IMPLICIT ControlRefTemplate,         -- A6 { 80 01 88, 81 01 10, 84 hostId }
 *     smdpOtpk [APPLICATION 73] OCTET STRING,                     -- 5F49 04‖X‖Y  (otPK.DP.ECKA)
 *     smdpSign [APPLICATION 55] OCTET STRING }                    -- 5F37 r‖s
 *   ControlRefTemplate ::= SEQUENCE { keyType [0] Octet1, keyLen [1] Octet1, hostId [4] OctetTo16 }
 *
 * smdpSign = ECDSA_SK.DPpb( remoteOpId ‖ transactionId ‖ controlRefTemplate ‖ smdpOtpk ‖ 5F49 euiccOtpk ): the DOs
 * of the request before smdpSign, followed by the eUICC's one-time public key as a `5F49` DO (which is not
 * itself part of the request). DER order is definition order: 82, 80, A6, 5F49, 5F37.
 */
import { Asn1Error, children, hexTag, readOne, Tlv, tlv } from '../../asn1/tlv';
import { EC_POINT_LENGTH, RAW_SIGNATURE_LENGTH, TAG_SIGNATURE } from '../../crypto/ecdsa';
import { KEY_LENGTH_128, KEY_TYPE_AES } from '../../crypto/kdf';
import { BppBuildError, BppCommandId, BppError, ErrorReason } from './bpp-error';

export const TAG_INITIALISE_SECURE_CHANNEL = 0xbf23;
export const TAG_OTPK = 0x5f49;
/** RemoteOpId installBoundProfilePackage(1). */
export const REMOTE_OP_INSTALL_BPP = 1;

export interface InitialiseSecureChannelParams {
  transactionId: Buffer;
  /** 1..16 bytes; the SM-DP+ picks it per binding (it enters the KDF). */
  hostId: Buffer;
  /** otPK.DP.ECKA, 04‖X‖Y. */
  smdpOtpk: Buffer;
  /** Not part of BF23 (it is only signed); accepted so one parameter object serves both functions. */
  euiccOtpk?: Buffer;
  /** r‖s, 64 bytes. */
  smdpSign: Buffer;
}

export interface InitialiseSecureChannelSignedDataParams {
  transactionId: Buffer;
  hostId: Buffer;
  smdpOtpk: Buffer;
  /** otPK.EUICC.ECKA from PrepareDownloadResponse (euiccSigned2.euiccOtpk). */
  euiccOtpk: Buffer;
}

function checkLength(what: string, b: Buffer, min: number, max: number): void {
  if (!Buffer.isBuffer(b) || b.length < min || b.length > max) {
    throw new BppBuildError(`${what} must be ${min === max ? min : `${min}..${max}`} bytes`);
  }
}

/** 82 01 01 ‖ 80 txId ‖ A6 {80 01 88 81 01 10 84 hostId} ‖ 5F49 smdpOtpk */
function signedDataObjects(p: { transactionId: Buffer; hostId: Buffer; smdpOtpk: Buffer }): Buffer[] {
  checkLength('transactionId', p.transactionId, 1, 16);
  checkLength('hostId', p.hostId, 1, 16);
  checkLength('smdpOtpk', p.smdpOtpk, EC_POINT_LENGTH, EC_POINT_LENGTH);
  return [
    Buffer.from([0x82, 0x01, REMOTE_OP_INSTALL_BPP]),
    tlv(0x80, p.transactionId),
    tlv(0xa6, [Buffer.from([0x80, 0x01, KEY_TYPE_AES, 0x81, 0x01, KEY_LENGTH_128]), tlv(0x84, p.hostId)]),
    tlv(TAG_OTPK, p.smdpOtpk),
  ];
}

/** The exact bytes smdpSign covers (SGP.22 §5.5.1, digest §4.4). */
export function initialiseSecureChannelSignedData(p: InitialiseSecureChannelSignedDataParams): Buffer {
  checkLength('euiccOtpk', p.euiccOtpk, EC_POINT_LENGTH, EC_POINT_LENGTH);
  return Buffer.concat([...signedDataObjects(p), tlv(TAG_OTPK, p.euiccOtpk)]);
}

/** DER of InitialiseSecureChannelRequest (BF23). */
export function encodeInitialiseSecureChannelRequest(p: InitialiseSecureChannelParams): Buffer {
  checkLength('smdpSign', p.smdpSign, RAW_SIGNATURE_LENGTH, RAW_SIGNATURE_LENGTH);
  return tlv(TAG_INITIALISE_SECURE_CHANNEL, [...signedDataObjects(p), tlv(TAG_SIGNATURE, p.smdpSign)]);
}

export interface ParsedInitialiseSecureChannel {
  remoteOpId: number;
  transactionId: Buffer;
  keyType: number;
  keyLength: number;
  hostId: Buffer;
  smdpOtpk: Buffer;
  /** r‖s. */
  smdpSign: Buffer;
  /** The received DOs before smdpSign (82 ‖ 80 ‖ A6 ‖ 5F49), raw. */
  signedDataPrefix: Buffer;
  /** The whole BF23 TLV as received. */
  raw: Buffer;
  /** Set when the caller knows its otPK.EUICC.ECKA (openBoundProfilePackage option). */
  euiccOtpk?: Buffer;
  /** signedDataPrefix ‖ 5F49 euiccOtpk: the exact bytes to verify smdpSign over (with euiccOtpk). */
  signedData?: Buffer;
}

/** The bytes smdpSign must verify over, from the received request and the eUICC's own otPK. */
export function smdpSignedData(isc: ParsedInitialiseSecureChannel, euiccOtpk: Buffer): Buffer {
  return Buffer.concat([isc.signedDataPrefix, tlv(TAG_OTPK, euiccOtpk)]);
}

const fail = (reason: ErrorReason, message: string) =>
  new BppError(BppCommandId.initialiseSecureChannel, reason, `InitialiseSecureChannel: ${message}`);

/**
 * Decodes BF23 with the checks the eUICC makes before any key agreement (SGP.22 §5.5.1, digest §4.6):
 * remoteOpId = 1 (else unsupportedRemoteOperationType), keyType 88 / keyLen 10 (else unsupportedCrtValues),
 * structure (else incorrectInputValues). The transactionId and smdpSign are the caller's to check.
 */
export function parseInitialiseSecureChannelRequest(input: Buffer | Tlv): ParsedInitialiseSecureChannel {
  try {
    const t = Buffer.isBuffer(input) ? readOne(input, TAG_INITIALISE_SECURE_CHANNEL, 'InitialiseSecureChannelRequest') : input;
    if (t.tag !== TAG_INITIALISE_SECURE_CHANNEL) throw new Asn1Error(`expected BF23, got ${hexTag(t.tag)}`);
    const c = children(t);
    const order = [0x82, 0x80, 0xa6, TAG_OTPK, TAG_SIGNATURE];
    if (c.length < order.length || order.some((tag, i) => c[i].tag !== tag)) {
      throw new Asn1Error(`elements ${c.map((x) => hexTag(x.tag)).join(',')} instead of 82,80,A6,5F49,5F37`);
    }
    const [op, txId, crt, otpk, sign] = c;
    if (op.value.length !== 1 || op.value[0] !== REMOTE_OP_INSTALL_BPP) {
      throw fail(ErrorReason.unsupportedRemoteOperationType, `remoteOpId ${op.value.toString('hex')}`);
    }
    const crtItems = children(crt);
    const keyType = crtItems.find((x) => x.tag === 0x80);
    const keyLen = crtItems.find((x) => x.tag === 0x81);
    const hostId = crtItems.find((x) => x.tag === 0x84);
    if (!keyType || !keyLen || !hostId || keyType.value.length !== 1 || keyLen.value.length !== 1) {
      throw new Asn1Error('controlRefTemplate needs keyType [0], keyLen [1] and hostId [4]');
    }
    if (keyType.value[0] !== KEY_TYPE_AES || keyLen.value[0] !== KEY_LENGTH_128) {
      throw fail(
        ErrorReason.unsupportedCrtValues,
        `keyType ${keyType.value.toString('hex')} keyLen ${keyLen.value.toString('hex')}`,
      );
    }
    if (hostId.value.length < 1 || hostId.value.length > 16) throw new Asn1Error('hostId must be 1..16 bytes');
    if (txId.value.length < 1 || txId.value.length > 16) throw new Asn1Error('transactionId must be 1..16 bytes');
    if (otpk.value.length !== EC_POINT_LENGTH || otpk.value[0] !== 0x04) {
      throw new Asn1Error('smdpOtpk is not an uncompressed point');
    }
    if (sign.value.length !== RAW_SIGNATURE_LENGTH) throw new Asn1Error('smdpSign is not 64 bytes');
    // The signed DOs are contiguous at the start of the BF23 value.
    const prefixLength = op.raw.length + txId.raw.length + crt.raw.length + otpk.raw.length;
    return {
      remoteOpId: op.value[0],
      transactionId: txId.value,
      keyType: keyType.value[0],
      keyLength: keyLen.value[0],
      hostId: hostId.value,
      smdpOtpk: otpk.value,
      smdpSign: sign.value,
      signedDataPrefix: t.value.subarray(0, prefixLength),
      raw: t.raw,
    };
  } catch (e) {
    if (e instanceof BppError) throw e;
    if (e instanceof Asn1Error) throw fail(ErrorReason.incorrectInputValues, e.message);
    throw e;
  }
}
