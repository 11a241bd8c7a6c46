import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { h, vectors } from '../../../test/fixtures/bsp/fixtures';
import { children, readOne, Tlv, tlv } from '../../asn1/tlv';
import { BspSession } from '../../crypto/bsp';
import { signRaw, verifyRaw } from '../../crypto/ecdsa';
import { ecka, generateOneTimeKeyPair } from '../../crypto/ecka';
import { deriveSessionKeys, eidToBytes, SessionKeys } from '../../crypto/kdf';
import {
  BppBuildError,
  BppCommandId,
  BppError,
  buildBoundProfilePackage,
  encodeInitialiseSecureChannelRequest,
  encodeReplaceSessionKeysRequest,
  ErrorReason,
  generateProfileProtectionKeys,
  initialiseSecureChannelSignedData,
  openBoundProfilePackage,
  parseInitialiseSecureChannelRequest,
  parseReplaceSessionKeysRequest,
  ProfileProtectionKeys,
  protectProfileWithPpk,
} from './index';

const chain = vectors.protection_chain_session_keys;
const ppkChain = vectors.protection_chain_ppk;
const vectorSessionKeys = (): SessionKeys => ({
  sEnc: h(chain.S_ENC),
  sMac: h(chain.S_MAC),
  initialMacChainingValue: h(chain.initialMacChainingValue),
});
const vectorPpk = (): ProfileProtectionKeys => ({
  ppkEnc: h(ppkChain.PPK_ENC),
  ppkCmac: h(ppkChain.PPK_MAC),
  initialMacChainingValue: h(ppkChain.initialMacChainingValue),
});
const vectorUpp = () => Buffer.concat(ppkChain.steps.map((s: { plaintext: string }) => h(s.plaintext)));

const TX = h('df9c0ef4041a47ee9bfdcf0ab10770ed');
const HOST = Buffer.from('mahlzeit');
const P1 = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0x11)]);
const P2 = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 0x22)]);
const SIG = Buffer.alloc(64, 0x33);

/** Byte offset of a TLV inside the buffer it was read from. */
const offsetIn = (whole: Buffer, t: Tlv) => t.raw.byteOffset - whole.byteOffset;

describe('InitialiseSecureChannel (SGP.22 §5.5.1, digest §4.4)', () => {
  it('encodes BF23 in definition order and the smdpSign input exactly', () => {
    const signedPrefix =
      '820101' + '8010df9c0ef4041a47ee9bfdcf0ab10770ed' + 'a610800188810110' + '84086d61686c7a656974' + '5f4941' + '04' + '11'.repeat(64);
    expect(
      initialiseSecureChannelSignedData({ transactionId: TX, hostId: HOST, smdpOtpk: P1, euiccOtpk: P2 }).toString('hex'),
    ).toBe(signedPrefix + '5f4941' + '04' + '22'.repeat(64));
    const bf23 = encodeInitialiseSecureChannelRequest({ transactionId: TX, hostId: HOST, smdpOtpk: P1, smdpSign: SIG });
    const content = signedPrefix + '5f3740' + '33'.repeat(64);
    expect(bf23.toString('hex')).toBe('bf2381' + (content.length / 2).toString(16) + content);

    const parsed = parseInitialiseSecureChannelRequest(bf23);
    expect(parsed.remoteOpId).toBe(1);
    expect(parsed.transactionId).toEqual(TX);
    expect(parsed.hostId).toEqual(HOST);
    expect(parsed.keyType).toBe(0x88);
    expect(parsed.keyLength).toBe(0x10);
    expect(parsed.smdpOtpk).toEqual(P1);
    expect(parsed.smdpSign).toEqual(SIG);
    expect(parsed.signedDataPrefix.toString('hex')).toBe(signedPrefix);
    expect(parsed.raw).toEqual(bf23);
  });

  it.each([
    ['remoteOpId 2', '820101', '820102', ErrorReason.unsupportedRemoteOperationType],
    ['keyType 89', '800188', '800189', ErrorReason.unsupportedCrtValues],
    ['keyLen 20', '810110', '810120', ErrorReason.unsupportedCrtValues],
    ['hostId tag changed', '8408', '8508', ErrorReason.incorrectInputValues],
    ['order 80 before 82', '8201018010df9c0ef4041a47ee9bfdcf0ab10770ed', '8010df9c0ef4041a47ee9bfdcf0ab10770ed820101', ErrorReason.incorrectInputValues],
  ])('refuses %s with the right ErrorReason', (_what, from, to, reason) => {
    const bf23 = encodeInitialiseSecureChannelRequest({ transactionId: TX, hostId: HOST, smdpOtpk: P1, smdpSign: SIG });
    const bad = h(bf23.toString('hex').replace(from, to));
    expect(() => parseInitialiseSecureChannelRequest(bad)).toThrow(
      expect.objectContaining({ name: 'BppError', bppCommandId: BppCommandId.initialiseSecureChannel, errorReason: reason }),
    );
  });

  it('refuses to encode out-of-range fields', () => {
    expect(() =>
      encodeInitialiseSecureChannelRequest({ transactionId: TX, hostId: HOST, smdpOtpk: P1, smdpSign: SIG.subarray(1) }),
    ).toThrow(BppBuildError);
    expect(() =>
      encodeInitialiseSecureChannelRequest({ transactionId: Buffer.alloc(17), hostId: HOST, smdpOtpk: P1, smdpSign: SIG }),
    ).toThrow(BppBuildError);
  });
});

