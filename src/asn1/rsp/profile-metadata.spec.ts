import { Asn1Error, tlv } from '../tlv';
import { iccidFromEf, iccidToEf, mccMncFromBytes, mccMncToBytes } from './iccid';
import { ProfileClass, StoreMetadataRequest, decodeStoreMetadataRequest, encodeStoreMetadataRequest } from './profile-metadata';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();

/** BF25 ‖ length ‖ the given hex children. */
const bf25 = (...kids: string[]) => tlv(0xbf25, kids.map(h)).toString('hex');

/** Real StoreMetadataRequest of a third-party SM-DP+ (pySim unit tests, digest §4.1). */
const SAMPLE = 'BF252D5A0A98001032547698103214910947534D415F54455354921147534D415F544553545F50524F46494C45950100';

describe('ICCID and MCC/MNC coding', () => {
  it('ICCID digits ⇄ EF.ICCID (nibble-swapped, F padded)', () => {
    expect(hex(iccidToEf('89000123456789012341'))).toBe('98001032547698103214');
    expect(iccidFromEf(h('98001032547698103214'))).toBe('89000123456789012341');
    expect(hex(iccidToEf('8949449999999990023'))).toBe('989444999999990920F3');
    expect(iccidFromEf(iccidToEf('8949449999999990023'))).toBe('8949449999999990023');
    expect(hex(iccidToEf('8949449999999990023F'))).toBe(hex(iccidToEf('8949449999999990023')));
  });

  it('refuses bad ICCIDs with Asn1Error', () => {
    expect(() => iccidToEf('89ab')).toThrow(Asn1Error);
    expect(() => iccidFromEf(h('98FFFFFFFFFFFFFFFFFF'))).toThrow('has only 2 digits');
    expect(() => iccidFromEf(h('9800'))).toThrow('ICCID of 2 bytes, expected 10');
    expect(() => iccidFromEf(h('98001032547698103A14'))).toThrow(/not swapped BCD/);
  });

  it('MCC/MNC (3GPP TS 24.008)', () => {
    expect(hex(mccMncToBytes('310410'))).toBe('130014');
    expect(hex(mccMncToBytes('00101'))).toBe('00F110');
    expect(hex(mccMncToBytes('26201'))).toBe('62F210');
    expect(mccMncFromBytes(h('130014'))).toBe('310410');
    expect(mccMncFromBytes(h('00F110'))).toBe('00101');
    expect(() => mccMncToBytes('1234')).toThrow(Asn1Error);
  });
});

