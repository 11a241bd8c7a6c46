import { X509Certificate, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Asn1Error, tlv } from '../tlv';
import {
  AuthenticateErrorCode,
  decodeAuthenticateServerRequest,
  decodeAuthenticateServerResponse,
  decodeServerSigned1,
  decodeSmdpSigned2,
  encodeAuthenticateServerRequest,
  encodeAuthenticateServerResponse,
  encodeCtxParams1,
  encodeEuiccSigned1,
  encodeServerSigned1,
  encodeSmdpSigned2,
} from './authentication';

const FIX = join(__dirname, '../../../test/fixtures/rsp');
const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();
const fixHex = (name: string) => h(readFileSync(join(FIX, name), 'utf8'));
const fixDer = (name: string) => readFileSync(join(FIX, name));

/** 30 ‖ length ‖ the given hex children. */
const seq = (...kids: string[]) => tlv(0x30, kids.map(h)).toString('hex');

const TX = h('0123456789ABCDEF8899AABBCCDDEEFF');
const SERVER_CHALLENGE = h('8899AABBCCDDEEFF0011223344556677');

/** Deterministic byte mutations: every decoder failure must be an Asn1Error, never another exception type. */
function expectOnlyAsn1Errors(input: Buffer, decode: (b: Buffer) => unknown): void {
  const outcomes: unknown[] = [];
  const attempt = (b: Buffer) => {
    try {
      decode(b);
      outcomes.push('ok');
    } catch (e) {
      outcomes.push(e instanceof Asn1Error ? 'asn1' : e);
    }
  };
  for (let n = 0; n < input.length; n += Math.max(1, Math.floor(input.length / 97))) attempt(input.subarray(0, n));
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 400; i++) {
    const b = Buffer.from(input);
    b[rnd() % b.length] = rnd() & 0xff;
    attempt(b);
  }
  expect(outcomes.filter((o) => o !== 'ok' && o !== 'asn1')).toEqual([]);
  expect(outcomes).toContain('asn1');
}

