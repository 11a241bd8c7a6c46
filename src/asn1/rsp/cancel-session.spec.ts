import { Asn1Error, tlv } from '../tlv';
import {
  CancelSessionReason,
  decodeCancelSessionRequest,
  decodeCancelSessionResponse,
  encodeCancelSessionRequest,
  encodeCancelSessionResponse,
  encodeEuiccCancelSessionSigned,
} from './cancel-session';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();
const TX = h('0123456789ABCDEF8899AABBCCDDEEFF');
const SIG = Buffer.alloc(64, 0x33);

describe('CancelSessionResponse (BF41)', () => {
  it('euiccCancelSessionSigned uses automatic tags 80/81/82 (not 04/06/02)', () => {
    const s = encodeEuiccCancelSessionSigned({ transactionId: TX, smdpOid: '2.999.10', reason: CancelSessionReason.postponed });
    expect(hex(s)).toBe(`301A 8010${hex(TX)} 810388370A 820101`.replace(/ /g, ''));
  });

  it('ok: round trip, euiccCancelSessionSignedRaw is exactly the signed TLV', () => {
    const s = encodeEuiccCancelSessionSigned({ transactionId: TX, smdpOid: '2.999.10', reason: CancelSessionReason.undefinedReason });
    const enc = encodeCancelSessionResponse({ ok: { euiccCancelSessionSigned: s, euiccCancelSessionSignature: SIG } });
    expect(hex(enc)).toBe(hex(tlv(0xbf41, [tlv(0xa0, [s, h(`5F3740${hex(SIG)}`)])])));
    const dec = decodeCancelSessionResponse(Buffer.concat([enc, h('9000')]));
    expect(hex(dec.ok!.euiccCancelSessionSignedRaw)).toBe(hex(s));
    expect(dec.ok!.euiccCancelSessionSigned.smdpOid).toBe('2.999.10');
    expect(dec.ok!.euiccCancelSessionSigned.reason).toBe(127);
    expect(hex(dec.ok!.euiccCancelSessionSigned.transactionId)).toBe(hex(TX));
    expect(hex(dec.ok!.euiccCancelSessionSignature)).toBe(hex(SIG));
    expect(dec.error).toBeUndefined();
  });

  it('error alternative is [1] INTEGER → BF41 03 81 01 05', () => {
    const enc = encodeCancelSessionResponse({ error: 5 });
    expect(hex(enc)).toBe('BF4103810105');
    expect(decodeCancelSessionResponse(enc)).toEqual({ raw: enc, error: 5 });
  });

  it.each([
    ['wrong outer tag', 'BF40 00', 'CancelSessionResponse: expected tag BF41, got BF40'],
    ['truncated', 'BF41 05 A0', 'CancelSessionResponse: TLV BF41 truncated'],
    ['unknown alternative', 'BF41 03 820105', 'unknown CHOICE alternative 82'],
    ['missing reason', tlv(0xbf41, [tlv(0xa0, [tlv(0x30, [h('800101 810388370A')]), h('5F3700')])]).toString('hex'), 'cancelSessionResponseOk: euiccCancelSessionSigned: reason (tag 82) is missing'],
    ['bad OID', tlv(0xbf41, [tlv(0xa0, [tlv(0x30, [h('800101 810188 820101')]), h('5F3700')])]).toString('hex'), 'smdpOid: OBJECT IDENTIFIER truncated'],
  ])('refuses %s with Asn1Error', (_n, input, msg) => {
    expect(() => decodeCancelSessionResponse(h(input))).toThrow(Asn1Error);
    expect(() => decodeCancelSessionResponse(h(input))).toThrow(msg);
  });
});

describe('CancelSessionRequest (ES10b BF41)', () => {
  it('BF41 {80 txId, 81 reason} both ways', () => {
    const enc = encodeCancelSessionRequest({ transactionId: TX, reason: CancelSessionReason.endUserRejection });
    expect(hex(enc)).toBe(`BF4115 8010${hex(TX)} 810100`.replace(/ /g, ''));
    expect(decodeCancelSessionRequest(enc)).toEqual({ raw: enc, transactionId: TX, reason: 0 });
  });
});
