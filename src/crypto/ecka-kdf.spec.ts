import { ecka, generateOneTimeKeyPair, oneTimeKeyAgreement, oneTimeKeyPairFromPrivate } from './ecka';
import { CryptoError } from './errors';
import { deriveSessionKeys, eidToBytes, x963KdfSha256 } from './kdf';
import { h, vectors } from '../../test/fixtures/bsp/fixtures';
import { generateKeyPairSync } from 'node:crypto';

describe('ECKA (SGP.22 §2.6.4, digest §4.2)', () => {
  it('reproduces the mode51 vector: otPK.DP from otSK.DP, and ShS', () => {
    const v = vectors.ecka_mode51;
    const kp = oneTimeKeyPairFromPrivate('prime256v1', h(v.otSK_DP));
    expect(kp.publicKey.toString('hex')).toBe(v.otPK_DP_expected);
    expect(ecka(kp.privateKey, h(v.otPK_EUICC)).toString('hex')).toBe(v.ShS_expected);
  });

  it.each(['prime256v1', 'brainpoolP256r1'] as const)('agrees on both sides on %s (ECDH and KeyObject)', (curve) => {
    const dp = generateOneTimeKeyPair(curve);
    const euicc = generateOneTimeKeyPair(curve);
    expect(dp.publicKey).toHaveLength(65);
    expect(dp.publicKey[0]).toBe(4);
    const s1 = ecka(dp.privateKey, euicc.publicKey);
    expect(s1).toHaveLength(32);
    expect(ecka(euicc.privateKey, dp.publicKey)).toEqual(s1);
    const longTerm = generateKeyPairSync('ec', { namedCurve: curve });
    const pt = generateOneTimeKeyPair(curve);
    const viaKeyObject = ecka(longTerm.privateKey, pt.publicKey);
    const { oneTimePublicKey, sharedSecret } = oneTimeKeyAgreement(curve, pt.publicKey);
    expect(ecka(pt.privateKey, oneTimePublicKey)).toEqual(sharedSecret);
    expect(viaKeyObject).toHaveLength(32);
  });

  it('refuses a point not on the curve or of the wrong form with a CryptoError', () => {
    const dp = generateOneTimeKeyPair('prime256v1');
    const bad = Buffer.from(dp.publicKey);
    bad[64] ^= 1;
    expect(() => ecka(dp.privateKey, bad)).toThrow(CryptoError);
    expect(() => ecka(dp.privateKey, dp.publicKey.subarray(0, 33))).toThrow(CryptoError);
    // A brainpool point is not a P-256 point.
    expect(() => ecka(dp.privateKey, generateOneTimeKeyPair('brainpoolP256r1').publicKey)).toThrow(CryptoError);
  });
});

describe('X9.63 KDF / session keys (SGP.22 §2.6.4.3, digest §4.2)', () => {
  it.each([0, 1])('reproduces kdf vector %i', (i) => {
    const v = vectors.kdf[i];
    const k = deriveSessionKeys(h(v.ShS), h(v.hostId), eidToBytes(v.eid));
    expect(k.initialMacChainingValue.toString('hex')).toBe(v.initialMacChainingValue_expected);
    expect(k.sEnc.toString('hex')).toBe(v.S_ENC_expected);
    expect(k.sMac.toString('hex')).toBe(v.S_MAC_expected);
  });

  it('x963KdfSha256 truncates to the requested length and its blocks use counters 1, 2, …', () => {
    const z = h(vectors.kdf[0].ShS);
    const info = h('88' + '10' + '08' + '8080808080808080' + '10' + '89049032123451234512345678901335');
    const k48 = x963KdfSha256(z, info, 48);
    expect(x963KdfSha256(z, info, 20)).toEqual(k48.subarray(0, 20));
    expect(k48.subarray(0, 16).toString('hex')).toBe(vectors.kdf[0].initialMacChainingValue_expected);
  });

  it('eidToBytes packs the 32 digits without swapping and rejects anything else', () => {
    expect(eidToBytes('89049032123451234512345678901235').toString('hex')).toBe('89049032123451234512345678901235');
    expect(() => eidToBytes('8904903212345123451234567890123')).toThrow(CryptoError);
    expect(() => eidToBytes('8904903212345123451234567890123A')).toThrow(CryptoError);
  });
});