describe('ReplaceSessionKeys (SGP.22 §5.5.4)', () => {
  it('encodes the vector plaintext exactly and parses it back', () => {
    const bf26 = encodeReplaceSessionKeysRequest(vectorPpk());
    expect(bf26.toString('hex')).toBe(chain.steps[2].plaintext);
    expect(parseReplaceSessionKeysRequest(bf26)).toEqual(vectorPpk());
    expect(() => parseReplaceSessionKeysRequest(h('bf2603800100'))).toThrow(
      expect.objectContaining({ bppCommandId: BppCommandId.replaceSessionKeys, errorReason: ErrorReason.incorrectInputValues }),
    );
  });

  it('generates 16-byte PPKs from the injected randomness', () => {
    let n = 0;
    const ppk = generateProfileProtectionKeys((len) => Buffer.alloc(len, ++n));
    expect(ppk.initialMacChainingValue).toEqual(Buffer.alloc(16, 1));
    expect(ppk.ppkEnc).toEqual(Buffer.alloc(16, 2));
    expect(ppk.ppkCmac).toEqual(Buffer.alloc(16, 3));
  });
});

describe('Bound Profile Package on the known-answer vectors (digest §4.3 table)', () => {
  const bf23 = encodeInitialiseSecureChannelRequest({ transactionId: TX, hostId: HOST, smdpOtpk: P1, smdpSign: SIG });
  const common = () => ({
    initialiseSecureChannelRequest: bf23,
    sessionKeys: vectorSessionKeys(),
    configureIsdpRequest: h(chain.steps[0].plaintext),
    storeMetadataRequest: h(chain.steps[1].plaintext),
  });

  it('protectProfileWithPpk gives the two 86 vector segments', () => {
    expect(protectProfileWithPpk(vectorUpp(), vectorPpk()).map((b) => b.toString('hex'))).toEqual(
      ppkChain.steps.map((s: { tlv_expected: string }) => s.tlv_expected),
    );
  });

  it.each(['ppkSegments', 'upp'])('builds BF36 {BF23, A0{87}, A1{88}, A2{87}, A3{86 86}} with exact bytes (%s)', (via) => {
    const bpp = buildBoundProfilePackage({
      ...common(),
      replaceSessionKeys: vectorPpk(),
      ...(via === 'upp' ? { upp: vectorUpp() } : { ppkSegments: protectProfileWithPpk(vectorUpp(), vectorPpk()) }),
    });
    const expected = Buffer.concat([
      bf23,
      h('a01a' + chain.steps[0].tlv_expected),
      h('a13a' + chain.steps[1].tlv_expected),
      h('a24a' + chain.steps[2].tlv_expected),
      h('a38207f8' + ppkChain.steps[0].tlv_expected + ppkChain.steps[1].tlv_expected),
    ]);
    expect(bpp.toString('hex')).toBe('bf3682' + expected.length.toString(16).padStart(4, '0') + expected.toString('hex'));

    const opened = openBoundProfilePackage(bpp, (isc) => {
      expect(isc.transactionId).toEqual(TX);
      return vectorSessionKeys();
    });
    expect(opened.configureIsdp.toString('hex')).toBe('bf2400');
    expect(opened.storeMetadata.toString('hex')).toBe(chain.steps[1].plaintext);
    expect(opened.replaceSessionKeys).toEqual(vectorPpk());
    expect(opened.upp).toEqual(vectorUpp());
  });

  it('without ReplaceSessionKeys the 86 segments continue the session chain (counter 3, 4, …)', () => {
    const bpp = buildBoundProfilePackage({ ...common(), upp: vectorUpp() });
    const items = children(readOne(bpp, 0xbf36, 'BPP'));
    expect(items.map((i) => i.tag)).toEqual([0xbf23, 0xa0, 0xa1, 0xa3]);
    const ref = new BspSession(vectorSessionKeys());
    ref.protect(0x87, h('bf2400'), true);
    ref.protect(0x88, h(chain.steps[1].plaintext), false);
    expect(ref.blockCounter).toBe(3);
    expect(items[3].value).toEqual(Buffer.concat(ref.protectSegments(0x86, vectorUpp(), true)));
    const opened = openBoundProfilePackage(bpp, () => vectorSessionKeys());
    expect(opened.replaceSessionKeys).toBeUndefined();
    expect(opened.upp).toEqual(vectorUpp());
  });

  it('refuses inconsistent build inputs', () => {
    expect(() => buildBoundProfilePackage({ ...common() })).toThrow(BppBuildError);
    expect(() => buildBoundProfilePackage({ ...common(), upp: vectorUpp(), ppkSegments: [] , replaceSessionKeys: vectorPpk() })).toThrow(
      BppBuildError,
    );
    expect(() => buildBoundProfilePackage({ ...common(), ppkSegments: [h('8600')] })).toThrow(BppBuildError);
    expect(() => buildBoundProfilePackage({ ...common(), storeMetadataRequest: h('bf2400'), upp: vectorUpp() })).toThrow(
      /storeMetadataRequest must be a BF25 TLV/,
    );
  });
});

