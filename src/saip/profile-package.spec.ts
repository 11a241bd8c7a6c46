import { tlv } from '../asn1/tlv';
import { SaipError } from './errors';
import { decodeProfilePackage, encodeProfilePackage, findFiles, readProfileHeader, wholeContent } from './profile-package';
import { TS48_FILES, ts48 } from './test-fixtures';

describe('profile package codec on the four TS.48 packages', () => {
  it.each(TS48_FILES)('%s decodes and re-encodes byte for byte', (name) => {
    const der = ts48(name);
    const pkg = decodeProfilePackage(der);
    expect(encodeProfilePackage(pkg).equals(der)).toBe(true);
    // Each element re-encodes by itself too, and the elements tile the package.
    let p = 0;
    for (const e of pkg.elements) {
      expect(e.offset).toBe(p);
      p += e.raw.length;
    }
    expect(p).toBe(der.length);
  });

  it('names the 30 elements of SAIP2.3_BERTLV_SUCI in order (digest §7.1)', () => {
    const pkg = decodeProfilePackage(ts48());
    expect(pkg.elements.map((e) => e.type)).toEqual([
      'header', 'mf', 'pukCodes', 'pinCodes', 'telecom', 'pinCodes', 'genericFileManagement', 'usim', 'opt-usim',
      'pinCodes', 'akaParameter', 'gsm-access', 'df-5gs', 'df-saip', 'csim', 'opt-csim', 'pinCodes', 'cdmaParameter',
      'isim', 'opt-isim', 'pinCodes', 'akaParameter', 'genericFileManagement', 'genericFileManagement',
      'securityDomain', 'rfm', 'rfm', 'rfm', 'rfm', 'end',
    ]);
    expect(pkg.elements.map((e) => e.peHeader?.identification)).toEqual([
      undefined, 4, 5, 2, 7, 3, 23, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31,
    ]);
  });

  it('decodes the header, EF.ICCID, EF.IMSI, akaParameter, PINs/PUKs and SD keys with their offsets', () => {
    const der = ts48();
    const pkg = decodeProfilePackage(der);
    const h = pkg.elements[0].profileHeader!;
    expect(h).toMatchObject({ majorVersion: 2, minorVersion: 3, profileType: 'GSMA Generic eUICC Test Profile', iccid: '89000123456789012341' });
    expect(h.mandatoryServices).toEqual(['usim', 'isim', 'csim', 'usim-test-algorithm', 'ber-tlv', 'get-identity', 'profile-a-x25519', 'profile-b-p256']);
    expect(h.mandatoryGfsteList).toEqual(['1', '3', '4', '5', '7', '8', '9', '10', '11', '13', '14'].map((x) => `2.23.143.1.2.${x}`));
    expect(der.subarray(h.iccidField.at, h.iccidField.at + 10).toString('hex')).toBe('89000123456789012341');

    const efIccid = wholeContent(findFiles(pkg, 'mf', 'ef-iccid')[0].file)!;
    expect(efIccid.value.toString('hex')).toBe('98001032547698103214');
    expect(efIccid.at).toBe(0xfc); // 83 0A at 0xFA in the hex dump
    const imsi = findFiles(pkg, 'usim', 'ef-imsi')[0];
    expect(imsi.file.fcp).toMatchObject({ fileDescriptor: '4121', fileID: '6F07', securityAttributesReferenced: '6F060A' });
    expect(wholeContent(imsi.file)!.value.toString('hex')).toBe('080910101032547698');
    expect(wholeContent(findFiles(pkg, 'usim', 'ef-acc')[0].file)!.value.toString('hex')).toBe('0001');
    const dir = findFiles(pkg, 'mf', 'ef-dir')[0].file;
    expect(dir.contents.map((c) => c.position)).toEqual([0, 33, 66]); // fillFileOffset 11 after 22-byte records

    const aka = pkg.elements[10].aka!;
    expect(aka).toMatchObject({ algorithmId: 3, algorithmName: 'usim-test-algorithm', algorithmOptions: '02' });
    expect(aka.key!.value.toString('hex')).toBe('000102030405060708090a0b0c0d0e0f');
    expect(der.subarray(aka.opc!.at, aka.opc!.at + 16).toString('hex')).toBe('00'.repeat(16));
    expect(pkg.elements[3].pinCodes!.map((p) => [p.name, p.pinValue.value.toString('hex'), p.unblockingPinReference])).toEqual([
      ['pinAppl1', '30303030ffffffff', 1],
      ['adm1', '3535353535353535', undefined],
      ['adm2', '3636363636363636', undefined],
    ]);
    expect(pkg.elements[2].pukCodes!.map((p) => [p.name, p.pukValue.value.toString('hex'), p.maxNumOfAttempsRetryNumLeft])).toEqual([
      ['pukAppl1', '3131313131313131', 170],
      ['secondPUKAppl1', '3232323232323232', 170],
    ]);
    const sd = pkg.elements[24].securityDomain!;
    expect(sd.instance.instanceAID).toBe('A000000151000000');
    expect(sd.keys.map((k) => `${k.keyVersionNumber}/${k.keyIdentifier}:${k.keyUsageQualifier}:${k.components[0].keyType}`)).toEqual([
      '1/1:18:80', '1/2:14:80', '1/3:48:80', '2/1:18:88', '2/2:14:88', '2/3:48:88',
    ]);
    expect(pkg.elements[26].rfm).toEqual({ instanceAID: 'A00000055910100002', tarList: ['B00140'], adfAID: 'A0000000871002FF49FF0589' });
  });

  it('readProfileHeader reads only the header', () => {
    expect(readProfileHeader(ts48())).toEqual({
      iccid: '89000123456789012341', profileType: 'GSMA Generic eUICC Test Profile', majorVersion: 2, minorVersion: 3,
    });
    expect(() => readProfileHeader(ts48().subarray(162))).toThrow(
      new SaipError('profile package: first element must be the ProfileHeader (A0), got B0'),
    );
  });

  it('keeps an element of a newer version (unknown tag) as it is', () => {
    const der = ts48();
    const pkg0 = decodeProfilePackage(der);
    const future = tlv(0xbf30, [tlv(0xa0, [tlv(0x81, Buffer.from([0x63]))]), tlv(0x81, Buffer.from('abc'))]);
    const end = pkg0.elements[pkg0.elements.length - 1].raw;
    const mixed = Buffer.concat([der.subarray(0, der.length - end.length), future, end]);
    const pkg = decodeProfilePackage(mixed);
    const u = pkg.elements[pkg.elements.length - 2];
    expect(u).toMatchObject({ type: 'unknown', tag: 0xbf30, peHeader: { mandated: false, identification: 99 } });
    expect(u.raw.toString('hex')).toBe('bf300aa003810163810361626' + '3');
    expect(encodeProfilePackage(pkg).equals(mixed)).toBe(true);
  });

  it('reports a truncated package with the element and offset', () => {
    const der = ts48();
    expect(() => decodeProfilePackage(der.subarray(0, der.length - 3))).toThrow(
      new SaipError('profile package truncated or malformed at offset 12376 (ProfileElement #29): TLV AA truncated: length 7, 4 bytes left'),
    );
    expect(() => decodeProfilePackage(Buffer.from('300100', 'hex'))).toThrow(
      'ProfileElement #0 at offset 0: tag 30 is not a ProfileElement (a constructed context tag A0..BF1F+ is expected)',
    );
  });
});
