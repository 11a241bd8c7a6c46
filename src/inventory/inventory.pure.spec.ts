/** Pure parts of the inventory: MatchingIDs, the state machine, the vault, activation codes, metadata. */
import { activationCode, activationCodeQrText } from './activation-code';
import { assertValidMatchingId, generateMatchingId } from './matching-id';
import { luhnDigit } from './profile-package';
import { pprBitsFromNames, pprNamesFromBits, validateMetadata } from './profile-metadata';
import { assertTransition, isAllowedTransition } from './profile-states';
import { parseProfileEncryptionKey, ProfileVault } from './profile-vault';

const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? (e as Error).message;
  }
};

describe('MatchingID (SGP.22 §4.1 AC_Token)', () => {
  it('is 5 groups of 5 from [0-9A-Z], uniform by rejection sampling (bytes ≥ 252 skipped)', () => {
    // 0 → '0', 35 → 'Z', 36 → '0' (36 mod 36), 252..255 skipped.
    let call = 0;
    const random = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (call === 0 && i === 0 ? 252 : (i * 7) % 252)).map((b) => (call++, b)));
    const id = generateMatchingId(random);
    expect(id).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    expect(id.slice(0, 5)).toBe('7ELSZ'); // 7, 14, 21, 28, 35 (the first byte 252 was skipped)
    expect(generateMatchingId()).not.toBe(generateMatchingId());
  });

  it('validates operator-supplied MatchingIDs (8.2.6/2.1)', () => {
    expect(codeOf(() => assertValidMatchingId('ABC-123'))).toBe('ok');
    expect(codeOf(() => assertValidMatchingId('abc'))).toBe('8.2.6/2.1');
    expect(codeOf(() => assertValidMatchingId('A$B'))).toBe('8.2.6/2.1');
    expect(codeOf(() => assertValidMatchingId('A'.repeat(65)))).toBe('8.2.6/2.1');
  });
});

describe('profile state machine (SGP.22 §5.3, digest §3.2)', () => {
  it.each([
    ['downloadOrder', 'Available', 'Allocated'],
    ['downloadOrder', 'Available', 'Linked'],
    ['confirmOrder', 'Allocated', 'Confirmed'],
    ['confirmOrder', 'Linked', 'Released'],
    ['releaseProfile', 'Confirmed', 'Released'],
    ['download', 'Released', 'Downloaded'],
    ['install', 'Downloaded', 'Installed'],
    ['installFailed', 'Downloaded', 'Error'],
    ['cancelOrder', 'Released', 'Unavailable'],
    ['cancelOrder', 'Error', 'Available'],
    ['delete', 'Installed', 'Unavailable'],
  ] as const)('%s: %s → %s is allowed', (op, from, to) => {
    expect(isAllowedTransition(op, from, to)).toBe(true);
    expect(codeOf(() => assertTransition(op, from, to))).toBe('ok');
  });

  it.each([
    ['downloadOrder', 'Allocated', 'Linked'],
    ['confirmOrder', 'Available', 'Released'],
    ['confirmOrder', 'Released', 'Released'],
    ['releaseProfile', 'Allocated', 'Released'],
    ['releaseProfile', 'Linked', 'Released'],
    ['download', 'Confirmed', 'Downloaded'],
    ['install', 'Released', 'Installed'],
    ['cancelOrder', 'Available', 'Unavailable'],
    ['cancelOrder', 'Installed', 'Available'],
    ['cancelOrder', 'Released', 'Error'],
  ] as const)('%s: %s → %s is refused with 8.2.1/3.5', (op, from, to) => {
    expect(isAllowedTransition(op, from, to)).toBe(false);
    expect(codeOf(() => assertTransition(op, from, to))).toBe('8.2.1/3.5');
  });
});

describe('ProfileVault (AES-256-GCM)', () => {
  const key = Buffer.alloc(32, 0x11);
  const iv = Buffer.from('000102030405060708090a0b', 'hex');
  it('seals with the given IV and opens only with the same key and associated data', () => {
    const v = new ProfileVault(key, () => iv);
    const box = v.seal(Buffer.from('A0 profile'), 'profile:8944');
    expect(box.iv.equals(iv)).toBe(true);
    expect(box.ciphertext.length).toBe(10);
    expect(box.tag.length).toBe(16);
    expect(v.open(box, 'profile:8944').toString()).toBe('A0 profile');
    expect(() => v.open(box, 'profile:8945')).toThrow(/cannot be decrypted/);
    expect(() => new ProfileVault(Buffer.alloc(32, 0x12)).open(box, 'profile:8944')).toThrow(/cannot be decrypted/);
    const blob = v.sealBlob(Buffer.from('xyz'), 'k');
    expect(blob.subarray(0, 12).equals(iv)).toBe(true);
    expect(v.openBlob(blob, 'k').toString()).toBe('xyz');
  });

  it('parses keys as 64 hex digits or base64, refuses other sizes', () => {
    expect(parseProfileEncryptionKey('11'.repeat(32)).equals(key)).toBe(true);
    expect(parseProfileEncryptionKey(key.toString('base64')).equals(key)).toBe(true);
    expect(() => parseProfileEncryptionKey('abcd')).toThrow(/32 bytes/);
    expect(() => new ProfileVault(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('activation code (SGP.22 §4.1)', () => {
  it('formats the digest §6.1 examples', () => {
    expect(activationCode({ smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815' })).toBe('1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815');
    expect(activationCode({ smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815', confirmationCodeRequired: true })).toBe(
      '1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1',
    );
    expect(activationCode({ smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815', smdpOid: '1.3.6.1.4.1.31746', confirmationCodeRequired: true })).toBe(
      '1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1',
    );
    expect(activationCodeQrText({ smdpAddress: 'smdp.example.com', matchingId: 'X' })).toBe('LPA:1$smdp.example.com$X');
  });
});

describe('profile type metadata', () => {
  it('maps PprIds names to bits and back (pprUpdateControl(0), ppr1(1), ppr2(2))', () => {
    expect(pprBitsFromNames(['ppr1', 'ppr2'])).toBe(0b110);
    expect(pprNamesFromBits(0b101)).toEqual(['pprUpdateControl', 'ppr2']);
    expect(codeOf(() => pprBitsFromNames(['ppr3']))).toBe('1.6/2.1');
  });

  it('enforces the StoreMetadataRequest sizes', () => {
    expect(validateMetadata({ serviceProviderName: 'x', profileName: 'y' })).toMatchObject({ profileClass: 'operational', pprIds: [] });
    expect(codeOf(() => validateMetadata({ serviceProviderName: 'x'.repeat(33), profileName: 'y' }))).toBe('1.6/2.1');
    expect(codeOf(() => validateMetadata({ serviceProviderName: 'x', profileName: 'y'.repeat(65) }))).toBe('1.6/2.1');
    expect(codeOf(() => validateMetadata({ serviceProviderName: 'x', profileName: 'y', icon: Buffer.alloc(1) }))).toBe('1.6/2.1');
    expect(codeOf(() => validateMetadata({ serviceProviderName: 'x', profileName: 'y', profileClass: 'gold' as never }))).toBe('1.6/2.1');
  });
});

it('Luhn digit of ICCIDs (TS.48: 8900012345678901234 → 1)', () => {
  expect(luhnDigit('8900012345678901234')).toBe('1');
});
