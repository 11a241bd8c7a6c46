/**
 * Profile packages at rest: AES-256-GCM under one 32-byte key (PROFILE_ENCRYPTION_KEY or a key file).
 * Kept behind this one small class so that the key-operation port / an HSM can take it over.
 * The associated data binds each ciphertext to its row (e.g. the ICCID), so rows cannot be swapped.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface SealedBox {
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
}

export class ProfileVaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileVaultError';
  }
}

export class ProfileVault {
  private readonly key: Buffer;

  constructor(key: Buffer, private readonly random: (n: number) => Buffer = randomBytes) {
    if (key.length !== 32) throw new ProfileVaultError(`profile encryption key must be 32 bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  seal(plaintext: Buffer, aad: string): SealedBox {
    const iv = this.random(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
    return { ciphertext, iv, tag: c.getAuthTag() };
  }

  open(box: SealedBox, aad: string): Buffer {
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, box.iv);
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(box.tag);
      return Buffer.concat([d.update(box.ciphertext), d.final()]);
    } catch {
      throw new ProfileVaultError('profile package cannot be decrypted (wrong key or tampered data)');
    }
  }

  /** One self-contained blob: iv(12) ‖ tag(16) ‖ ciphertext. */
  sealBlob(plaintext: Buffer, aad: string): Buffer {
    const b = this.seal(plaintext, aad);
    return Buffer.concat([b.iv, b.tag, b.ciphertext]);
  }

  openBlob(blob: Buffer, aad: string): Buffer {
    if (blob.length < 28) throw new ProfileVaultError('sealed blob too short');
    return this.open({ iv: blob.subarray(0, 12), tag: blob.subarray(12, 28), ciphertext: blob.subarray(28) }, aad);
  }
}

/** Parses a 32-byte key given as 64 hex digits or base64. */
export function parseProfileEncryptionKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new ProfileVaultError('PROFILE_ENCRYPTION_KEY must be 32 bytes (64 hex digits or base64)');
  return key;
}