describe.each(['prime256v1', 'brainpoolP256r1'] as const)('full binding round trip on %s', (curve) => {
  const EID = '89049032123451234512345678901235';
  const dppb = generateKeyPairSync('ec', { namedCurve: curve });
  const storeMetadata = h(chain.steps[1].plaintext);

  /** SM-DP+ side, as in ES9+.GetBoundProfilePackage. */
  function bind(euiccOtpk: Buffer, txId: Buffer, profile: { upp?: Buffer; ppk?: ProfileProtectionKeys; segments?: Buffer[] }) {
    const dpOt = generateOneTimeKeyPair(curve);
    const hostId = randomBytes(8);
    const sessionKeys = deriveSessionKeys(ecka(dpOt.privateKey, euiccOtpk), hostId, eidToBytes(EID));
    const signed = initialiseSecureChannelSignedData({ transactionId: txId, hostId, smdpOtpk: dpOt.publicKey, euiccOtpk });
    const smdpSign = signRaw(dppb.privateKey, signed);
    return buildBoundProfilePackage({
      initialiseSecureChannelRequest: encodeInitialiseSecureChannelRequest({
        transactionId: txId,
        hostId,
        smdpOtpk: dpOt.publicKey,
        smdpSign,
      }),
      sessionKeys,
      configureIsdpRequest: h('bf2400'),
      storeMetadataRequest: storeMetadata,
      replaceSessionKeys: profile.ppk,
      upp: profile.upp,
      ppkSegments: profile.segments,
    });
  }

  /** eUICC side. */
  function open(bpp: Buffer, euicc: ReturnType<typeof generateOneTimeKeyPair>, txId: Buffer) {
    return openBoundProfilePackage(
      bpp,
      (isc) => {
        if (!isc.transactionId.equals(txId)) {
          throw new BppError(BppCommandId.initialiseSecureChannel, ErrorReason.invalidTransactionId, 'txId');
        }
        if (!verifyRaw(dppb.publicKey, isc.signedData!, isc.smdpSign)) {
          throw new BppError(BppCommandId.initialiseSecureChannel, ErrorReason.invalidSignature, 'smdpSign');
        }
        return deriveSessionKeys(ecka(euicc.privateKey, isc.smdpOtpk), isc.hostId, eidToBytes(EID));
      },
      { euiccOtpk: euicc.publicKey },
    );
  }

  const upp = randomBytes(5000);
  const txId = randomBytes(16);

  it('binds and opens without ReplaceSessionKeys; every 86/88 TLV ≤ 1020 bytes', () => {
    const euicc = generateOneTimeKeyPair(curve);
    const bpp = bind(euicc.publicKey, txId, { upp });
    const items = children(readOne(bpp, 0xbf36, 'BPP'));
    const segs = children(items[3]);
    expect(segs.map((s) => s.raw.length)).toEqual([1020, 1020, 1020, 1020, 988]); // 4 × 1007 + 972 bytes
    const opened = open(bpp, euicc, txId);
    expect(opened.upp).toEqual(upp);
    expect(opened.storeMetadata).toEqual(storeMetadata);
    expect(opened.initialiseSecureChannel.euiccOtpk).toEqual(euicc.publicKey);
  });

  it('re-binds one PPK-protected profile to two eUICCs', () => {
    const ppk = generateProfileProtectionKeys();
    const segments = protectProfileWithPpk(upp, ppk);
    for (let i = 0; i < 2; i++) {
      const euicc = generateOneTimeKeyPair(curve);
      const bpp = bind(euicc.publicKey, txId, { ppk, segments });
      const opened = open(bpp, euicc, txId);
      expect(opened.upp).toEqual(upp);
      expect(opened.replaceSessionKeys).toEqual(ppk);
    }
  });

  it('another eUICC (other otPK) cannot open the package: smdpSign fails', () => {
    const euicc = generateOneTimeKeyPair(curve);
    const bpp = bind(euicc.publicKey, txId, { upp });
    expect(() => open(bpp, generateOneTimeKeyPair(curve), txId)).toThrow(
      expect.objectContaining({ bppCommandId: 0, errorReason: ErrorReason.invalidSignature }),
    );
    expect(() => open(bpp, euicc, randomBytes(16))).toThrow(
      expect.objectContaining({ bppCommandId: 0, errorReason: ErrorReason.invalidTransactionId }),
    );
  });

  it.each([
    ['A0 87 MAC', 1, 0, -1, BppCommandId.configureISDP, ErrorReason.scp03tSecurityError],
    ['A1 88 data', 2, 0, 10, BppCommandId.storeMetadata, ErrorReason.scp03tSecurityError],
    ['A2 87 ciphertext', 3, 0, 5, BppCommandId.replaceSessionKeys, ErrorReason.scp03tSecurityError],
    ['A3 second 86 MAC', 4, 1, -3, BppCommandId.loadProfileElements, ErrorReason.scp03tSecurityError],
    ['A3 last 86 tag', 4, 4, 0, BppCommandId.loadProfileElements, ErrorReason.scp03tStructureError],
  ])('a tampered byte in %s is reported with its command and reason', (_what, item, seg, pos, command, reason) => {
    const euicc = generateOneTimeKeyPair(curve);
    const ppk = generateProfileProtectionKeys();
    const bpp = bind(euicc.publicKey, txId, { ppk, upp });
    const target = children(children(readOne(bpp, 0xbf36, 'BPP'))[item])[seg];
    const at = offsetIn(bpp, target) + (pos < 0 ? target.raw.length + pos : pos);
    const bad = Buffer.from(bpp);
    bad[at] ^= 0x40;
    expect(() => open(bad, euicc, txId)).toThrow(
      expect.objectContaining({ name: 'BppError', bppCommandId: command, errorReason: reason }),
    );
  });
});

