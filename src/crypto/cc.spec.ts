import { hashCc, hashCcFromCcHash, hashConfirmationCode } from './cc';
import { h } from '../../test/fixtures/bsp/fixtures';

describe('Confirmation Code hash (SGP.22 §5.7.7, digest §6.2)', () => {
  // Expected values computed independently with `openssl dgst -sha256`.
  const txId = h('0123456789abcdef8899aabbccddeeff');
  it('hashCc = SHA-256(SHA-256(CC) ‖ binary transactionId)', () => {
    expect(hashConfirmationCode('12345678').toString('hex')).toBe(
      'ef797c8118f02dfb649607dd5d3f8c7623048c9c063d532cc95c5ed7a898a64f',
    );
    expect(hashCc('12345678', txId).toString('hex')).toBe(
      'd36dfe02fcc86970ea290811663ce9a5ae3b58d1e24a0f5f6ea0ff870635b864',
    );
    expect(hashCcFromCcHash(hashConfirmationCode('12345678'), txId)).toEqual(hashCc('12345678', txId));
  });
});
