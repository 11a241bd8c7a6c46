/**
 * Every decoder, fed truncations and random byte flips of a valid message, either succeeds or throws an
 * Asn1Error — never a TypeError/RangeError that would reach the wire as a 500.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Asn1Error, children, readTlv, tlv } from '../tlv';
import { decodeAuthenticateServerRequest, decodeServerSigned1, decodeSmdpSigned2, encodeAuthenticateServerRequest, encodeSmdpSigned2 } from './authentication';
import { decodeCancelSessionResponse, encodeCancelSessionResponse, encodeEuiccCancelSessionSigned } from './cancel-session';
import { decodeEUICCInfo1, decodeEUICCInfo2 } from './euicc-info';
import {
  decodePendingNotification,
  encodeOtherSignedNotification,
  encodeNotificationMetadata,
  encodeProfileInstallationResult,
  encodeProfileInstallationResultData,
} from './notification';
import { decodePrepareDownloadRequest, decodePrepareDownloadResponse, encodeEUICCSigned2, encodePrepareDownloadRequest, encodePrepareDownloadResponse } from './prepare-download';
import { decodeStoreMetadataRequest } from './profile-metadata';

const FIX = join(__dirname, '../../../test/fixtures/rsp');
const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const fixHex = (n: string) => h(readFileSync(join(FIX, n), 'utf8'));
const TX = h('0123456789ABCDEF8899AABBCCDDEEFF');
const SIG = Buffer.alloc(64, 1);
const OTPK = Buffer.concat([h('04'), Buffer.alloc(64, 2)]);
const cert = readFileSync(join(FIX, 'sgp26-eum-certificate-nist.der'));
const md = encodeNotificationMetadata({ seqNumber: 1, profileManagementOperation: ['notificationInstall'], notificationAddress: 'a', iccid: '89000123456789012341' });

const samples: Array<[string, Buffer, (b: Buffer) => unknown]> = [
  ['EUICCInfo1', fixHex('mode51-euiccInfo1-with-9000.hex'), decodeEUICCInfo1],
  ['EUICCInfo2', children(readTlv(fixHex('mode51-euiccSigned1.hex'))).find((c) => c.tag === 0xbf22)!.raw, decodeEUICCInfo2],
  ['ServerSigned1', fixHex('mode51-serverSigned1.hex'), decodeServerSigned1],
  ['SmdpSigned2', encodeSmdpSigned2({ transactionId: TX, ccRequiredFlag: true, bppEuiccOtpk: OTPK }), decodeSmdpSigned2],
  [
    'AuthenticateServerRequest',
    encodeAuthenticateServerRequest({
      serverSigned1: fixHex('mode51-serverSigned1.hex'),
      serverSignature1: SIG,
      euiccCiPKIdToBeUsed: Buffer.alloc(20, 3),
      serverCertificate: cert,
      ctxParams1: { matchingId: 'M', deviceInfo: { tac: h('35290611'), deviceCapabilities: h('800101'), imei: Buffer.alloc(8) } },
    }),
    decodeAuthenticateServerRequest,
  ],
  [
    'PrepareDownloadResponse',
    encodePrepareDownloadResponse({ ok: { euiccSigned2: encodeEUICCSigned2({ transactionId: TX, euiccOtpk: OTPK, hashCc: Buffer.alloc(32) }), euiccSignature2: SIG } }),
    decodePrepareDownloadResponse,
  ],
  [
    'PrepareDownloadRequest',
    encodePrepareDownloadRequest({ smdpSigned2: { transactionId: TX, ccRequiredFlag: false }, smdpSignature2: SIG, hashCc: Buffer.alloc(32), smdpCertificate: cert }),
    decodePrepareDownloadRequest,
  ],
  [
    'StoreMetadataRequest',
    tlv(0xbf25, [h('5A0A98001032547698103214 910141 920142 930101 940100 950101 B60B3009800207808103612E62 B708800300F1108101FF 99020560')]),
    decodeStoreMetadataRequest,
  ],
  [
    'PendingNotification/PIR',
    encodeProfileInstallationResult({
      profileInstallationResultData: encodeProfileInstallationResultData({
        transactionId: TX,
        notificationMetadata: md,
        smdpOid: '2.999.10',
        finalResult: { successResult: { aid: Buffer.alloc(16, 0xa0), simaResponse: h('3000') } },
      }),
      euiccSignPIR: SIG,
    }),
    decodePendingNotification,
  ],
  [
    'PendingNotification/other',
    encodeOtherSignedNotification({ tbsOtherNotification: md, euiccNotificationSignature: SIG, euiccCertificate: cert, eumCertificate: cert }),
    decodePendingNotification,
  ],
  [
    'CancelSessionResponse',
    encodeCancelSessionResponse({
      ok: { euiccCancelSessionSigned: encodeEuiccCancelSessionSigned({ transactionId: TX, smdpOid: '2.999.10', reason: 1 }), euiccCancelSessionSignature: SIG },
    }),
    decodeCancelSessionResponse,
  ],
];

describe('decoders raise only Asn1Error on malformed input', () => {
  it.each(samples)('%s', (_name, valid, decode) => {
    expect(() => decode(valid)).not.toThrow();
    const failures: unknown[] = [];
    let asn1 = 0;
    const attempt = (b: Buffer) => {
      try {
        decode(b);
      } catch (e) {
        if (e instanceof Asn1Error) asn1++;
        else failures.push(e);
      }
    };
    for (let n = 0; n < valid.length; n++) attempt(valid.subarray(0, n));
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
    for (let i = 0; i < 600; i++) {
      const b = Buffer.from(valid);
      const flips = 1 + (rnd() % 3);
      for (let k = 0; k < flips; k++) b[rnd() % b.length] = rnd() & 0xff;
      attempt(b);
    }
    attempt(Buffer.concat([valid.subarray(0, 4), tlv(0x04, Buffer.alloc(0))]));
    expect(failures).toEqual([]);
    expect(asn1).toBeGreaterThan(valid.length / 2);
  });
});