describe('openBoundProfilePackage structure errors', () => {
  const keys = vectorSessionKeys;
  const bf23 = encodeInitialiseSecureChannelRequest({ transactionId: TX, hostId: HOST, smdpOtpk: P1, smdpSign: SIG });
  const bpp = () =>
    buildBoundProfilePackage({
      initialiseSecureChannelRequest: bf23,
      sessionKeys: keys(),
      configureIsdpRequest: h('bf2400'),
      storeMetadataRequest: h(chain.steps[1].plaintext),
      upp: Buffer.alloc(100, 1),
    });

  it('a missing A0 or a wrong outer tag is initialiseSecureChannel/incorrectInputValues', () => {
    const b = bpp();
    const items = children(readOne(b, 0xbf36, 'BPP'));
    const withoutA0 = Buffer.concat([items[0].raw, items[2].raw, items[3].raw]);
    const rebuilt = Buffer.concat([h('bf3682'), Buffer.from([withoutA0.length >> 8, withoutA0.length & 0xff]), withoutA0]);
    for (const input of [rebuilt, Buffer.concat([h('bf35'), b.subarray(2)]), b.subarray(0, 50)]) {
      expect(() => openBoundProfilePackage(input, keys)).toThrow(
        expect.objectContaining({ bppCommandId: 0, errorReason: ErrorReason.incorrectInputValues }),
      );
    }
  });

  it('an 86 TLV over 1020 bytes is a structure error unless allowed', () => {
    const dp = new BspSession(keys());
    const a0 = tlv(0xa0, dp.protect(0x87, h('bf2400'), true));
    const a1 = tlv(0xa1, dp.protect(0x88, h(chain.steps[1].plaintext), false));
    const bppWith = (seg: Buffer) => tlv(0xbf36, [bf23, a0, a1, tlv(0xa3, seg)]);
    // 1007 bytes → exactly 1020: accepted
    const plain = Buffer.alloc(1007, 9);
    const legal = dp.protect(0x86, plain, true);
    expect(legal).toHaveLength(1020);
    expect(openBoundProfilePackage(bppWith(legal), keys).upp).toEqual(plain);
    // a 1036-byte 86 TLV as pySim emits (1008 bytes of ciphertext + MAC); its MAC is garbage, the size check comes first
    const bad = bppWith(Buffer.concat([h('86820408'), Buffer.alloc(0x408)]));
    expect(() => openBoundProfilePackage(bad, keys)).toThrow(
      expect.objectContaining({ bppCommandId: BppCommandId.loadProfileElements, errorReason: ErrorReason.scp03tStructureError }),
    );
    expect(() => openBoundProfilePackage(bad, keys, { enforceMaxLength: false })).toThrow(
      expect.objectContaining({ bppCommandId: BppCommandId.loadProfileElements, errorReason: ErrorReason.scp03tSecurityError }),
    );
  });
});
