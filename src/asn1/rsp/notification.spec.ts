import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Asn1Error, tlv } from '../tlv';
import {
  BppCommandId,
  ErrorReason,
  decodeNotificationMetadata,
  decodeOtherSignedNotification,
  decodePendingNotification,
  decodeProfileInstallationResult,
  encodeNotificationMetadata,
  encodeOtherSignedNotification,
  encodeProfileInstallationResult,
  encodeProfileInstallationResultData,
} from './notification';

const FIX = join(__dirname, '../../../test/fixtures/rsp');
const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();

const TX = h('0123456789ABCDEF8899AABBCCDDEEFF');
const SIG = Buffer.alloc(64, 0x5a);
const AID = h('A0000005591010FFFFFFFF8900001000');
const euiccCert = readFileSync(join(FIX, 'mode51-euicc-certificate.der'));
const eumCert = readFileSync(join(FIX, 'sgp26-eum-certificate-nist.der'));

describe('NotificationMetadata (BF2F)', () => {
  it.each([
    ['notificationInstall', '0780'],
    ['notificationEnable', '0640'],
    ['notificationDisable', '0520'],
    ['notificationDelete', '0410'],
  ])('%s → 81 02 %s', (event, bits) => {
    const enc = encodeNotificationMetadata({
      seqNumber: 1,
      profileManagementOperation: [event],
      notificationAddress: 'dp.example',
      iccid: '89000123456789012341',
    });
    expect(hex(enc)).toBe(`BF2F 1F 800101 8102${bits} 0C0A64702E6578616D706C65 5A0A98001032547698103214`.replace(/ /g, ''));
    const dec = decodeNotificationMetadata(enc);
    expect(dec).toEqual({
      raw: enc,
      seqNumber: 1,
      profileManagementOperation: [event],
      notificationAddress: 'dp.example',
      iccid: '89000123456789012341',
      extensions: [],
    });
  });

  it('encodes large sequence numbers as DER INTEGER (sign byte)', () => {
    const enc = encodeNotificationMetadata({ seqNumber: 200, profileManagementOperation: ['notificationDelete'], notificationAddress: 'a' });
    expect(hex(enc)).toBe('BF2F0B 80 02 00C8 8102 0410 0C0161'.replace(/ /g, ''));
    expect(decodeNotificationMetadata(enc).seqNumber).toBe(200);
    expect(decodeNotificationMetadata(enc).iccid).toBeUndefined();
  });

  it('refuses a missing notificationAddress', () => {
    expect(() => decodeNotificationMetadata(tlv(0xbf2f, [h('800101 81020780')]))).toThrow(
      'NotificationMetadata: notificationMetadata: notificationAddress (tag 0C) is missing',
    );
  });
});

describe('ProfileInstallationResult (BF37)', () => {
  const metadata = {
    seqNumber: 7,
    profileManagementOperation: ['notificationInstall'],
    notificationAddress: 'testsmdpplus1.example.com',
    iccid: '89000123456789012341',
  };

  it('success: exact bytes, and profileInstallationResultDataRaw is exactly the signed BF27 TLV', () => {
    const data = encodeProfileInstallationResultData({
      transactionId: TX,
      notificationMetadata: metadata,
      smdpOid: '2.999.10',
      finalResult: { successResult: { aid: AID, simaResponse: h('3007A0053003800100') } },
    });
    const md = encodeNotificationMetadata(metadata);
    expect(hex(data)).toBe(
      hex(
        tlv(0xbf27, [
          h(`8010${hex(TX)}`),
          md,
          h('060388370A'),
          h(`A21F A01D 4F10${hex(AID)} 0409 3007A0053003800100`),
        ]),
      ),
    );
    const pir = encodeProfileInstallationResult({ profileInstallationResultData: data, euiccSignPIR: SIG });
    expect(hex(pir)).toBe(hex(tlv(0xbf37, [data, h(`5F3740${hex(SIG)}`)])));

    const dec = decodeProfileInstallationResult(Buffer.concat([pir, h('9000')]));
    expect(hex(dec.profileInstallationResultDataRaw)).toBe(hex(data));
    expect(hex(dec.profileInstallationResultDataRaw.subarray(0, 2))).toBe('BF27');
    expect(hex(dec.transactionId)).toBe(hex(TX));
    expect(dec.smdpOid).toBe('2.999.10');
    expect(dec.notificationMetadata.iccid).toBe('89000123456789012341');
    expect(hex(dec.notificationMetadata.raw)).toBe(hex(md));
    expect(hex(dec.finalResult.successResult!.aid)).toBe(hex(AID));
    expect(hex(dec.finalResult.successResult!.simaResponse)).toBe('3007A0053003800100');
    expect(dec.finalResult.errorResult).toBeUndefined();
    expect(hex(dec.euiccSignPIR)).toBe(hex(SIG));
    expect(hex(dec.raw)).toBe(hex(pir));
  });

  it('error: A1 {80 bppCommandId, 81 errorReason, 82 simaResponse}', () => {
    const data = encodeProfileInstallationResultData({
      transactionId: h('01'),
      notificationMetadata: metadata,
      smdpOid: '2.999.10',
      finalResult: {
        errorResult: {
          bppCommandId: BppCommandId.loadProfileElements,
          errorReason: ErrorReason.installFailedDueToDataMismatch,
          simaResponse: h('3000'),
        },
      },
    });
    expect(hex(data.subarray(-14))).toBe('A20C A10A 800105 81010D 82023000'.replace(/ /g, ''));
    const dec = decodeProfileInstallationResult(encodeProfileInstallationResult({ profileInstallationResultData: data, euiccSignPIR: SIG }));
    expect(dec.finalResult).toEqual({ errorResult: { bppCommandId: 5, errorReason: 13, simaResponse: h('3000') } });
  });

  it('v2.0/2.1 PIR without smdpOid still decodes', () => {
    const data = encodeProfileInstallationResultData({
      transactionId: TX,
      notificationMetadata: encodeNotificationMetadata(metadata),
      finalResult: { errorResult: { bppCommandId: 0, errorReason: 127 } },
    });
    const dec = decodeProfileInstallationResult(encodeProfileInstallationResult({ profileInstallationResultData: data, euiccSignPIR: SIG }));
    expect(dec.smdpOid).toBeUndefined();
    expect(dec.finalResult.errorResult).toEqual({ bppCommandId: 0, errorReason: 127 });
  });

  it.each([
    ['missing signature', () => tlv(0xbf37, [tlv(0xbf27, [])]), 'ProfileInstallationResult: euiccSignPIR (tag 5F37) is missing'],
    [
      'missing finalResult',
      () => tlv(0xbf37, [tlv(0xbf27, [h('800101'), encodeNotificationMetadata(metadata)]), h('5F3700')]),
      'ProfileInstallationResult: profileInstallationResultData: finalResult (tag A2) is missing',
    ],
    [
      'unknown finalResult alternative',
      () => tlv(0xbf37, [tlv(0xbf27, [h('800101'), encodeNotificationMetadata(metadata), h('A202A300')]), h('5F3700')]),
      'finalResult: unknown CHOICE alternative A3',
    ],
    [
      'short AID',
      () =>
        tlv(0xbf37, [tlv(0xbf27, [h('800101'), encodeNotificationMetadata(metadata), h('A20AA0084F02A0000402AABB')]), h('5F3700')]),
      'successResult: aid: 2 bytes, expected 5..16',
    ],
    ['wrong outer tag', () => h('BF36 00'), 'ProfileInstallationResult: expected tag BF37, got BF36'],
    ['truncated', () => h('BF37 10 BF27'), 'ProfileInstallationResult: TLV BF37 truncated'],
  ])('refuses %s with Asn1Error', (_n, make, msg) => {
    expect(() => decodeProfileInstallationResult(make())).toThrow(Asn1Error);
    expect(() => decodeProfileInstallationResult(make())).toThrow(msg);
  });
});

