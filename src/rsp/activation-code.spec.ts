import { ActivationCodeError, formatActivationCode, parseActivationCode, toQrText } from './activation-code';

describe('Activation Code (SGP.22 §4.1)', () => {
  // Round-trip examples of digest §6.1 (from the public pySim TestActivationCode cases).
  it.each([
    ['1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815', { smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815', confirmationCodeRequired: false }],
    [
      '1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$$1',
      { smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815', confirmationCodeRequired: true },
    ],
    [
      '1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1',
      { smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815', smdpOid: '1.3.6.1.4.1.31746', confirmationCodeRequired: true },
    ],
    [
      '1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746',
      { smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815', smdpOid: '1.3.6.1.4.1.31746', confirmationCodeRequired: false },
    ],
    ['1$SMDP.GSMA.COM$$1.3.6.1.4.1.31746', { smdpAddress: 'SMDP.GSMA.COM', matchingId: '', smdpOid: '1.3.6.1.4.1.31746', confirmationCodeRequired: false }],
  ])('%s parses and formats back identically', (ac, fields) => {
    expect(parseActivationCode(ac)).toEqual({ ...fields, extraFields: [] });
    expect(formatActivationCode(fields)).toBe(ac);
    expect(toQrText(fields)).toBe(`LPA:${ac}`);
  });

  it('strips LPA: case-insensitively and surrounding whitespace', () => {
    expect(parseActivationCode(' lpa:1$testsmdpplus1.example.com$ABC-123\n')).toEqual({
      smdpAddress: 'testsmdpplus1.example.com',
      matchingId: 'ABC-123',
      confirmationCodeRequired: false,
      extraFields: [],
    });
    expect(toQrText('LPA:1$dp.example:8443$X')).toBe('LPA:1$dp.example:8443$X');
  });

  it('omits trailing empty fields on output', () => {
    expect(formatActivationCode({ smdpAddress: 'dp.example', matchingId: 'M', smdpOid: '', confirmationCodeRequired: false })).toBe('1$dp.example$M');
    expect(formatActivationCode({ smdpAddress: 'dp.example', matchingId: 'M', smdpOid: '2.999.10' })).toBe('1$dp.example$M$2.999.10');
  });

  it('tolerates extra $ fields of later versions and an explicit 0 / empty CC flag', () => {
    expect(parseActivationCode('1$dp.example$M$2.999.10$1$X$Y')).toEqual({
      smdpAddress: 'dp.example',
      matchingId: 'M',
      smdpOid: '2.999.10',
      confirmationCodeRequired: true,
      extraFields: ['X', 'Y'],
    });
    expect(parseActivationCode('1$dp.example$M$$0').confirmationCodeRequired).toBe(false);
    expect(parseActivationCode('1$dp.example$M$$').confirmationCodeRequired).toBe(false);
  });

  it.each([
    ['2$dp.example$M', 'format', 'unsupported AC_Format "2"'],
    ['LPA:1$dp.example', 'format', 'at least AC_Format'],
    ['1$$M', 'smdpAddress', 'SM-DP+ Address is missing'],
    ['1$dp example$M', 'smdpAddress', 'is not an FQDN'],
    ['1$dp.example$M N', 'matchingId', 'may only contain'],
    ['1$dp.example$M_1', 'matchingId', 'may only contain'],
    ['1$dp.example$M$not.an.oid', 'smdpOid', 'is not a dotted object identifier'],
    ['1$dp.example$M$$2', 'confirmationCodeRequired', 'must be "1" or empty'],
  ])('refuses %s (%s)', (text, field, msg) => {
    let err: unknown;
    try {
      parseActivationCode(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ActivationCodeError);
    expect((err as ActivationCodeError).field).toBe(field);
    expect((err as ActivationCodeError).message).toContain(msg);
  });

  it('refuses $ inside a field when formatting', () => {
    expect(() => formatActivationCode({ smdpAddress: 'dp.example', matchingId: 'A$B' })).toThrow('"$" is not allowed in the AC_Token');
    expect(() => formatActivationCode({ smdpAddress: 'dp$example', matchingId: 'A' })).toThrow('"$" is not allowed in the SM-DP+ Address');
    expect(() => formatActivationCode({ smdpAddress: 'dp.example', matchingId: 'A', smdpOid: '1.2$3' })).toThrow(ActivationCodeError);
  });
});
