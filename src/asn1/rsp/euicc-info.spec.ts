import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Asn1Error, readTlv, children } from '../tlv';
import { decodeEUICCInfo1, decodeEUICCInfo2, encodeEUICCInfo1, encodeEUICCInfo2, EUICCInfo2 } from './euicc-info';

const FIX = join(__dirname, '../../../test/fixtures/rsp');
const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();
const fixHex = (name: string) => h(readFileSync(join(FIX, name), 'utf8'));

const BRP_SKI = 'C0BC70BA36929D43B467FF57570530E57AB8FCD8';
const NIST_SKI = 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3';

describe('EUICCInfo1 (BF20)', () => {
  const sample = fixHex('mode51-euiccInfo1-with-9000.hex');

  it('decodes the real mode51 sample despite the trailing APDU status word 9000', () => {
    expect(hex(sample.subarray(-2))).toBe('9000');
    const info = decodeEUICCInfo1(sample);
    expect(info.svn).toBe('2.2.0');
    expect(info.euiccCiPKIdListForVerification.map(hex)).toEqual([BRP_SKI, NIST_SKI]);
    expect(info.euiccCiPKIdListForSigning.map(hex)).toEqual([BRP_SKI, NIST_SKI]);
    expect(info.extensions).toEqual([]);
    expect(hex(info.raw)).toBe(hex(sample.subarray(0, sample.length - 2)));
  });

  it('re-encodes the sample byte for byte', () => {
    const info = decodeEUICCInfo1(sample);
    expect(hex(encodeEUICCInfo1(info))).toBe(hex(info.raw));
  });

  it('encodes exact bytes and keeps unknown (v3) components raw', () => {
    const enc = encodeEUICCInfo1({
      svn: '3.1.0',
      euiccCiPKIdListForVerification: [h(NIST_SKI)],
      euiccCiPKIdListForSigning: [],
      extensions: [h('BF11 03 040100')],
    });
    expect(hex(enc)).toBe(`BF2025 8203030100 A916 0414${NIST_SKI} AA00 BF1103040100`.replace(/ /g, ''));
    const dec = decodeEUICCInfo1(enc);
    expect(dec.svn).toBe('3.1.0');
    expect(dec.euiccCiPKIdListForSigning).toEqual([]);
    expect(dec.extensions.map(hex)).toEqual(['BF1103040100']);
  });

  it.each([
    ['wrong outer tag', 'BF22 00', 'EUICCInfo1: expected tag BF20, got BF22'],
    ['truncated', 'BF20 61 820302', 'EUICCInfo1: TLV BF20 truncated'],
    ['absurd length', 'BF20 88 0102030405060708', 'absurd'],
    ['missing svn', 'BF20 04 A900 AA00', 'EUICCInfo1: svn (tag 82) is missing'],
    ['svn of 2 bytes', 'BF20 08 82020202 A900 AA00', 'EUICCInfo1: svn: 2 bytes, expected 3'],
    ['missing signing list', 'BF20 07 8203020200 A900', 'euiccCiPKIdListForSigning (tag AA) is missing'],
    ['non-OCTET STRING in a list', 'BF20 0B 8203020200 A904 80020102 AA00', 'euiccCiPKIdListForVerification[0]: expected tag 04'],
    ['list not constructed', 'BF20 09 8203020200 8900 AA00', 'euiccCiPKIdListForVerification (tag A9) is missing'],
    ['empty input', '', 'EUICCInfo1: empty input'],
  ])('refuses %s with Asn1Error', (_n, input, msg) => {
    expect(() => decodeEUICCInfo1(h(input))).toThrow(Asn1Error);
    expect(() => decodeEUICCInfo1(h(input))).toThrow(msg);
  });
});

