import { createECDH, createPrivateKey, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RspError } from '../common/rsp-error';
import { SoftwareKeyOperations, UnknownKeyError } from './software-key-operations';

describe('SoftwareKeyOperations', () => {
  const nist = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const brp = generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' });
  const ops = new SoftwareKeyOperations(
    new Map([
      ['dp/nist/dpauth', nist.privateKey],
      ['dp/brp/dpauth', brp.privateKey],
    ]),
  );
  const data = Buffer.from('3003800101', 'hex');

  it.each([
    ['dp/nist/dpauth', nist.publicKey],
    ['dp/brp/dpauth', brp.publicKey],
  ])('signs with %s as r‖s (64 bytes) that verifies with the public key', async (keyId, publicKey) => {
    const sig = await ops.sign(keyId, data);
    expect(sig.length).toBe(64);
    expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    expect(verify('sha256', Buffer.from('3003800102', 'hex'), { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(false);
  });

  it.each(['NIST', 'BRP'])('signs with the SGP.26 SK.DPauth.ECDSA (%s, PEM with EC PARAMETERS) verifiably under its certificate', async (c) => {
    const dir = join(__dirname, '../../test/fixtures/sgp26/dpauth');
    const key = createPrivateKey(readFileSync(join(dir, `SK_S_SM_DPauth_ECDSA_${c}.pem`)));
    const cert = new X509Certificate(readFileSync(join(dir, `CERT_S_SM_DPauth_ECDSA_${c}.der`)));
    const sgp26 = new SoftwareKeyOperations(new Map([['dp/sgp26/dpauth', key]]));
    const sig = await sgp26.sign('dp/sgp26/dpauth', data);
    expect(sig.length).toBe(64);
    expect(verify('sha256', data, { key: cert.publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
  });

  it('refuses an unknown key id with 1.2/4.2', async () => {
    await expect(ops.sign('dp/none/dpauth', data)).rejects.toBeInstanceOf(UnknownKeyError);
    await expect(ops.sign('dp/none/dpauth', data)).rejects.toMatchObject({ subjectCode: '1.2', reasonCode: '4.2' });
  });

  it('refuses a public key at construction', () => {
    expect(() => new SoftwareKeyOperations(new Map([['x', nist.publicKey]]))).toThrow("key 'x' is not an EC private key");
  });

  it('lists its key ids', () => {
    expect(ops.keyIds()).toEqual(['dp/brp/dpauth', 'dp/nist/dpauth']);
  });

  it.each(['prime256v1', 'brainpoolP256r1'] as const)('agrees on a shared secret with the peer (%s)', async (curve) => {
    const euicc = createECDH(curve);
    const otPkEuicc = euicc.generateKeys();
    const a = await ops.oneTimeKeyAgreement(curve, otPkEuicc);
    expect(a.oneTimePublicKey.length).toBe(65);
    expect(a.oneTimePublicKey[0]).toBe(0x04);
    expect(a.sharedSecret.length).toBe(32);
    expect(a.sharedSecret.equals(euicc.computeSecret(a.oneTimePublicKey))).toBe(true);
    const b = await ops.oneTimeKeyAgreement(curve, otPkEuicc);
    expect(b.oneTimePublicKey.equals(a.oneTimePublicKey)).toBe(false); // a new key pair every time
  });

  it('rejects a malformed or off-curve peer key with 1.6/2.1', async () => {
    const bad = Buffer.alloc(65, 1);
    bad[0] = 0x04;
    await expect(ops.oneTimeKeyAgreement('prime256v1', bad)).rejects.toMatchObject({ subjectCode: '1.6', reasonCode: '2.1' });
    await expect(ops.oneTimeKeyAgreement('prime256v1', Buffer.alloc(33, 2))).rejects.toBeInstanceOf(RspError);
  });
});
