import { AesCmac, aesCmac } from './cmac';
import { h } from '../../test/fixtures/bsp/fixtures';

// RFC 4493 §4 test vectors (AES-128).
const KEY = h('2b7e151628aed2a6abf7158809cf4f3c');
const M64 = h(
  '6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710',
);

describe('AES-CMAC (RFC 4493)', () => {
  it.each([
    [0, 'bb1d6929e95937287fa37d129b756746'],
    [16, '070a16b46b4d4144f79bdd9dd04a287c'],
    [40, 'dfa66747de9ae63030ca32611497c827'],
    [64, '51f0bebf7e3b9d92fc49741779363cfe'],
  ])('example with a %i-byte message', (len, mac) => {
    expect(aesCmac(KEY, M64.subarray(0, len)).toString('hex')).toBe(mac);
  });

  it('gives the same MAC whatever the split of the message into parts', () => {
    const cmac = new AesCmac(KEY);
    for (const len of [0, 1, 15, 16, 17, 40, 64]) {
      const m = M64.subarray(0, len);
      const whole = cmac.mac(m).toString('hex');
      for (let a = 0; a <= len; a += 7) {
        for (let b = a; b <= len; b += 5) {
          expect(cmac.mac(m.subarray(0, a), m.subarray(a, b), m.subarray(b)).toString('hex')).toBe(whole);
        }
      }
    }
    expect(cmac.mac(M64.subarray(0, 40)).toString('hex')).toBe('dfa66747de9ae63030ca32611497c827');
  });

  it('rejects a key that is not an AES key', () => {
    expect(() => aesCmac(Buffer.alloc(15), Buffer.alloc(0))).toThrow('AES key of 15 bytes');
  });
});