describe('ServerSigned1', () => {
  const sample = fixHex('mode51-serverSigned1.hex');

  it('decodes the real mode51 sample and re-encodes it identically', () => {
    const s = decodeServerSigned1(sample);
    expect(hex(s.transactionId)).toBe(hex(TX));
    expect(hex(s.euiccChallenge)).toBe('BFD65180679BB3DD2A15BD1802F157EB');
    expect(s.serverAddress).toBe('testsmdpplus1.example.com');
    expect(hex(s.serverChallenge)).toBe(hex(SERVER_CHALLENGE));
    expect(s.extensions).toEqual([]);
    expect(hex(s.raw)).toBe(hex(sample));
    expect(hex(encodeServerSigned1(s))).toBe(hex(sample));
  });

  it('raw is exactly what serverSignature1 covers (verifies with the SGP.26 CERT.DPauth)', () => {
    const s = decodeServerSigned1(sample);
    const sigDo = fixHex('mode51-serverSignature1.hex');
    expect(hex(sigDo.subarray(0, 3))).toBe('5F3740');
    const cert = new X509Certificate(fixDer('sgp26-dpauth-certificate-nist.der'));
    expect(verify('sha256', s.raw, { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, sigDo.subarray(3))).toBe(true);
  });

  it('encodes exact bytes (tags 80 81 83 84, no 82)', () => {
    const enc = encodeServerSigned1({
      transactionId: h('01'),
      euiccChallenge: Buffer.alloc(16, 0x11),
      serverAddress: 'a.b',
      serverChallenge: Buffer.alloc(16, 0x22),
    });
    expect(hex(enc)).toBe(`302C 800101 8110${'11'.repeat(16)} 8303612E62 8410${'22'.repeat(16)}`.replace(/ /g, ''));
  });

  it.each([
    ['wrong outer tag', 'BF38 00', 'ServerSigned1: expected tag 30, got BF38'],
    ['truncated', '3051 8010 0123', 'ServerSigned1: TLV 30 truncated'],
    ['missing serverChallenge', seq('800101', `8110${'00'.repeat(16)}`, '830161'), 'ServerSigned1: serverChallenge (tag 84) is missing'],
    ['15-byte euiccChallenge', seq('800101', `810F${'00'.repeat(15)}`, '830161', `8410${'00'.repeat(16)}`), 'ServerSigned1: euiccChallenge: 15 bytes, expected 16'],
    ['17-byte transactionId', seq(`8011${'00'.repeat(17)}`, `8110${'00'.repeat(16)}`, '830161', `8410${'00'.repeat(16)}`), 'ServerSigned1: transactionId: 17 bytes, expected 1..16'],
  ])('refuses %s with Asn1Error', (_n, input, msg) => {
    expect(() => decodeServerSigned1(h(input))).toThrow(Asn1Error);
    expect(() => decodeServerSigned1(h(input))).toThrow(msg);
  });

  it('encoder refuses a wrong challenge length with Asn1Error', () => {
    expect(() =>
      encodeServerSigned1({ transactionId: TX, euiccChallenge: h('00'), serverAddress: 'x', serverChallenge: SERVER_CHALLENGE }),
    ).toThrow('ServerSigned1: euiccChallenge: 1 bytes, expected 16');
  });
});

describe('AuthenticateServerResponse (BF38)', () => {
  // Real euiccSigned1 + euiccSignature1 + CERT.EUICC (mode51 / Comprion test eUICC); EUM cert from SGP.26.
  const euiccSigned1 = fixHex('mode51-euiccSigned1.hex');
  const sigDo = fixHex('mode51-euiccSignature1.hex');
  const euiccCert = fixDer('mode51-euicc-certificate.der');
  const eumCert = fixDer('sgp26-eum-certificate-nist.der');
  const bf38 = tlv(0xbf38, [tlv(0xa0, [euiccSigned1, sigDo, euiccCert, eumCert])]);

  it('decodes the real response: signed fields, ctxParams1, certificates', () => {
    const r = decodeAuthenticateServerResponse(Buffer.concat([bf38, h('9000')]));
    expect(r.error).toBeUndefined();
    const ok = r.ok!;
    const s = ok.euiccSigned1;
    expect(hex(s.transactionId)).toBe(hex(TX));
    expect(s.serverAddress).toBe('testsmdpplus1.example.com');
    expect(hex(s.serverChallenge)).toBe(hex(SERVER_CHALLENGE));
    expect(s.euiccInfo2.svn).toBe('2.2.0');
    expect(s.euiccInfo2.sasAcreditationNumber).toBe('G&DAccreditationNbr');
    expect(hex(s.euiccInfo2.raw.subarray(0, 4))).toBe('BF2281F8');
    expect(s.ctxParams1.matchingId).toBe('23');
    expect(hex(s.ctxParams1.deviceInfo.tac)).toBe('35550607');
    expect(s.ctxParams1.deviceInfo.deviceCapabilities.length).toBe(0);
    expect(hex(s.ctxParams1.deviceInfo.deviceCapabilitiesRaw)).toBe('A100');
    expect(s.ctxParams1.deviceInfo.imei).toBeUndefined();
    expect(hex(s.ctxParams1.raw)).toBe('A00E80023233A108800435550607A100');
    expect(hex(ok.euiccSignature1)).toBe(hex(sigDo.subarray(3)));
    expect(hex(ok.euiccSignature1Raw)).toBe(hex(sigDo));
    expect(hex(ok.euiccCertificate)).toBe(hex(euiccCert));
    expect(hex(ok.eumCertificate)).toBe(hex(eumCert));
    expect(hex(r.raw)).toBe(hex(bf38));
  });

  it('euiccSigned1Raw is exactly the signed bytes: the real euiccSignature1 verifies over it', () => {
    const ok = decodeAuthenticateServerResponse(bf38).ok!;
    expect(hex(ok.euiccSigned1Raw)).toBe(hex(euiccSigned1));
    expect(hex(ok.euiccSigned1Raw.subarray(0, 4))).toBe('3082014B');
    const key = new X509Certificate(ok.euiccCertificate).publicKey;
    expect(verify('sha256', ok.euiccSigned1Raw, { key, dsaEncoding: 'ieee-p1363' }, ok.euiccSignature1)).toBe(true);
  });

  it('the test eUICC encoders rebuild the real eUICC bytes exactly', () => {
    const ok = decodeAuthenticateServerResponse(bf38).ok!;
    const s = ok.euiccSigned1;
    const rebuilt = encodeEuiccSigned1({
      transactionId: s.transactionId,
      serverAddress: s.serverAddress,
      serverChallenge: s.serverChallenge,
      euiccInfo2: s.euiccInfo2, // re-encoded from the decoded fields
      ctxParams1: { matchingId: '23', deviceInfo: { tac: h('35550607'), deviceCapabilities: Buffer.alloc(0) } },
    });
    expect(hex(rebuilt)).toBe(hex(euiccSigned1));
    const resp = encodeAuthenticateServerResponse({
      ok: { euiccSigned1: rebuilt, euiccSignature1: ok.euiccSignature1, euiccCertificate: euiccCert, eumCertificate: eumCert },
    });
    expect(hex(resp)).toBe(hex(bf38));
  });

  it('error alternative: BF38 A1 {80 txId, 02 code} both ways', () => {
    const enc = encodeAuthenticateServerResponse({
      error: { transactionId: TX, authenticateErrorCode: AuthenticateErrorCode.euiccChallengeMismatch },
    });
    expect(hex(enc)).toBe(`BF3817 A115 8010${hex(TX)} 020106`.replace(/ /g, ''));
    const dec = decodeAuthenticateServerResponse(enc);
    expect(dec.ok).toBeUndefined();
    expect(hex(dec.error!.transactionId)).toBe(hex(TX));
    expect(dec.error!.authenticateErrorCode).toBe(6);
  });

  it('ctxParams1 with IMEI and device capabilities', () => {
    const enc = encodeCtxParams1({
      deviceInfo: { tac: h('35290611'), deviceCapabilities: h('8003000001'), imei: h('3529061100000010') },
    });
    expect(hex(enc)).toBe('A019 A117 800435290611 A1058003000001 82083529061100000010'.replace(/ /g, ''));
  });

  it.each([
    ['wrong outer tag', (b: Buffer) => Buffer.concat([h('BF39'), b.subarray(2)]), 'AuthenticateServerResponse: expected tag BF38, got BF39'],
    ['truncated', (b: Buffer) => b.subarray(0, 100), 'AuthenticateServerResponse: TLV BF38 truncated'],
    ['absurd length', () => h('BF38 84 7FFFFFFF A000'), 'AuthenticateServerResponse: TLV BF38 truncated'],
    ['unknown CHOICE alternative', () => h('BF38 02 A200'), 'unknown CHOICE alternative A2'],
    ['missing eumCertificate', () => tlv(0xbf38, [tlv(0xa0, [euiccSigned1, sigDo, euiccCert])]), 'authenticateResponseOk: eumCertificate (tag 30) is missing'],
    ['missing signature', () => tlv(0xbf38, [tlv(0xa0, [euiccSigned1, euiccCert, eumCert])]), 'euiccSignature1 (tag 5F37) is missing'],
    ['missing ctxParams1', () => tlv(0xbf38, [tlv(0xa0, [h('3000'), sigDo, euiccCert, eumCert])]), 'euiccSigned1: ctxParams1 (tag A0) is missing'],
    ['missing error code', () => h('BF38 05 A103 800101'), 'authenticateResponseError: authenticateErrorCode (tag 02) is missing'],
  ])('refuses %s with Asn1Error naming the element', (_n, make, msg) => {
    const bad = make(bf38);
    expect(() => decodeAuthenticateServerResponse(bad)).toThrow(Asn1Error);
    expect(() => decodeAuthenticateServerResponse(bad)).toThrow(msg);
  });

  it('a missing element deep inside names its path', () => {
    const noDeviceInfo = Buffer.from(hex(euiccSigned1).replace('A00E80023233A108800435550607A100', 'A00E80023233A208800435550607A100'), 'hex');
    const bad = tlv(0xbf38, [tlv(0xa0, [noDeviceInfo, sigDo, euiccCert, eumCert])]);
    expect(() => decodeAuthenticateServerResponse(bad)).toThrow(
      'AuthenticateServerResponse: authenticateResponseOk: euiccSigned1: ctxParams1: deviceInfo (tag A1) is missing',
    );
  });

  it('truncations and random byte flips raise only Asn1Error', () => {
    expectOnlyAsn1Errors(bf38, decodeAuthenticateServerResponse);
  });
});

describe('AuthenticateServerRequest (ES10b BF38)', () => {
  it('round-trips with the real serverSigned1 kept raw', () => {
    const serverSigned1 = fixHex('mode51-serverSigned1.hex');
    const sigDo = fixHex('mode51-serverSignature1.hex');
    const cert = fixDer('sgp26-dpauth-certificate-nist.der');
    const enc = encodeAuthenticateServerRequest({
      serverSigned1,
      serverSignature1: sigDo.subarray(3),
      euiccCiPKIdToBeUsed: h('F54172BDF98A95D65CBEB88A38A1C11D800A85C3'),
      serverCertificate: cert,
      ctxParams1: { matchingId: 'ABC-123', deviceInfo: { tac: h('35290611'), deviceCapabilities: Buffer.alloc(0) } },
    });
    expect(hex(enc.subarray(0, 2))).toBe('BF38');
    const dec = decodeAuthenticateServerRequest(enc);
    expect(hex(dec.serverSigned1.raw)).toBe(hex(serverSigned1));
    expect(hex(dec.serverSignature1)).toBe(hex(sigDo.subarray(3)));
    expect(hex(dec.euiccCiPKIdToBeUsed)).toBe('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
    expect(hex(dec.serverCertificate)).toBe(hex(cert));
    expect(dec.ctxParams1.matchingId).toBe('ABC-123');
    expect(hex(dec.raw)).toBe(hex(enc));
    expect(() => decodeAuthenticateServerRequest(tlv(0xbf38, [serverSigned1, sigDo]))).toThrow(
      'AuthenticateServerRequest: euiccCiPKIdToBeUsed (tag 04) is missing',
    );
  });
});

describe('SmdpSigned2', () => {
  it('encodes exact bytes without and with bppEuiccOtpk, and decodes them back', () => {
    const a = encodeSmdpSigned2({ transactionId: TX, ccRequiredFlag: false });
    expect(hex(a)).toBe(`3015 8010${hex(TX)} 010100`.replace(/ /g, ''));
    const otpk = Buffer.concat([h('04'), Buffer.alloc(64, 0xab)]);
    const b = encodeSmdpSigned2({ transactionId: TX, ccRequiredFlag: true, bppEuiccOtpk: otpk });
    expect(hex(b)).toBe(`3059 8010${hex(TX)} 0101FF 5F4941${hex(otpk)}`.replace(/ /g, ''));
    const da = decodeSmdpSigned2(a);
    expect([hex(da.transactionId), da.ccRequiredFlag, da.bppEuiccOtpk, hex(da.raw)]).toEqual([hex(TX), false, undefined, hex(a)]);
    const db = decodeSmdpSigned2(b);
    expect([db.ccRequiredFlag, hex(db.bppEuiccOtpk!)]).toEqual([true, hex(otpk)]);
  });

  it('refuses a missing ccRequiredFlag with Asn1Error', () => {
    expect(() => decodeSmdpSigned2(h('3003 800101'))).toThrow('SmdpSigned2: ccRequiredFlag (tag 01) is missing');
  });
});
