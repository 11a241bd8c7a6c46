/**
 * MatchingID (AC_Token) generation and validation (SGP.22 §4.1; digest §3.1: alphabet `[0-9A-Z-]`, which
 * lpac enforces strictly). Pure: randomness is a parameter.
 */
import { randomBytes } from 'node:crypto';
import { RspError } from '../common/rsp-error';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Five groups of five characters of [0-9A-Z] (≈129 bits), e.g. `04386-AGYFT-A74Y8-3F815-QX7K2`. */
export function generateMatchingId(random: (n: number) => Buffer = randomBytes): string {
  const out: string[] = [];
  while (out.length < 25) {
    for (const b of random(32)) {
      // Rejection sampling keeps every character equally likely: 252 = 7 × 36.
      if (b < 252 && out.length < 25) out.push(ALPHABET[b % 36]);
    }
  }
  return [0, 5, 10, 15, 20].map((i) => out.slice(i, i + 5).join('')).join('-');
}

/** A MatchingID the operator supplies in ConfirmOrder: `^[0-9A-Z-]+$`, at most 64 characters → else 8.2.6/2.1. */
export function assertValidMatchingId(matchingId: string): void {
  if (!/^[0-9A-Z-]{1,64}$/.test(matchingId)) {
    throw new RspError('8.2.6', '2.1', 'MatchingID invalid: only 0-9, A-Z and "-" are allowed (1 to 64 characters)');
  }
}
