import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Asn1Error, tlv } from '../tlv';
import { encodeSmdpSigned2 } from './authentication';
import {
  DownloadErrorCode,
  decodePrepareDownloadRequest,
  decodePrepareDownloadResponse,
  encodeEUICCSigned2,
  encodePrepareDownloadRequest,
  encodePrepareDownloadResponse,
} from './prepare-download';

const FIX = join(__dirname, '../../../test/fixtures/rsp');
const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();

const TX = h('0123456789ABCDEF8899AABBCCDDEEFF');
const OTPK = h(
  '0400f7b8d71403f21d84b00cd9e561178d737d3f4d065e62fee279271298dd4f074794ab791b9939d4461296efe388aa26731064263af988b7d2c4d77da44801b5',
);
const HASH_CC = Buffer.alloc(32, 0xcc);
const SIG = Buffer.alloc(64, 0x77);

describe('PrepareDownloadResponse (BF21)', () => {
  it('euiccSigned2: exact bytes 30 {80 txId, 5F49 otpk, 04 20 hashCc}', () => {
    expect(hex(encodeEUICCSigned2({ transactionId: TX, euiccOtpk: OTPK }))).toBe(`3056 8010${hex(TX)} 5F4941${hex(OTPK)}`.replace(/ /g, ''));
    expect(hex(encodeEUICCSigned2({ transactionId: TX, euiccOtpk: OTPK, hashCc: HASH_CC }))).toBe(
      `3078 8010${hex(TX)} 5F4941${hex(OTPK)} 0420${hex(HASH_CC)}`.replace(/ /g, ''),
    );
  });

  it('ok: round trip, euiccSigned2Raw is exactly the signed TLV', () => {
    const signed2 = encodeEUICCSigned2({ transactionId: TX, euiccOtpk: OTPK, hashCc: HASH_CC });
    const enc = encodePrepareDownloadResponse({ ok: { euiccSigned2: signed2, euiccSignature2: SIG } });
    expect(hex(enc)).toBe(hex(tlv(0xbf21, [tlv(0xa0, [signed2, h(`5F3740${hex(SIG)}`)])])));
    const dec = decodePrepareDownloadResponse(Buffer.concat([enc, h('9000')]));
    expect(dec.error).toBeUndefined();
    expect(hex(dec.ok!.euiccSigned2Raw)).toBe(hex(signed2));
    expect(hex(dec.ok!.euiccSigned2.transactionId)).toBe(hex(TX));
    expect(hex(dec.ok!.euiccSigned2.euiccOtpk)).toBe(hex(OTPK));
    expect(hex(dec.ok!.euiccSigned2.hashCc!)).toBe(hex(HASH_CC));
    expect(hex(dec.ok!.euiccSignature2)).toBe(hex(SIG));
    expect(hex(dec.raw)).toBe(hex(enc));
  });

  it('error: BF21 A1 {80 txId, 02 downloadErrorCode}', () => {
    const enc = encodePrepareDownloadResponse({ error: { transactionId: TX, downloadErrorCode: DownloadErrorCode.invalidSignature } });
    expect(hex(enc)).toBe(`BF2117 A115 8010${hex(TX)} 020102`.replace(/ /g, ''));
    expect(decodePrepareDownloadResponse(enc).error).toEqual({ transactionId: TX, downloadErrorCode: 2 });
  });

  it.each([
    ['wrong outer tag', () => h('BF38 00'), 'PrepareDownloadResponse: expected tag BF21, got BF38'],
    ['empty CHOICE', () => h('BF21 00'), 'PrepareDownloadResponse: empty CHOICE'],
    ['truncated', () => h('BF21 7F A0'), 'PrepareDownloadResponse: TLV BF21 truncated'],
    ['absurd length', () => h('BF21 86 010203040506'), 'absurd'],
    ['missing euiccOtpk', () => tlv(0xbf21, [tlv(0xa0, [h('3003800101'), h('5F3700')])]), 'downloadResponseOk: euiccSigned2: euiccOtpk (tag 5F49) is missing'],
    ['missing signature', () => tlv(0xbf21, [tlv(0xa0, [encodeEUICCSigned2({ transactionId: TX, euiccOtpk: OTPK })])]), 'euiccSignature2 (tag 5F37) is missing'],
    ['hashCc of 31 bytes', () => tlv(0xbf21, [tlv(0xa0, [tlv(0x30, [h('800101'), h('5F490104'), tlv(4, Buffer.alloc(31))]), h('5F3700')])]), 'hashCc: 31 bytes, expected 32'],
  ])('refuses %s with Asn1Error', (_n, make, msg) => {
    expect(() => decodePrepareDownloadResponse(make())).toThrow(Asn1Error);
    expect(() => decodePrepareDownloadResponse(make())).toThrow(msg);
  });
});

describe('PrepareDownloadRequest (ES10b BF21)', () => {
  it('round trip keeps smdpSigned2 raw and the smdpSignature2 DO', () => {
    const cert = readFileSync(join(FIX, 'sgp26-dpauth-certificate-nist.der'));
    const smdpSigned2 = encodeSmdpSigned2({ transactionId: TX, ccRequiredFlag: true });
    const enc = encodePrepareDownloadRequest({ smdpSigned2, smdpSignature2: SIG, hashCc: HASH_CC, smdpCertificate: cert });
    expect(hex(enc)).toBe(hex(tlv(0xbf21, [smdpSigned2, h(`5F3740${hex(SIG)}`), h(`0420${hex(HASH_CC)}`), cert])));
    const dec = decodePrepareDownloadRequest(enc);
    expect(hex(dec.smdpSigned2.raw)).toBe(hex(smdpSigned2));
    expect(dec.smdpSigned2.ccRequiredFlag).toBe(true);
    expect(hex(dec.smdpSignature2Raw)).toBe(`5F3740${hex(SIG)}`);
    expect(hex(dec.hashCc!)).toBe(hex(HASH_CC));
    expect(hex(dec.smdpCertificate)).toBe(hex(cert));
    const noCc = decodePrepareDownloadRequest(
      encodePrepareDownloadRequest({ smdpSigned2: { transactionId: TX, ccRequiredFlag: false }, smdpSignature2: SIG, smdpCertificate: cert }),
    );
    expect(noCc.hashCc).toBeUndefined();
    expect(() => decodePrepareDownloadRequest(tlv(0xbf21, [smdpSigned2, h('5F3700')]))).toThrow(
      'PrepareDownloadRequest: smdpCertificate (tag 30) is missing',
    );
  });
});
