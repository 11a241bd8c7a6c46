/**
 * Cancel Session — SGP.22 §5.6.5 (ES9+.CancelSession), §5.7.14 (ES10b.CancelSession); digest §2.5.
 *
 * The module uses AUTOMATIC TAGS and none of these components carries an explicit tag, so every component
 * gets a context tag: 80/81/82 inside EuiccCancelSessionSigned (not 04/06/02), A0 / 81 for the CHOICE.
 *
 * ```asn1
 * CancelSessionRequest ::= [65] SEQUENCE {             -- BF41 (ES10b, LPA → eUICC)
 *   transactionId TransactionId,                       -- 80
 *   reason CancelSessionReason }                       -- 81
 * CancelSessionResponse ::= [65] CHOICE {              -- BF41
 *   cancelSessionResponseOk CancelSessionResponseOk,   -- A0
 *   cancelSessionResponseError INTEGER {invalidTransactionId(5), undefinedError(127)} }  -- 81
 * CancelSessionResponseOk ::= SEQUENCE {
 *   euiccCancelSessionSigned EuiccCancelSessionSigned, -- 30 (signed: the signature covers these bytes)
 *   euiccCancelSessionSignature [APPLICATION 55] OCTET STRING }  -- 5F37
 * EuiccCancelSessionSigned ::= SEQUENCE {
 *   transactionId TransactionId,                       -- 80
 *   smdpOid OBJECT IDENTIFIER,                         -- 81 (SM-DP+ OID of CERT.DPauth)
 *   reason CancelSessionReason }                       -- 82
 * CancelSessionReason ::= INTEGER {endUserRejection(0), postponed(1), timeout(2), pprNotAllowed(3),
 *                                  metadataMismatch(4), loadBppExecutionError(5), undefinedReason(127)}
 * ```
 */
import { Asn1Error, encodeIntegerValue, encodeOidValue, hexTag, tlv } from '../tlv';
import {
  TAG_SEQUENCE,
  TAG_SIGNATURE,
  bytesOf,
  checkTag,
  decodeTop,
  integer,
  kids,
  mandatory,
  oid,
  req,
  signature,
  transactionId,
  unknownRaw,
  within,
} from './common';

export const TAG_CANCEL_SESSION = 0xbf41;

export const CancelSessionReason = {
  endUserRejection: 0,
  postponed: 1,
  timeout: 2,
  pprNotAllowed: 3,
  metadataMismatch: 4,
  loadBppExecutionError: 5,
  undefinedReason: 127,
} as const;

export const CancelSessionResponseError = { invalidTransactionId: 5, undefinedError: 127 } as const;

export interface EuiccCancelSessionSigned {
  transactionId: Buffer;
  /** Dotted OID, e.g. "2.999.10". */
  smdpOid: string;
  reason: number;
}

export interface DecodedEuiccCancelSessionSigned extends EuiccCancelSessionSigned {
  /** The 30 … TLV as received: what euiccCancelSessionSignature covers. */
  raw: Buffer;
  extensions: Buffer[];
}

export type CancelSessionResponse =
  | {
      raw: Buffer;
      ok: {
        euiccCancelSessionSigned: DecodedEuiccCancelSessionSigned;
        /** = euiccCancelSessionSigned.raw */
        euiccCancelSessionSignedRaw: Buffer;
        euiccCancelSessionSignature: Buffer;
      };
      error?: undefined;
    }
  | { raw: Buffer; ok?: undefined; error: number };

/** DER euiccCancelSessionSigned (the bytes the test eUICC signs). */
export function encodeEuiccCancelSessionSigned(s: EuiccCancelSessionSigned): Buffer {
  return within('euiccCancelSessionSigned', () =>
    tlv(TAG_SEQUENCE, [
      tlv(0x80, bytesOf(mandatory(s.transactionId, 'transactionId'), 'transactionId', [1, 16])),
      tlv(0x81, encodeOidValue(mandatory(s.smdpOid, 'smdpOid'))),
      tlv(0x82, encodeIntegerValue(mandatory(s.reason, 'reason'))),
    ]),
  );
}

