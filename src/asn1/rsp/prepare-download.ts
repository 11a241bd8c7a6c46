/**
 * PrepareDownload — SGP.22 §5.7.5 (ES10b.PrepareDownload), §5.6.2 (ES9+.GetBoundProfilePackage); digest §2.3.
 *
 * ```asn1
 * PrepareDownloadRequest ::= [33] SEQUENCE {            -- BF21 (ES10b, LPA → eUICC)
 *   smdpSigned2 SmdpSigned2,                            -- 30
 *   smdpSignature2 [APPLICATION 55] OCTET STRING,       -- 5F37
 *   hashCc Octet32 OPTIONAL,                            -- 04 20
 *   smdpCertificate Certificate }                       -- 30 (CERT.DPpb.ECDSA)
 *
 * PrepareDownloadResponse ::= [33] CHOICE {             -- BF21
 *   downloadResponseOk PrepareDownloadResponseOk,       -- A0
 *   downloadResponseError PrepareDownloadResponseError }  -- A1
 * PrepareDownloadResponseOk ::= SEQUENCE {
 *   euiccSigned2 EUICCSigned2,                          -- 30 (signed: euiccSignature2 covers these bytes ‖ smdpSignature2 DO)
 *   euiccSignature2 [APPLICATION 55] OCTET STRING }     -- 5F37
 * EUICCSigned2 ::= SEQUENCE {
 *   transactionId [0] TransactionId,                    -- 80
 *   euiccOtpk [APPLICATION 73] OCTET STRING,            -- 5F49 (otPK.EUICC.ECKA, 04‖X‖Y)
 *   hashCc Octet32 OPTIONAL }                           -- 04 20
 * PrepareDownloadResponseError ::= SEQUENCE {
 *   transactionId [0] TransactionId,                    -- 80
 *   downloadErrorCode DownloadErrorCode }               -- 02
 * DownloadErrorCode ::= INTEGER {invalidCertificate(1), invalidSignature(2), unsupportedCurve(3),
 *                                noSessionContext(4), invalidTransactionId(5), undefinedError(127)}
 * ```
 */
import { Asn1Error, encodeIntegerValue, hexTag, tlv } from '../tlv';
import { DecodedSmdpSigned2, SmdpSigned2, decodeSmdpSigned2Tlv, encodeSmdpSigned2 } from './authentication';
import {
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OTPK,
  TAG_SEQUENCE,
  TAG_SIGNATURE,
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
  within,
} from './common';

export const TAG_PREPARE_DOWNLOAD = 0xbf21;

export const DownloadErrorCode = {
  invalidCertificate: 1,
  invalidSignature: 2,
  unsupportedCurve: 3,
  noSessionContext: 4,
  invalidTransactionId: 5,
  undefinedError: 127,
} as const;

/* --------------------------------------------------- EUICCSigned2 ---------------------------------------------- */

export interface EUICCSigned2 {
  transactionId: Buffer;
  /** otPK.EUICC.ECKA, uncompressed point 04‖X‖Y. */
  euiccOtpk: Buffer;
  /** SHA-256(SHA-256(CC) ‖ transactionId), present when a Confirmation Code was entered (digest §6.2). */
  hashCc?: Buffer;
}

export interface DecodedEUICCSigned2 extends EUICCSigned2 {
  /** The 30 … TLV as received. */
  raw: Buffer;
  extensions: Buffer[];
}

/** DER euiccSigned2 (the test eUICC signs these bytes ‖ the smdpSignature2 DO). */
export function encodeEUICCSigned2(s: EUICCSigned2): Buffer {
  return within('euiccSigned2', () =>
    tlv(TAG_SEQUENCE, [
      tlv(0x80, bytesOf(mandatory(s.transactionId, 'transactionId'), 'transactionId', [1, 16])),
      tlv(TAG_OTPK, bytesOf(mandatory(s.euiccOtpk, 'euiccOtpk'), 'euiccOtpk')),
      s.hashCc === undefined ? undefined : tlv(TAG_OCTET_STRING, bytesOf(s.hashCc, 'hashCc', 32)),
    ]),
  );
}

/* ------------------------------------------------ PrepareDownloadResponse --------------------------------------- */

export interface PrepareDownloadResponseOk {
  euiccSigned2: DecodedEUICCSigned2;
  /** = euiccSigned2.raw. euiccSignature2 covers euiccSigned2Raw ‖ smdpSignature2 DO (SGP.22 §5.7.5). */
  euiccSigned2Raw: Buffer;
  euiccSignature2: Buffer;
}

export interface PrepareDownloadResponseError {
  transactionId: Buffer;
  downloadErrorCode: number;
}

export type PrepareDownloadResponse =
  | { raw: Buffer; ok: PrepareDownloadResponseOk; error?: undefined }
  | { raw: Buffer; ok?: undefined; error: PrepareDownloadResponseError };

