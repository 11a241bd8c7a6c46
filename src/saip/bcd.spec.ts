import {
  accForImsi, generateTestIccids, iccidFromEfFormat, iccidFromHeaderFormat, iccidToEfFormat, iccidToHeaderFormat,
  imsiFromEfFormat, imsiToEfFormat, luhnCheckDigit, luhnValid,
} from './bcd';
import { SaipError } from './errors';

describe('ICCID codings (digest §4.6)', () => {
  it('header is plain BCD, EF.ICCID / StoreMetadata nibble-swapped', () => {
    expect(iccidToHeaderFormat('89000123456789012341').toString('hex')).toBe('89000123456789012341');
    expect(iccidToEfFormat('89000123456789012341').toString('hex')).toBe('98001032547698103214');
    expect(iccidFromEfFormat(Buffer.from('98001032547698103214', 'hex'))).toBe('89000123456789012341');
    expect(iccidFromHeaderFormat(Buffer.from('89000123456789012341', 'hex'))).toBe('89000123456789012341');
  });
  it('19-digit ICCIDs are F-padded: last nibble in the header, high nibble of the last EF byte', () => {
    expect(iccidToHeaderFormat('8944110012345678903').toString('hex')).toBe('8944110012345678903f');
    expect(iccidToEfFormat('8944110012345678903').toString('hex')).toBe('984411002143658709f3');
    expect(iccidFromEfFormat(Buffer.from('984411002143658709f3', 'hex'))).toBe('8944110012345678903');
  });
  it('rejects non-digits and bad nibbles', () => {
    expect(() => iccidToEfFormat('8900A')).toThrow(new SaipError("ICCID must be 18 to 20 decimal digits, got '8900A'"));
    expect(() => iccidFromEfFormat(Buffer.from('9A001032547698103214', 'hex'))).toThrow(
      "EF.ICCID '9A001032547698103214' is not swapped BCD with F padding",
    );
  });
});

describe('IMSI and ACC (TS 31.102 §4.2.2, §4.2.15)', () => {
  it('encodes the TS.48 IMSI exactly as the package carries it', () => {
    expect(imsiToEfFormat('001010123456789').toString('hex')).toBe('080910101032547698');
    expect(imsiFromEfFormat(Buffer.from('080910101032547698', 'hex'))).toBe('001010123456789');
  });
  it('even number of digits: parity 1, F-padded', () => {
    expect(imsiToEfFormat('23415123456789').toString('hex')).toBe('0821435121436587f9');
    expect(imsiFromEfFormat(imsiToEfFormat('23415123456789'))).toBe('23415123456789');
  });
  it('ACC = access class of the last IMSI digit', () => {
    expect(accForImsi('001010123456789').toString('hex')).toBe('0200');
    expect(accForImsi('001010123456780').toString('hex')).toBe('0001');
  });
});

describe('Luhn and test ICCIDs', () => {
  it('computes the ISO/IEC 7812 check digit', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnValid('89000123456789012341')).toBe(true);
    expect(luhnValid('89000123456789012342')).toBe(false);
  });
  it('generates unique 20- and 19-digit ICCIDs with check digits', () => {
    const list = [...generateTestIccids('890001999', 41, 3)];
    expect(list).toEqual(['89000199900000000410', '89000199900000000428', '89000199900000000436']);
    expect(list.every(luhnValid)).toBe(true);
    expect([...generateTestIccids('8944', 7, 1, 19)]).toEqual(['8944000000000000076']);
  });
  it('refuses a serial that would overflow', () => {
    expect(() => [...generateTestIccids('8900012345678901', 999, 2)]).toThrow(
      "serials 999..1000 do not fit in 3 digits after prefix '8900012345678901'",
    );
  });
});
