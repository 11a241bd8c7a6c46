import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveProfileEncryptionKey } from './profile-encryption-key';

describe('resolveProfileEncryptionKey', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'pek-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses PROFILE_ENCRYPTION_KEY when set, writing nothing', () => {
    const r = resolveProfileEncryptionKey({ profileEncryptionKeyHex: '11'.repeat(32), dataDir: join(dir, 'data') });
    expect(r).toEqual({ key: Buffer.alloc(32, 0x11), source: 'environment' });
  });

  it('generates DATA_DIR/profile-encryption.key (0600) once, then reads it back', () => {
    const dataDir = join(dir, 'data');
    const first = resolveProfileEncryptionKey({ dataDir }, (n) => Buffer.alloc(n, 0xab));
    expect(first.source).toBe('generated');
    expect(first.key).toEqual(Buffer.alloc(32, 0xab));
    const path = join(dataDir, 'profile-encryption.key');
    expect(readFileSync(path, 'utf8')).toBe('ab'.repeat(32) + '\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = resolveProfileEncryptionKey({ dataDir }, () => Buffer.alloc(32, 0xcd));
    expect(again).toEqual({ key: Buffer.alloc(32, 0xab), source: 'file', path });
  });

  it('refuses a damaged key file', () => {
    writeFileSync(join(dir, 'profile-encryption.key'), 'xyz');
    expect(() => resolveProfileEncryptionKey({ dataDir: dir })).toThrow('must hold 64 hex digits');
  });
});
