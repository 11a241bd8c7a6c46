import { generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, h, vectors } from '../../test/fixtures/bsp/fixtures';
import {
  curveOfKey,
  derToRaw,
  parseSignatureDo,
  pointFromPublicKey,
  publicKeyFromPoint,
  rawToDer,
  signatureDo,
  signRaw,
  verifyRaw,
} from './ecdsa';
import { CryptoError } from './errors';

describe('ECDSA r‖s (SGP.22 §2.6.5, digest §2.0)', () => {
  it('verifies the real serverSignature1 sample with the SGP.26 CERT.DPauth.ECDSA (NIST)', () => {
    const v = vectors.serverSignature1_sample;
    const certDer = readFileSync(join(FIXTURES, 'CERT_S_SM_DPauth_ECDSA_NIST.der'));
    expect(certDer.toString('base64')).toBe(v.signer_certificate_der_b64);
    const pk = new X509Certificate(certDer).publicKey;
    const signed = Buffer.from(v.serverSigned1_b64, 'base64');
    const sigDo = Buffer.from(v.serverSignature1_b64, 'base64');
    expect(sigDo.subarray(0, 3).toString('hex')).toBe('5f3740');
    const rs = parseSignatureDo(sigDo);
    expect(rs).toHaveLength(64);
    expect(verifyRaw(pk, signed, rs)).toBe(true);
    // the same signature in DER form verifies with the default encoding
    expect(verify('sha256', signed, pk, rawToDer(rs))).toBe(true);
    // one changed byte of the signed data fails
    const tampered = Buffer.from(signed);
    tampered[5] ^= 1;
    expect(verifyRaw(pk, tampered, rs)).toBe(false);
    // the point round-trips through SPKI construction
    const point = pointFromPublicKey(pk);
    expect(point.toString('hex')).toBe(
      '044dfed4f4694791bf1695cea0307a35b41801969538' +
        '7bb75b7d2447b6b5209f0445ae4e5e521cd13888d75fe07c8580222ae20dbaac1d77cd763049934' +
        '21bd739',
    );
    expect(verifyRaw(publicKeyFromPoint('prime256v1', point), signed, rs)).toBe(true);
  });

  it.each(['prime256v1', 'brainpoolP256r1'] as const)('signs and verifies on %s', (curve) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const data = Buffer.from('smdpSigned2');
    const sig = signRaw(privateKey, data);
    expect(sig).toHaveLength(64);
    expect(verifyRaw(publicKey, data, sig)).toBe(true);
    expect(verify('sha256', data, publicKey, rawToDer(sig))).toBe(true);
    expect(derToRaw(sign('sha256', data, privateKey)).length).toBe(64);
    expect(verifyRaw(publicKey, data, derToRaw(sign('sha256', data, privateKey)))).toBe(true);
    // point ⇄ key
    const point = pointFromPublicKey(publicKey);
    expect(point).toHaveLength(65);
    expect(pointFromPublicKey(privateKey)).toEqual(point);
    const rebuilt = publicKeyFromPoint(curve, point);
    expect(curveOfKey(rebuilt)).toBe(curve);
    expect(rebuilt.export({ format: 'der', type: 'spki' })).toEqual(publicKey.export({ format: 'der', type: 'spki' }));
    expect(verifyRaw(rebuilt, data, sig)).toBe(true);
  });

  it('verifyRaw returns false, never throws, on malformed signatures', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const data = Buffer.from('x');
    const sig = signRaw(privateKey, data);
    expect(verifyRaw(publicKey, data, sig.subarray(0, 63))).toBe(false);
    expect(verifyRaw(publicKey, data, Buffer.concat([sig, Buffer.from([0])]))).toBe(false);
    expect(verifyRaw(publicKey, data, Buffer.alloc(64))).toBe(false);
    expect(verifyRaw(publicKey, data, Buffer.alloc(64, 0xff))).toBe(false);
    expect(verifyRaw(publicKey, data, rawToDer(sig))).toBe(false);
    const rsa = generateKeyPairSync('ed25519').publicKey;
    expect(verifyRaw(rsa, data, sig)).toBe(false);
  });

  it('rawToDer / derToRaw handle leading zeros and high bits exactly', () => {
    const r = h('00000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e');
    const s = h('ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
    const raw = Buffer.concat([r, s]);
    const der = rawToDer(raw);
    expect(der.toString('hex')).toBe(
      '3043' +
        '021e0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e' +
        '022100ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f',
    );
    expect(derToRaw(der)).toEqual(raw);
    expect(rawToDer(Buffer.alloc(64)).toString('hex')).toBe('3006020100020100');
    expect(derToRaw(h('3006020100020100'))).toEqual(Buffer.alloc(64));
    expect(() => derToRaw(h('3006020100020100ff'))).toThrow(CryptoError);
    expect(() => derToRaw(h('3006020180020100'))).toThrow(CryptoError);
    expect(() => derToRaw(h('30030201'))).toThrow(CryptoError);
    expect(() => derToRaw(rawToDer(Buffer.concat([Buffer.alloc(33, 1), Buffer.alloc(33, 1)])))).toThrow(CryptoError);
  });

  it('signatureDo / parseSignatureDo', () => {
    const sig = Buffer.alloc(64, 0xab);
    const d = signatureDo(sig);
    expect(d.toString('hex')).toBe('5f3740' + 'ab'.repeat(64));
    expect(parseSignatureDo(d)).toEqual(sig);
    expect(() => signatureDo(Buffer.alloc(63))).toThrow(CryptoError);
    expect(() => parseSignatureDo(h('5f373f' + 'ab'.repeat(63)))).toThrow(CryptoError);
    expect(() => parseSignatureDo(h('5f3840' + 'ab'.repeat(64)))).toThrow(CryptoError);
  });

  it('publicKeyFromPoint rejects points that are not uncompressed points on the curve', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const point = pointFromPublicKey(publicKey);
    expect(() => publicKeyFromPoint('prime256v1', point.subarray(1))).toThrow(CryptoError);
    const bad = Buffer.from(point);
    bad[40] ^= 1;
    expect(() => publicKeyFromPoint('prime256v1', bad)).toThrow(CryptoError);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    expect(() => curveOfKey(p384)).toThrow(CryptoError);
  });
});