describe('EUICCInfo2 (BF22)', () => {
  // The euiccInfo2 inside the real mode51 euiccSigned1 (Comprion test eUICC).
  const signed1 = fixHex('mode51-euiccSigned1.hex');
  const info2Raw = children(readTlv(signed1)).find((c) => c.tag === 0xbf22)!.raw;

  it('decodes the real sample', () => {
    const i = decodeEUICCInfo2(info2Raw);
    expect(i.profileVersion).toBe('2.1.0');
    expect(i.svn).toBe('2.2.0');
    expect(i.euiccFirmwareVer).toBe('4.4.0');
    expect(hex(i.extCardResource)).toBe('810100820400 0807DE 830400001C08'.replace(/ /g, ''));
    expect(i.extCardResourceInfo).toEqual({ installedApplications: 0, freeNonVolatileMemory: 0x0807de, freeVolatileMemory: 0x1c08 });
    expect(i.uiccCapability).toEqual([
      'usimSupport',
      'isimSupport',
      'csimSupport',
      'akaMilenage',
      'akaCave',
      'akaTuak128',
      'akaTuak256',
      'gbaAuthenISim',
      'eapClient',
      'javacard',
      'multipleUsimSupport',
      'multipleIsimSupport',
    ]);
    expect(i.ts102241Version).toBe('9.2.0');
    expect(i.globalplatformVersion).toBe('2.3.0');
    expect(i.rspCapability).toEqual(['additionalProfile', 'testProfileSupport']);
    expect(i.euiccCiPKIdListForVerification.map(hex)).toEqual([BRP_SKI, NIST_SKI]);
    expect(i.euiccCiPKIdListForSigning.map(hex)).toEqual([BRP_SKI, NIST_SKI]);
    expect(i.forbiddenProfilePolicyRules).toEqual(['pprUpdateControl']);
    expect(i.ppVersion).toBe('0.0.1');
    expect(i.sasAcreditationNumber).toBe('G&DAccreditationNbr');
    expect(i.certificationDataObject).toEqual({
      platformLabel: '1.2.840.1234567/myPlatformLabel',
      discoveryBaseURL: 'https://mycompany.com/myDLOARegistrar',
    });
    expect(i.euiccCategory).toBeUndefined();
    expect(i.extensions).toEqual([]);
    expect(hex(i.raw)).toBe(hex(info2Raw));
  });

  it('re-encodes the real sample byte for byte (what the test eUICC would send)', () => {
    expect(hex(encodeEUICCInfo2(decodeEUICCInfo2(info2Raw)))).toBe(hex(info2Raw));
  });

  const minimal: EUICCInfo2 = {
    profileVersion: '2.3.1',
    svn: '2.2.2',
    euiccFirmwareVer: '1.0.0',
    extCardResource: h('810100 820400010000 83020800'),
    uiccCapability: ['usimSupport', 'isimSupport', 'akaMilenage', 'javacard'],
    rspCapability: ['additionalProfile', 'testProfileSupport'],
    euiccCiPKIdListForVerification: [h(NIST_SKI)],
    euiccCiPKIdListForSigning: [h(NIST_SKI)],
    euiccCategory: 2,
    ppVersion: '0.0.1',
    sasAcreditationNumber: 'TEST-EUICC',
    extensions: [h('BF13 03 030100')],
  };

  it('encodes the test eUICC fields in ASN.1 order with universal tags 04/0C', () => {
    const enc = encodeEUICCInfo2(minimal);
    const tags = children(readTlv(enc)).map((c) => c.tag.toString(16).toUpperCase());
    expect(tags).toEqual(['81', '82', '83', '84', '85', '88', 'A9', 'AA', '8B', '4', 'C', 'BF13']);
    // uiccCapability bits 1,2,4,14 → 15 bits → 1 unused bit: 85 03 01 68 02
    expect(hex(children(readTlv(enc))[4].raw)).toBe('8503016802');
    expect(hex(children(readTlv(enc))[5].raw)).toBe('88020490');
    expect(hex(children(readTlv(enc))[8].raw)).toBe('8B0102');
    const dec = decodeEUICCInfo2(enc);
    const { raw, extCardResourceInfo, ...fields } = dec;
    expect(fields).toEqual(minimal);
    expect(extCardResourceInfo).toEqual({ installedApplications: 0, freeNonVolatileMemory: 0x10000, freeVolatileMemory: 0x800 });
    expect(hex(raw)).toBe(hex(enc));
  });

  it.each([
    ['missing ppVersion', (c: Buffer[]) => c.filter((x) => x[0] !== 0x04), 'EUICCInfo2: ppVersion (tag 04) is missing'],
    ['missing sasAcreditationNumber', (c: Buffer[]) => c.filter((x) => x[0] !== 0x0c), 'sasAcreditationNumber (tag 0C) is missing'],
    ['missing rspCapability', (c: Buffer[]) => c.filter((x) => x[0] !== 0x88), 'rspCapability (tag 88) is missing'],
    ['bad bit string', (c: Buffer[]) => c.map((x) => (x[0] === 0x88 ? h('8802 0990') : x)), 'rspCapability: BIT STRING with 9 unused bits'],
    ['bad UTF-8', (c: Buffer[]) => c.map((x) => (x[0] === 0x0c ? h('0C01FF') : x)), 'sasAcreditationNumber is not valid UTF-8'],
  ])('refuses %s with Asn1Error', (_n, mutate, msg) => {
    const kids = children(readTlv(encodeEUICCInfo2(minimal))).map((c) => Buffer.from(c.raw));
    const v = Buffer.concat(mutate(kids));
    const bad = Buffer.concat([h('BF22'), Buffer.from([0x81, v.length]), v]);
    expect(() => decodeEUICCInfo2(bad)).toThrow(Asn1Error);
    expect(() => decodeEUICCInfo2(bad)).toThrow(msg);
  });

  it('encoder refuses an unknown capability name with Asn1Error', () => {
    expect(() => encodeEUICCInfo2({ ...minimal, rspCapability: ['teleport'] })).toThrow(
      /EUICCInfo2: rspCapability: unknown named bit "teleport"/,
    );
  });
});