describe('StoreMetadataRequest (BF25)', () => {
  it('decodes the real sample', () => {
    const m = decodeStoreMetadataRequest(h(SAMPLE));
    expect(m.iccid).toBe('89000123456789012341');
    expect(m.serviceProviderName).toBe('GSMA_TEST');
    expect(m.profileName).toBe('GSMA_TEST_PROFILE');
    expect(m.profileClass).toBe(ProfileClass.test);
    expect(m.iconType).toBeUndefined();
    expect(m.notificationConfigurationInfo).toBeUndefined();
    expect(m.extensions).toEqual([]);
    expect(hex(m.raw)).toBe(SAMPLE);
  });

  it('round-trips the real sample byte for byte', () => {
    expect(hex(encodeStoreMetadataRequest(decodeStoreMetadataRequest(h(SAMPLE))))).toBe(SAMPLE);
    expect(
      hex(
        encodeStoreMetadataRequest({
          iccid: '89000123456789012341',
          serviceProviderName: 'GSMA_TEST',
          profileName: 'GSMA_TEST_PROFILE',
          profileClass: ProfileClass.test,
        }),
      ),
    ).toBe(SAMPLE);
  });

  it('omits profileClass operational (DER DEFAULT) and decodes its absence as operational', () => {
    const enc = encodeStoreMetadataRequest({ iccid: '89000123456789012341', serviceProviderName: 'Op', profileName: 'P', profileClass: 2 });
    expect(hex(enc)).toBe('BF25 13 5A0A98001032547698103214 91024F70 920150'.replace(/ /g, ''));
    expect(decodeStoreMetadataRequest(enc).profileClass).toBe(ProfileClass.operational);
    // pySim writes 95 01 02 explicitly: still decoded, the raw bytes are kept.
    const pySimStyle = tlv(0xbf25, [h('5A0A98001032547698103214 91024F70 920150 950102')]);
    expect(decodeStoreMetadataRequest(pySimStyle).profileClass).toBe(2);
  });

  const full: StoreMetadataRequest = {
    iccid: '8949449999999990023',
    serviceProviderName: 'Op',
    profileName: 'P',
    iconType: 1,
    icon: h('89504E47'),
    profileClass: ProfileClass.provisioning,
    notificationConfigurationInfo: [
      { profileManagementOperation: ['notificationEnable', 'notificationDisable', 'notificationDelete'], notificationAddress: 'dp.example' },
    ],
    profileOwner: { mccMnc: mccMncToBytes('00101'), gid1: h('FF') },
    profilePolicyRules: ['ppr1', 'ppr2'],
    extensions: [h('BF7600')],
  };

  it('encodes every field in ASN.1 order with exact bytes', () => {
    const enc = encodeStoreMetadataRequest(full);
    expect(hex(enc)).toBe(
      [
        'BF25 44',
        '5A0A 989444999999990920F3',
        '91024F70',
        '920150',
        '930101',
        '940489504E47',
        '950101',
        'B612 3010 80020470 810A64702E6578616D706C65',
        'B708 800300F110 8101FF',
        '99020560',
        'BF7600',
      ]
        .join('')
        .replace(/ /g, ''),
    );
  });

  it('full encode → decode round trip', () => {
    const enc = encodeStoreMetadataRequest(full);
    const { raw, ...dec } = decodeStoreMetadataRequest(enc);
    expect(dec).toEqual(full);
    expect(hex(raw)).toBe(hex(enc));
    expect(hex(encodeStoreMetadataRequest(dec))).toBe(hex(enc));
  });

  it.each([
    ['wrong outer tag', 'BF24 00', 'StoreMetadataRequest: expected tag BF25, got BF24'],
    ['truncated', SAMPLE.slice(0, 40), 'StoreMetadataRequest: TLV BF25 truncated'],
    ['absurd length', 'BF25 85 0102030405 00', 'StoreMetadataRequest: TLV BF25: length of 5 bytes is absurd'],
    ['missing iccid', bf25('91024F70', '920150'), 'StoreMetadataRequest: iccid (tag 5A) is missing'],
    ['missing profileName', bf25('5A0A98001032547698103214', '91024F70'), 'StoreMetadataRequest: profileName (tag 92) is missing'],
    ['short iccid', bf25('5A029800', '91024F70', '920150'), 'StoreMetadataRequest: iccid: 2 bytes, expected 10'],
    ['bad UTF-8 name', bf25('5A0A98001032547698103214', '9101FF', '920150'), 'serviceProviderName is not valid UTF-8'],
    ['bad notificationConfigurationInfo', bf25('5A0A98001032547698103214', '91024F70', '920150', 'B6028000'), 'notificationConfigurationInfo[0]: expected tag 30'],
  ])('refuses %s with Asn1Error', (_n, input, msg) => {
    expect(() => decodeStoreMetadataRequest(h(input))).toThrow(Asn1Error);
    expect(() => decodeStoreMetadataRequest(h(input))).toThrow(msg);
  });

  it('encoder refuses over-long names and an icon without iconType', () => {
    expect(() => encodeStoreMetadataRequest({ ...full, serviceProviderName: 'x'.repeat(33) })).toThrow(
      'StoreMetadataRequest: serviceProviderName: 33 bytes, at most 32 allowed',
    );
    expect(() => encodeStoreMetadataRequest({ ...full, iconType: undefined })).toThrow('icon requires iconType');
  });
});
