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

  describe('pool of one-time key pairs', () => {
    const turn = () => new Promise<void>((r) => setImmediate(r));
    const until = async (ok: () => boolean) => {
      for (let i = 0; i < 1000 && !ok(); i++) await turn();
    };

    it.each(['prime256v1', 'brainpoolP256r1'] as const)('never returns a one-time key twice, and each agrees with the peer (%s)', async (curve) => {
      const pooled = new SoftwareKeyOperations(new Map([['dp/nist/dpauth', nist.privateKey]]), { oneTimeKeyPool: 4 });
      const euicc = createECDH(curve);
      const otPkEuicc = euicc.generateKeys();
      const seen = new Set<string>();
      let n = 0;
      // Bursts larger than the pool (taken from the pool, then generated in the request), and refills between.
      for (let round = 0; round < 6; round++) {
        const results = await Promise.all(Array.from({ length: 7 }, () => pooled.oneTimeKeyAgreement(curve, otPkEuicc)));
        for (const r of results) {
          seen.add(r.oneTimePublicKey.toString('hex'));
          n++;
          expect(r.sharedSecret.equals(euicc.computeSecret(r.oneTimePublicKey))).toBe(true);
        }
        if (round % 2) await until(() => pooled.pooledOneTimeKeys(curve) === 4);
      }
      expect(n).toBe(42);
      expect(seen.size).toBe(42);
    });

    it('takes a key out of the pool for each call (even a refused one) and refills it off the request path', async () => {
      const pooled = new SoftwareKeyOperations(new Map(), { oneTimeKeyPool: 3 });
      const otPk = createECDH('prime256v1').generateKeys();
      expect(pooled.pooledOneTimeKeys('prime256v1')).toBe(0);
      await pooled.oneTimeKeyAgreement('prime256v1', otPk); // first use: generated in the call, refill scheduled
      expect(pooled.pooledOneTimeKeys('prime256v1')).toBe(0);
      await until(() => pooled.pooledOneTimeKeys('prime256v1') === 3);
      expect(pooled.pooledOneTimeKeys('prime256v1')).toBe(3);
      await pooled.oneTimeKeyAgreement('prime256v1', otPk);
      expect(pooled.pooledOneTimeKeys('prime256v1')).toBe(2);
      const bad = Buffer.alloc(65, 1);
      bad[0] = 0x04;
      await expect(pooled.oneTimeKeyAgreement('prime256v1', bad)).rejects.toMatchObject({ subjectCode: '1.6', reasonCode: '2.1' });
      expect(pooled.pooledOneTimeKeys('prime256v1')).toBe(1); // the refused call's key is dropped, not returned
      expect(pooled.pooledOneTimeKeys('brainpoolP256r1')).toBe(0); // a curve's pool fills once it is used
      await until(() => pooled.pooledOneTimeKeys('prime256v1') === 3);
      expect(pooled.pooledOneTimeKeys('prime256v1')).toBe(3);
    });

    it('oneTimeKeyPool 0: no pool, a fresh key pair in every call', async () => {
      const unpooled = new SoftwareKeyOperations(new Map(), { oneTimeKeyPool: 0 });
      const otPk = createECDH('brainpoolP256r1').generateKeys();
      const a = await unpooled.oneTimeKeyAgreement('brainpoolP256r1', otPk);
      const b = await unpooled.oneTimeKeyAgreement('brainpoolP256r1', otPk);
      expect(a.oneTimePublicKey.equals(b.oneTimePublicKey)).toBe(false);
      await turn();
      expect(unpooled.pooledOneTimeKeys('brainpoolP256r1')).toBe(0);
    });
  });
});
