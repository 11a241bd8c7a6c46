import { decodeProfilePackage } from './profile-package';
import { TS48_FILES, ts48 } from './test-fixtures';
import { validateProfilePackage } from './validate';

const EF_ICCID_AT = 0xfc; // EF.ICCID content in every TS.48 package (after header and the MF's first files)

describe('validateProfilePackage', () => {
  it.each(TS48_FILES)('%s validates clean', (name) => {
    const r = validateProfilePackage(ts48(name));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('summarises without secret values', () => {
    const r = validateProfilePackage(ts48());
    expect(r.summary).toMatchObject({
      iccid: '89000123456789012341',
      imsi: '001010123456789',
      profileType: 'GSMA Generic eUICC Test Profile',
      version: '2.3',
      size: 12385,
    });
    expect(r.summary.elements).toHaveLength(30);
    expect(r.summary.applications.slice(0, 4)).toEqual([
      { kind: 'usim', aid: 'A0000000871002FF49FF0589', label: 'USIM' },
      { kind: 'csim', aid: 'A0000003431002F310FFFF89020000FF', label: 'CSIM' },
      { kind: 'isim', aid: 'A0000000871004FF49FF0589', label: 'ISIM' },
      { kind: 'securityDomain', aid: 'A000000151000000' },
    ]);
    expect(r.summary.keys.aka).toEqual([
      { identification: 11, algorithm: 'usim-test-algorithm', keyLength: 16, opcLength: 16 },
      { identification: 22, algorithm: 'usim-test-algorithm', keyLength: 16, opcLength: 16 },
    ]);
    expect(r.summary.keys.pins).toEqual(['pinAppl1', 'adm1', 'adm2', 'secondPINAppl1']);
    const json = JSON.stringify(r.summary);
    expect(json).not.toContain('000102030405060708090'); // Ki / SD keys
    expect(json).not.toContain('3535353535353535'); // ADM1
  });

  it('ICCID mismatch between header and EF.ICCID', () => {
    const der = Buffer.from(ts48());
    der[EF_ICCID_AT + 9] = 0x24;
    expect(validateProfilePackage(der).errors).toEqual([
      'ICCID mismatch: header 89000123456789012341, EF.ICCID 98001032547698103224 (= 89000123456789012342); EF.ICCID must be the nibble-swapped header ICCID',
    ]);
  });

  it('ICCID stored unswapped in EF.ICCID', () => {
    const der = Buffer.from(ts48());
    Buffer.from('89000123456789012341', 'hex').copy(der, EF_ICCID_AT);
    expect(validateProfilePackage(der).errors).toEqual([
      'ICCID mismatch: header 89000123456789012341, EF.ICCID 89000123456789012341 (= 98001032547698103214); EF.ICCID must be the nibble-swapped header ICCID',
    ]);
  });

  it('missing end', () => {
    const der = ts48();
    const r = validateProfilePackage(der.subarray(0, der.length - 9));
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual(['the end ProfileElement is missing: a package must finish with end']);
  });

  it('header not first', () => {
    const der = ts48();
    const [h, mf] = decodeProfilePackage(der).elements;
    const swapped = Buffer.concat([mf.raw, h.raw, der.subarray(h.raw.length + mf.raw.length)]);
    expect(validateProfilePackage(swapped).errors).toEqual([
      'the first ProfileElement must be the header, got mf #0',
      'the second ProfileElement must be mf (the MF follows the header), got header #1',
    ]);
  });

  it('element after end', () => {
    const der = ts48();
    const pkg = decodeProfilePackage(der);
    const rfm = pkg.elements[28].raw;
    expect(validateProfilePackage(Buffer.concat([der, rfm])).errors).toEqual([
      'end (#29) must be the last ProfileElement; 1 element(s) follow it',
      'identification 30 is used by both rfm #28 and rfm #30; PE identifications must be unique',
    ]);
  });

  it('truncated TLV', () => {
    const der = ts48();
    const r = validateProfilePackage(der.subarray(0, 5000));
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      'profile package truncated or malformed at offset 3855 (ProfileElement #8): TLV B4 truncated: length 2525, 1141 bytes left',
    ]);
  });

  it('duplicate identification', () => {
    const der = Buffer.from(ts48());
    const puk = decodeProfilePackage(der).elements[2]; // A3 28 A0 05 80 00 81 01 05
    expect(der.subarray(puk.offset, puk.offset + 9).toString('hex')).toBe('a328a005800081010' + '5');
    der[puk.offset + 8] = 2; // the identification of pinCodes #3
    expect(validateProfilePackage(der).errors).toEqual([
      'identification 2 is used by both pukCodes #2 and pinCodes #3; PE identifications must be unique',
    ]);
  });

  it('service announced without its element, and an unannounced algorithm', () => {
    const der = Buffer.from(ts48());
    // eUICC-Mandatory-services: A5 10 81 00 82 00 83 00 91 00 …: turn 'isim' (82) into 'milenage' (84).
    const at = der.indexOf(Buffer.from('a5108100820083009100', 'hex'));
    der[at + 4] = 0x84;
    expect(validateProfilePackage(der).errors).toEqual(['header announces milenage but no akaParameter uses it']);
    expect(validateProfilePackage(der).warnings).toEqual(['the package carries isim but the header does not announce the isim service']);
  });

  it('a PIN whose PUK is not defined', () => {
    const der = Buffer.from(ts48());
    const pin = decodeProfilePackage(der).elements[3].pinCodes![0];
    // pinconfig: 80 01 01 | 81 08 <pin> | 82 01 01 → unblockingPINReference pukAppl3
    expect(der[pin.pinValue.at + 10]).toBe(1);
    der[pin.pinValue.at + 10] = 3;
    expect(validateProfilePackage(der).errors).toEqual([
      'pinCodes #3: pinAppl1 is unblocked by pukAppl3, which no pukCodes element defines',
    ]);
  });
});