export function encodeCancelSessionResponse(
  r:
    | { ok: { euiccCancelSessionSigned: Buffer; euiccCancelSessionSignature: Buffer }; error?: undefined }
    | { ok?: undefined; error: number },
): Buffer {
  return within('CancelSessionResponse', () => {
    if (r.ok) {
      return tlv(TAG_CANCEL_SESSION, [
        tlv(0xa0, [
          bytesOf(mandatory(r.ok.euiccCancelSessionSigned, 'euiccCancelSessionSigned'), 'euiccCancelSessionSigned'),
          tlv(
            TAG_SIGNATURE,
            bytesOf(mandatory(r.ok.euiccCancelSessionSignature, 'euiccCancelSessionSignature'), 'euiccCancelSessionSignature'),
          ),
        ]),
      ]);
    }
    return tlv(TAG_CANCEL_SESSION, [tlv(0x81, encodeIntegerValue(mandatory(r.error, 'ok or error')))]);
  });
}

export function decodeCancelSessionResponse(input: Buffer): CancelSessionResponse {
  return decodeTop(input, TAG_CANCEL_SESSION, 'CancelSessionResponse', (t) => {
    const [alt] = kids(t, 'CancelSessionResponse');
    if (!alt) throw new Asn1Error('empty CHOICE');
    if (alt.tag === 0x81) {
      return { raw: Buffer.from(t.raw), error: integer(alt, 'cancelSessionResponseError') };
    }
    if (alt.tag !== 0xa0) throw new Asn1Error(`unknown CHOICE alternative ${hexTag(alt.tag)}`);
    return within('cancelSessionResponseOk', () => {
      const c = kids(alt, 'cancelSessionResponseOk');
      const s = c[0];
      if (!s) throw new Asn1Error('euiccCancelSessionSigned (tag 30) is missing');
      checkTag(s, TAG_SEQUENCE, 'euiccCancelSessionSigned');
      const signed = within('euiccCancelSessionSigned', (): DecodedEuiccCancelSessionSigned => {
        const e = kids(s, 'euiccCancelSessionSigned');
        return {
          raw: Buffer.from(s.raw),
          transactionId: transactionId(req(e, 0x80, 'transactionId')),
          smdpOid: oid(req(e, 0x81, 'smdpOid'), 'smdpOid'),
          reason: integer(req(e, 0x82, 'reason'), 'reason'),
          extensions: unknownRaw(e, [0x80, 0x81, 0x82]),
        };
      });
      const sig = c[1];
      if (!sig || sig.tag !== TAG_SIGNATURE) throw new Asn1Error('euiccCancelSessionSignature (tag 5F37) is missing');
      return {
        raw: Buffer.from(t.raw),
        ok: {
          euiccCancelSessionSigned: signed,
          euiccCancelSessionSignedRaw: signed.raw,
          euiccCancelSessionSignature: signature(sig, 'euiccCancelSessionSignature'),
        },
      };
    });
  });
}

/** ES10b.CancelSession command data (LPA → eUICC). */
export function encodeCancelSessionRequest(r: { transactionId: Buffer; reason: number }): Buffer {
  return within('CancelSessionRequest', () =>
    tlv(TAG_CANCEL_SESSION, [
      tlv(0x80, bytesOf(mandatory(r.transactionId, 'transactionId'), 'transactionId', [1, 16])),
      tlv(0x81, encodeIntegerValue(mandatory(r.reason, 'reason'))),
    ]),
  );
}

export function decodeCancelSessionRequest(input: Buffer): { raw: Buffer; transactionId: Buffer; reason: number } {
  return decodeTop(input, TAG_CANCEL_SESSION, 'CancelSessionRequest', (t) => {
    const c = kids(t, 'CancelSessionRequest');
    return {
      raw: Buffer.from(t.raw),
      transactionId: transactionId(req(c, 0x80, 'transactionId')),
      reason: integer(req(c, 0x81, 'reason'), 'reason'),
    };
  });
}
