/**
 * Confirmation Code hash (SGP.22 §3.1.3 / §5.7.7, digest §6.2):
 *   hashCc = SHA-256( SHA-256(CC) ‖ transactionId )
 * CC = the user-typed string as UTF-8 bytes; transactionId = the binary TransactionId (the bytes in `80`).
 * The SM-DP+ may store only SHA-256(CC): `hashCcFromCcHash` finishes the computation from it.
 */
import { createHash } from 'node:crypto';

/** SHA-256(CC) — what the SM-DP+ may keep instead of the code itself. */
export function hashConfirmationCode(confirmationCode: string): Buffer {
  return createHash('sha256').update(confirmationCode, 'utf8').digest();
}

/** SHA-256(ccHash ‖ transactionId), with ccHash = SHA-256(CC). */
export function hashCcFromCcHash(ccHash: Buffer, transactionId: Buffer): Buffer {
  return createHash('sha256').update(ccHash).update(transactionId).digest();
}

/** hashCc = SHA-256(SHA-256(CC) ‖ transactionId). */
export function hashCc(confirmationCode: string, transactionId: Buffer): Buffer {
  return hashCcFromCcHash(hashConfirmationCode(confirmationCode), transactionId);
}
