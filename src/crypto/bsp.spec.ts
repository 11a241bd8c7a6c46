import { h, vectors } from '../../test/fixtures/bsp/fixtures';
import { BSP_MAX_TLV_LENGTH, BspError, BspSession } from './bsp';
import { SessionKeys } from './kdf';

const sessionKeys = (): SessionKeys => {
  const v = vectors.protection_chain_session_keys;
  return { sEnc: h(v.S_ENC), sMac: h(v.S_MAC), initialMacChainingValue: h(v.initialMacChainingValue) };
};
const ppkKeys = (): SessionKeys => {
  const v = vectors.protection_chain_ppk;
  return { sEnc: h(v.PPK_ENC), sMac: h(v.PPK_MAC), initialMacChainingValue: h(v.initialMacChainingValue) };
};
type Step = { tag: string; mode: string; plaintext: string; tlv_expected: string };
const encrypted = (s: Step) => s.mode.startsWith('encrypt');

describe('BSP protection (SGP.22 §2.6.4.4, digest §4.3)', () => {
  it('reproduces the 87/88/87 chain under session keys, then the 86 chain after ReplaceSessionKeys', () => {
    const dp = new BspSession(sessionKeys());
    for (const [i, s] of (vectors.protection_chain_session_keys.steps as Step[]).entries()) {
      expect(dp.blockCounter).toBe(i + 1);
      expect(dp.protect(Number.parseInt(s.tag, 16) as 0x87, h(s.plaintext), encrypted(s)).toString('hex')).toBe(
        s.tlv_expected,
      );
    }
    dp.replaceSessionKeys(ppkKeys());
    expect(dp.blockCounter).toBe(1);
    for (const s of vectors.protection_chain_ppk.steps as Step[]) {
      const out = dp.protect(0x86, h(s.plaintext), true);
      expect(out.toString('hex')).toBe(s.tlv_expected);
    }
  });

  it('the 1007-byte PPK segment is exactly 1020 bytes, the largest legal TLV', () => {
    const s = vectors.protection_chain_ppk.steps[0] as Step;
    expect(h(s.plaintext)).toHaveLength(1007);
    expect(new BspSession(ppkKeys()).protect(0x86, h(s.plaintext), true)).toHaveLength(BSP_MAX_TLV_LENGTH);
  });

  it('protectSegments splits a UPP into 1007-byte segments and reproduces the PPK vector', () => {
    const steps = vectors.protection_chain_ppk.steps as Step[];
    const upp = Buffer.concat(steps.map((s) => h(s.plaintext)));
    const segs = new BspSession(ppkKeys()).protectSegments(0x86, upp, true);
    expect(segs.map((b) => b.toString('hex'))).toEqual(steps.map((s) => s.tlv_expected));
    const three = new BspSession(ppkKeys()).protectSegments(0x86, Buffer.concat([upp, Buffer.from([1, 2, 3])]), true);
    expect(three.map((b) => b.length)).toEqual([1020, 1020, 26]); // 3 bytes → 86 18 ‖ 16 ciphertext ‖ 8 MAC
    const macOnly = new BspSession(ppkKeys()).protectSegments(0x88, Buffer.alloc(2017, 7), false);
    expect(macOnly.map((b) => b.length)).toEqual([1020, 1020, 11]); // 1008, 1008, then 88 09 ‖ 1 byte ‖ 8 MAC
  });

  it('refuses a TLV over 1020 bytes without advancing the chain', () => {
    const dp = new BspSession(sessionKeys());
    expect(() => dp.protect(0x86, Buffer.alloc(1008), true)).toThrow(BspError);
    expect(() => dp.protect(0x88, Buffer.alloc(1009), false)).toThrow(/1021 bytes exceeds 1020/);
    expect(dp.blockCounter).toBe(1);
    const s = vectors.protection_chain_session_keys.steps[0] as Step;
    expect(dp.protect(0x87, h(s.plaintext), true).toString('hex')).toBe(s.tlv_expected);
  });

  it('the receiving side opens the vector chain and gets the plaintexts back', () => {
    const euicc = new BspSession(sessionKeys());
    for (const s of vectors.protection_chain_session_keys.steps as Step[]) {
      expect(euicc.unprotect(h(s.tlv_expected), encrypted(s)).toString('hex')).toBe(s.plaintext);
    }
    euicc.replaceSessionKeys(ppkKeys());
    for (const s of vectors.protection_chain_ppk.steps as Step[]) {
      expect(euicc.unprotect(h(s.tlv_expected), true).toString('hex')).toBe(s.plaintext);
    }
  });

  it('round-trips every plaintext length around the block boundaries', () => {
    const dp = new BspSession(sessionKeys());
    const euicc = new BspSession(sessionKeys());
    for (let n = 0; n <= 40; n++) {
      const data = Buffer.alloc(n, n);
      if (n > 0) data[n - 1] = 0x80; // plaintext ending like padding must survive
      expect(euicc.unprotect(dp.protect(0x87, data, true), true)).toEqual(data);
      expect(euicc.unprotect(dp.protect(0x88, data, false), false)).toEqual(data);
    }
    expect(euicc.macChainingValue).toEqual(dp.macChainingValue);
  });

  it('detects a tampered MAC, ciphertext or header, and an out-of-order TLV', () => {
    const steps = vectors.protection_chain_session_keys.steps as Step[];
    for (const pos of [2, 10, -1, -8]) {
      const t = h(steps[0].tlv_expected);
      t[pos < 0 ? t.length + pos : pos] ^= 0x01;
      const euicc = new BspSession(sessionKeys());
      expect(() => euicc.unprotect(t, true)).toThrow(expect.objectContaining({ name: 'BspError', kind: 'mac' }));
    }
    // skipping the first TLV: counter and MCV do not match
    expect(() => new BspSession(sessionKeys()).unprotect(h(steps[1].tlv_expected), false)).toThrow(
      expect.objectContaining({ kind: 'mac' }),
    );
    // a different tag with the same bytes is covered by the MAC
    const retagged = h(steps[1].tlv_expected);
    retagged[0] = 0x86;
    expect(() => new BspSession(sessionKeys()).unprotect(retagged, false)).toThrow(
      expect.objectContaining({ kind: 'mac' }),
    );
  });

  it('detects bad padding even under a valid MAC, and impossible lengths', () => {
    // Build a TLV whose padding is wrong: MAC-only protect of "ciphertext" we craft, then open as encrypted.
    const keys = sessionKeys();
    const dp = new BspSession(keys);
    const bogus = dp.protect(0x87, Buffer.alloc(16, 0x11), false); // 16-byte body that decrypts to noise
    expect(() => new BspSession(keys).unprotect(bogus, true)).toThrow(expect.objectContaining({ kind: 'padding' }));
    expect(() => new BspSession(keys).unprotect(h('8704000000000000'), true)).toThrow(
      expect.objectContaining({ kind: 'structure' }),
    );
    expect(() => new BspSession(keys).unprotect(h('870200'), false)).toThrow(
      expect.objectContaining({ kind: 'structure' }),
    );
    expect(() => new BspSession(keys).unprotect(h(vectors.protection_chain_session_keys.steps[0].tlv_expected + '00'), true)).toThrow(
      expect.objectContaining({ kind: 'structure' }),
    );
    expect(() => new BspSession(keys).unprotect(h('8b0a00000000000000000000'), false)).toThrow(
      expect.objectContaining({ kind: 'structure' }),
    );
  });

  it('rejects a received TLV over 1020 bytes unless told otherwise', () => {
    const big = Buffer.concat([h('868203fd'), Buffer.alloc(0x3fd)]); // 1025 bytes
    expect(() => new BspSession(sessionKeys()).unprotect(big, false)).toThrow(expect.objectContaining({ kind: 'size' }));
    expect(() => new BspSession(sessionKeys()).unprotect(big, false, { enforceMaxLength: false })).toThrow(
      expect.objectContaining({ kind: 'mac' }),
    );
  });

  it('rejects keys that are not 16 bytes', () => {
    expect(() => new BspSession({ ...sessionKeys(), sEnc: Buffer.alloc(24) })).toThrow(/S-ENC must be 16 bytes/);
  });
});