export function decodePrepareDownloadResponse(input: Buffer): PrepareDownloadResponse {
  return decodeTop(input, TAG_PREPARE_DOWNLOAD, 'PrepareDownloadResponse', (t) => {
    const [alt] = kids(t, 'PrepareDownloadResponse');
    if (!alt) throw new Asn1Error('empty CHOICE');
    if (alt.tag === 0xa0) {
      return within('downloadResponseOk', () => {
        const c = kids(alt, 'downloadResponseOk');
        const s2 = c[0];
        if (!s2) throw new Asn1Error('euiccSigned2 (tag 30) is missing');
        checkTag(s2, TAG_SEQUENCE, 'euiccSigned2');
        const euiccSigned2 = within('euiccSigned2', (): DecodedEUICCSigned2 => {
          const e = kids(s2, 'euiccSigned2');
          const h = opt(e, TAG_OCTET_STRING);
          const out: DecodedEUICCSigned2 = {
            raw: Buffer.from(s2.raw),
            transactionId: transactionId(req(e, 0x80, 'transactionId')),
            euiccOtpk: octets(req(e, TAG_OTPK, 'euiccOtpk'), 'euiccOtpk', [1, 133]),
            extensions: unknownRaw(e, [0x80, TAG_OTPK, TAG_OCTET_STRING]),
          };
          if (h) out.hashCc = octets(h, 'hashCc', 32);
          return out;
        });
        const sig = c[1];
        if (!sig || sig.tag !== TAG_SIGNATURE) throw new Asn1Error('euiccSignature2 (tag 5F37) is missing');
        return {
          raw: Buffer.from(t.raw),
          ok: { euiccSigned2, euiccSigned2Raw: euiccSigned2.raw, euiccSignature2: signature(sig, 'euiccSignature2') },
        };
      });
    }
    if (alt.tag === 0xa1) {
      return within('downloadResponseError', () => {
        const c = kids(alt, 'downloadResponseError');
        return {
          raw: Buffer.from(t.raw),
          error: {
            transactionId: transactionId(req(c, 0x80, 'transactionId')),
            downloadErrorCode: integer(req(c, TAG_INTEGER, 'downloadErrorCode'), 'downloadErrorCode'),
          },
        };
      });
    }
    throw new Asn1Error(`unknown CHOICE alternative ${hexTag(alt.tag)}`);
  });
}

export type PrepareDownloadResponseInput =
  | { ok: { euiccSigned2: Buffer; euiccSignature2: Buffer }; error?: undefined }
  | { ok?: undefined; error: PrepareDownloadResponseError };

/** Test eUICC side: euiccSigned2 already encoded (it is what was signed). */
export function encodePrepareDownloadResponse(r: PrepareDownloadResponseInput): Buffer {
  return within('PrepareDownloadResponse', () => {
    if (r.ok) {
      return tlv(TAG_PREPARE_DOWNLOAD, [
        tlv(0xa0, [
          bytesOf(mandatory(r.ok.euiccSigned2, 'euiccSigned2'), 'euiccSigned2'),
          tlv(TAG_SIGNATURE, bytesOf(mandatory(r.ok.euiccSignature2, 'euiccSignature2'), 'euiccSignature2')),
        ]),
      ]);
    }
    const e = mandatory(r.error, 'ok or error');
    return tlv(TAG_PREPARE_DOWNLOAD, [
      tlv(0xa1, [
        tlv(0x80, bytesOf(mandatory(e.transactionId, 'transactionId'), 'transactionId', [1, 16])),
        tlv(TAG_INTEGER, encodeIntegerValue(mandatory(e.downloadErrorCode, 'downloadErrorCode'))),
      ]),
    ]);
  });
}

/* ------------------------------------------------ PrepareDownloadRequest ---------------------------------------- */

export interface PrepareDownloadRequest {
  /** Encoded SmdpSigned2 exactly as received (smdpSignature2 covers it), or the fields. */
  smdpSigned2: Buffer | SmdpSigned2;
  smdpSignature2: Buffer;
  hashCc?: Buffer;
  smdpCertificate: Buffer;
}

export interface DecodedPrepareDownloadRequest {
  raw: Buffer;
  smdpSigned2: DecodedSmdpSigned2;
  smdpSignature2: Buffer;
  /** The 5F37 DO as received: euiccSignature2 covers DER(euiccSigned2) ‖ this. */
  smdpSignature2Raw: Buffer;
  hashCc?: Buffer;
  smdpCertificate: Buffer;
}

/** ES10b.PrepareDownload command data (LPA → eUICC). */
export function encodePrepareDownloadRequest(r: PrepareDownloadRequest): Buffer {
  return within('PrepareDownloadRequest', () => {
    const s2 = mandatory(r.smdpSigned2, 'smdpSigned2');
    return tlv(TAG_PREPARE_DOWNLOAD, [
      Buffer.isBuffer(s2) ? s2 : encodeSmdpSigned2(s2),
      tlv(TAG_SIGNATURE, bytesOf(mandatory(r.smdpSignature2, 'smdpSignature2'), 'smdpSignature2')),
      r.hashCc === undefined ? undefined : tlv(TAG_OCTET_STRING, bytesOf(r.hashCc, 'hashCc', 32)),
      bytesOf(mandatory(r.smdpCertificate, 'smdpCertificate'), 'smdpCertificate'),
    ]);
  });
}

export function decodePrepareDownloadRequest(input: Buffer): DecodedPrepareDownloadRequest {
  return decodeTop(input, TAG_PREPARE_DOWNLOAD, 'PrepareDownloadRequest', (t) => {
    const c = kids(t, 'PrepareDownloadRequest');
    const s2 = c[0];
    if (!s2) throw new Asn1Error('smdpSigned2 (tag 30) is missing');
    checkTag(s2, TAG_SEQUENCE, 'smdpSigned2');
    const sig = req(c, TAG_SIGNATURE, 'smdpSignature2');
    const h = opt(c, TAG_OCTET_STRING);
    const certs = c.slice(1).filter((x) => x.tag === TAG_SEQUENCE);
    if (certs.length === 0) throw new Asn1Error('smdpCertificate (tag 30) is missing');
    const out: DecodedPrepareDownloadRequest = {
      raw: Buffer.from(t.raw),
      smdpSigned2: within('smdpSigned2', () => decodeSmdpSigned2Tlv(s2)),
      smdpSignature2: signature(sig, 'smdpSignature2'),
      smdpSignature2Raw: Buffer.from(sig.raw),
      smdpCertificate: Buffer.from(certs[0].raw),
    };
    if (h) out.hashCc = octets(h, 'hashCc', 32);
    return out;
  });
}