describe('OtherSignedNotification and PendingNotification', () => {
  const tbs = encodeNotificationMetadata({
    seqNumber: 3,
    profileManagementOperation: ['notificationDelete'],
    notificationAddress: 'dp.example',
    iccid: '89000123456789012341',
  });
  const other = encodeOtherSignedNotification({
    tbsOtherNotification: tbs,
    euiccNotificationSignature: SIG,
    euiccCertificate: euiccCert,
    eumCertificate: eumCert,
  });

  it('encodes 30 {BF2F, 5F37, cert, cert}; tbsRaw is exactly the signed BF2F TLV', () => {
    expect(hex(other)).toBe(hex(tlv(0x30, [tbs, h(`5F3740${hex(SIG)}`), euiccCert, eumCert])));
    const dec = decodeOtherSignedNotification(other);
    expect(hex(dec.tbsRaw)).toBe(hex(tbs));
    expect(dec.tbsOtherNotification.profileManagementOperation).toEqual(['notificationDelete']);
    expect(dec.tbsOtherNotification.seqNumber).toBe(3);
    expect(hex(dec.euiccNotificationSignature)).toBe(hex(SIG));
    expect(hex(dec.euiccCertificate)).toBe(hex(euiccCert));
    expect(hex(dec.eumCertificate)).toBe(hex(eumCert));
  });

  it('PendingNotification picks the alternative by tag (BF37 vs 30)', () => {
    const pn1 = decodePendingNotification(other);
    expect(pn1.type).toBe('otherSignedNotification');
    expect(pn1.otherSignedNotification?.tbsOtherNotification.seqNumber).toBe(3);
    expect(pn1.profileInstallationResult).toBeUndefined();
    const data = encodeProfileInstallationResultData({
      transactionId: TX,
      notificationMetadata: { seqNumber: 1, profileManagementOperation: ['notificationInstall'], notificationAddress: 'a' },
      smdpOid: '2.999.10',
      finalResult: { errorResult: { bppCommandId: 1, errorReason: 8 } },
    });
    const pn2 = decodePendingNotification(encodeProfileInstallationResult({ profileInstallationResultData: data, euiccSignPIR: SIG }));
    expect(pn2.type).toBe('profileInstallationResult');
    expect(hex(pn2.profileInstallationResult!.profileInstallationResultDataRaw)).toBe(hex(data));
    expect(() => decodePendingNotification(h('BF2F00'))).toThrow('PendingNotification: expected tag BF37 or 30, got BF2F');
    expect(() => decodePendingNotification(Buffer.alloc(0))).toThrow(Asn1Error);
    expect(() => decodePendingNotification(tlv(0x30, [tbs, h('5F3700'), euiccCert]))).toThrow(
      'OtherSignedNotification: eumCertificate (tag 30) is missing',
    );
  });
});
