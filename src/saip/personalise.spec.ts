import { generateTestIccids, iccidToEfFormat } from './bcd';
import { SaipError } from './errors';
import { compilePersonalisationTemplate, personaliseBatch, PersonalisationData } from './personalise';
import { decodeProfilePackage, findFiles, wholeContent } from './profile-package';
import { TS48_FILES, ts48 } from './test-fixtures';
import { validateProfilePackage } from './validate';

const KI = '11223344556677889900aabbccddeeff';
const OPC = 'f0e0d0c0b0a090807060504030201000';
const SD_KEY = '0f0e0d0c0b0a09080706050403020100';
const data: PersonalisationData = {
  iccid: '89000199900000000410',
  imsi: '001019876543210',
  ki: KI,
  opc: OPC,
  pin1: '1234',
  puk1: '87654321',
  pin2: '5678',
  puk2: '11112222',
  adm1: '11223344',
  adm2: 'A1A2A3A4A5A6A7A8',
  securityDomainKeys: [{ keyVersionNumber: 2, keyIdentifier: 1, keyData: SD_KEY }],
};

describe('compilePersonalisationTemplate / personalise', () => {
  const template = compilePersonalisationTemplate(ts48());

  it('finds every fixed-length field of the TS.48 template', () => {
    expect(template.iccid).toBe('89000123456789012341');
    expect(template.fields).toEqual([
      'iccid', 'imsi', 'acc', 'puk1', 'puk2', 'pin1', 'adm1', 'adm2', 'pin2', 'ki', 'opc',
      'sdKey.1.1', 'sdKey.1.2', 'sdKey.1.3', 'sdKey.2.1', 'sdKey.2.2', 'sdKey.2.3',
    ]);
    expect(template.sites.filter((s) => s.field === 'ki').map((s) => s.element)).toEqual(['akaParameter #10', 'akaParameter #21']);
    expect(template.sites.filter((s) => s.field === 'pin2').map((s) => s.element)).toEqual([
      'pinCodes #5', 'pinCodes #9', 'pinCodes #16', 'pinCodes #20',
    ]);
  });

  it.each(TS48_FILES)('%s: the personalised package decodes, validates and carries the new values', (name) => {
    const der = compilePersonalisationTemplate(ts48(name)).personalise(data);
    const v = validateProfilePackage(der);
    expect(v.errors).toEqual([]);
    expect(v.warnings).toEqual([]);
    expect(v.summary.iccid).toBe('89000199900000000410');
    expect(v.summary.imsi).toBe('001019876543210');
    const pkg = decodeProfilePackage(der);
    expect(pkg.elements[0].profileHeader!.iccidField.value.toString('hex')).toBe('89000199900000000410');
    expect(wholeContent(findFiles(pkg, 'mf', 'ef-iccid')[0].file)!.value.toString('hex')).toBe('98001099090000004001');
    expect(wholeContent(findFiles(pkg, 'usim', 'ef-imsi')[0].file)!.value.toString('hex')).toBe('080910108967452301');
    expect(wholeContent(findFiles(pkg, 'usim', 'ef-acc')[0].file)!.value.toString('hex')).toBe('0001'); // class 0
    const akas = pkg.elements.filter((e) => e.aka);
    expect(akas.map((e) => [e.aka!.key!.value.toString('hex'), e.aka!.opc!.value.toString('hex')])).toEqual([
      [KI, OPC],
      [KI, OPC],
    ]);
    const pins = pkg.elements.flatMap((e) => e.pinCodes ?? []).map((p) => `${p.name}=${p.pinValue.value.toString('hex')}`);
    expect(pins).toEqual([
      'pinAppl1=31323334ffffffff',
      'adm1=3131323233333434',
      'adm2=a1a2a3a4a5a6a7a8',
      'secondPINAppl1=35363738ffffffff',
      'secondPINAppl1=35363738ffffffff',
      'secondPINAppl1=35363738ffffffff',
      'secondPINAppl1=35363738ffffffff',
    ]);
    expect(pkg.elements[2].pukCodes!.map((p) => p.pukValue.value.toString('hex'))).toEqual(['3837363534333231', '3131313132323232']);
    const sd = pkg.elements.find((e) => e.securityDomain)!.securityDomain!;
    for (const k of sd.keys) {
      const expected = k.keyVersionNumber === 2 && k.keyIdentifier === 1 ? SD_KEY : '000102030405060708090a0b0c0d0e0f';
      expect([k.keyVersionNumber, k.keyIdentifier, k.components[0].keyData.value.toString('hex')]).toEqual([k.keyVersionNumber, k.keyIdentifier, expected]);
    }
    expect(sd.keys.filter((k) => k.keyVersionNumber === 2)).toHaveLength(3);
  });

  it('changes nothing else: same elements, same lengths, only patch-site bytes differ', () => {
    const src = ts48();
    const der = template.personalise(data);
    expect(der.length).toBe(src.length);
    const a = decodeProfilePackage(src).elements;
    const b = decodeProfilePackage(der).elements;
    expect(b.map((e) => [e.type, e.offset, e.raw.length])).toEqual(a.map((e) => [e.type, e.offset, e.raw.length]));
    const changed = a.filter((e, i) => !e.raw.equals(b[i].raw)).map((e) => `${e.type} #${e.index}`);
    expect(changed).toEqual([
      'header #0', 'mf #1', 'pukCodes #2', 'pinCodes #3', 'pinCodes #5', 'usim #7', 'pinCodes #9', 'akaParameter #10',
      'pinCodes #16', 'pinCodes #20', 'akaParameter #21', 'securityDomain #24',
    ]);
    const inSite = (i: number) => template.sites.some((s) => i >= s.offset && i < s.offset + s.length);
    for (let i = 0; i < src.length; i++) if (src[i] !== der[i]) expect(inSite(i)).toBe(true);
  });

  it('an ICCID-only personalisation touches exactly the 2 × 10 ICCID bytes', () => {
    const src = ts48();
    const der = template.personalise({ iccid: '8944000000000000076' });
    const diff: number[] = [];
    for (let i = 0; i < src.length; i++) if (src[i] !== der[i]) diff.push(i);
    expect(Math.min(...diff)).toBeGreaterThanOrEqual(0x2c);
    expect(der.subarray(0x2c, 0x36).toString('hex')).toBe('8944000000000000076f');
    expect(der.subarray(0xfc, 0x106).toString('hex')).toBe(iccidToEfFormat('8944000000000000076').toString('hex'));
    expect(der.subarray(0xfc, 0x106).toString('hex')).toBe('984400000000000070f6');
    expect(diff.every((i) => (i >= 0x2c && i < 0x36) || (i >= 0xfc && i < 0x106))).toBe(true);
  });

  it('refuses bad input with the field named', () => {
    const t = template;
    const err = (d: PersonalisationData) => {
      try {
        t.personalise(d);
      } catch (e) {
        return [(e as SaipError).field, (e as Error).message];
      }
      return undefined;
    };
    expect(err({ iccid: '8900' })).toEqual(['iccid', "ICCID must be 18 to 20 digits, got '8900'"]);
    expect(err({ iccid: data.iccid, ki: 'abcd' })).toEqual(['ki', "Ki must be 32 hex digits (16 bytes, as in the template), got 'abcd'"]);
    expect(err({ iccid: data.iccid, imsi: '00101x' })).toEqual(['imsi', "IMSI must be decimal digits, got '00101x'"]);
    expect(err({ iccid: data.iccid, puk1: '1234' })).toEqual(['puk1', "PUK1 must be 8 digits, got '1234'"]);
    expect(err({ iccid: data.iccid, adm1: '12' })).toEqual(['adm1', "ADM1 must be 8 digits or 16 hex digits, got '12'"]);
    expect(err({ iccid: data.iccid, securityDomainKeys: [{ keyVersionNumber: 9, keyIdentifier: 1, keyData: SD_KEY }] })).toEqual([
      'sdKey.9.1',
      'the template has no securityDomain key version 9 identifier 1 to personalise',
    ]);
  });

  it('refuses a template that does not validate', () => {
    const der = Buffer.from(ts48());
    der[0xfc + 9] = 0x24;
    expect(() => compilePersonalisationTemplate(der)).toThrow(
      'template is not a valid profile package: ICCID mismatch: header 89000123456789012341, EF.ICCID 98001032547698103224 (= 89000123456789012342); EF.ICCID must be the nibble-swapped header ICCID',
    );
  });

  it('personaliseBatch streams unique-ICCID profiles to a sink and names the failing line', async () => {
    const seen: string[] = [];
    const rows = [...generateTestIccids('890001999', 0, 5)].map((iccid, i) => ({ iccid, line: i + 2 }));
    const r = await personaliseBatch(template, rows, (der) => {
      seen.push(decodeProfilePackage(der).elements[0].profileHeader!.iccid);
    });
    expect(r).toEqual({ count: 5, skipped: 0 });
    expect(seen).toEqual(rows.map((x) => x.iccid));
    await expect(personaliseBatch(template, [{ iccid: '12', line: 7 }], () => undefined)).rejects.toThrow(
      "line 7: ICCID must be 18 to 20 digits, got '12'",
    );
  });
});
