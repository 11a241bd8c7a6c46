/**
 * The key that encrypts profile packages at rest. From PROFILE_ENCRYPTION_KEY (64 hex digits) when set;
 * otherwise read from DATA_DIR/profile-encryption.key, which is generated (32 random bytes, hex, mode 0600)
 * at first start. Losing that file makes the stored profiles unreadable: back it up with the database.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.schema';

export const PROFILE_KEY_FILE = 'profile-encryption.key';

export function resolveProfileEncryptionKey(
  config: Pick<Config, 'profileEncryptionKeyHex' | 'dataDir'>,
  random: (n: number) => Buffer = randomBytes,
): { key: Buffer; source: 'environment' | 'file' | 'generated'; path?: string } {
  if (config.profileEncryptionKeyHex) return { key: Buffer.from(config.profileEncryptionKeyHex, 'hex'), source: 'environment' };
  const path = join(config.dataDir, PROFILE_KEY_FILE);
  if (existsSync(path)) {
    const hex = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error(`${path} must hold 64 hex digits (a 32-byte key)`);
    return { key: Buffer.from(hex, 'hex'), source: 'file', path };
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = random(32);
  writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated', path };
}
