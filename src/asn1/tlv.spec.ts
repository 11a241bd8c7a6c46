import {
  Asn1Error,
  bitsToNames,
  children,
  decodeBitStringValue,
  decodeBooleanValue,
  decodeIntegerValue,
  decodeOidValue,
  decodeUtf8Value,
  encodeBitStringValue,
  encodeBooleanValue,
  encodeIntegerValue,
  encodeLength,
  encodeOidValue,
  find,
  namesToBits,
  need,
  readAll,
  readOne,
  readTlv,
  tagBytes,
  tlv,
} from './tlv';

const h = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const hex = (b: Buffer) => b.toString('hex').toUpperCase();

describe('BER-TLV reader', () => {
  it('reads one-, two- and three-byte tags with their raw slice', () => {
    const t1 = readTlv(h('80 02 AABB'));
    expect([t1.tag, t1.constructed, hex(t1.value), hex(t1.raw)]).toEqual([0x80, false, 'AABB', '8002AABB']);
    const t2 = readTlv(h('5F37 01 11'));
    expect([t2.tag, hex(t2.value)]).toEqual([0x5f37, '11']);
    const t3 = readTlv(h('BF38 00'));
    expect([t3.tag, t3.constructed, t3.value.length]).toEqual([0xbf38, true, 0]);
    // [APPLICATION 0x1234]-style three-byte tag: 5F A4 34
    const t4 = readTlv(h('5FA434 01 00'));
    expect(t4.tag).toBe(0x5fa434);
  });

  it('reads long definite lengths (81 xx, 82 xxxx) and tolerates a non-minimal 81 length', () => {
    const v = Buffer.alloc(0x0123, 0x5a);
    const t = readTlv(Buffer.concat([h('04 82 0123'), v]));
    expect(t.value.length).toBe(0x123);
    expect(t.raw.length).toBe(0x123 + 4);
    expect(hex(readTlv(h('80 81 02 ABCD')).value)).toBe('ABCD');
  });

  it('reads at an offset, raw being a view of exactly that TLV', () => {
    const buf = h('9000 30 03 800101 FF');
    const t = readTlv(buf, 2);
    expect(hex(t.raw)).toBe('3003800101');
  });

  it.each([
    ['empty input', '', /no tag/],
    ['truncated multi-byte tag', 'BF', /multi-byte tag/],
    ['no length', '80', /no length/],
    ['truncated value', '80 05 0102', /truncated: length 5, 2 bytes left/],
    ['truncated inside length', '80 82 01', /inside its length/],
    ['indefinite length', '30 80 0000', /indefinite/],
    ['absurd length of length', '04 89 010203040506070809', /absurd/],
    ['huge length beyond the buffer', '04 84 7FFFFFFF 00', /truncated/],
    ['tag longer than 4 bytes', '5F 81 81 81 81 01', /longer than 4 bytes/],
  ])('refuses %s with Asn1Error', (_name, input, msg) => {
    expect(() => readTlv(h(input))).toThrow(Asn1Error);
    expect(() => readTlv(h(input))).toThrow(msg);
  });

  it('readAll splits a concatenation and refuses trailing garbage that is not a TLV', () => {
    expect(readAll(h('800101 810102')).map((t) => hex(t.raw))).toEqual(['800101', '810102']);
    expect(() => readAll(h('800101 81'))).toThrow(Asn1Error);
  });

  it('readOne ignores trailing bytes (9000) but checks the outer tag', () => {
    expect(hex(readOne(h('BF20 01 00 9000'), 0xbf20, 'EUICCInfo1').raw)).toBe('BF200100');
    expect(() => readOne(h('BF21 00'), 0xbf20, 'EUICCInfo1')).toThrow('EUICCInfo1: expected tag BF20, got BF21');
  });

  it('children/find/need', () => {
    const t = readTlv(h('30 06 800101 8101FF'));
    const c = children(t);
    expect(c.map((x) => x.tag)).toEqual([0x80, 0x81]);
    expect(hex(find(c, 0x81)!.value)).toBe('FF');
    expect(() => need(c, 0x82, 'reason')).toThrow('reason (tag 82) is missing');
    expect(() => children(readTlv(h('80 00')))).toThrow('not constructed');
  });
});

describe('BER-TLV writer', () => {
  it('encodes minimal DER lengths', () => {
    expect(hex(encodeLength(0))).toBe('00');
    expect(hex(encodeLength(0x7f))).toBe('7F');
    expect(hex(encodeLength(0x80))).toBe('8180');
    expect(hex(encodeLength(0xff))).toBe('81FF');
    expect(hex(encodeLength(0x100))).toBe('820100');
    expect(hex(encodeLength(0x10000))).toBe('83010000');
  });

  it('encodes multi-byte tags and nested values, skipping undefined children', () => {
    expect(hex(tagBytes(0xbf38))).toBe('BF38');
    expect(hex(tagBytes(0x5f37))).toBe('5F37');
    expect(hex(tlv(0xbf38, [tlv(0x80, h('01')), undefined, tlv(0x5f37, Buffer.alloc(0))]))).toBe('BF38068001015F3700');
    const long = tlv(0x04, Buffer.alloc(300));
    expect(hex(long.subarray(0, 4))).toBe('0482012C');
    expect(readTlv(long).value.length).toBe(300);
  });
});

describe('INTEGER / BOOLEAN / UTF8String', () => {
  it('encodes non-negative integers minimally with a sign byte when needed', () => {
    expect(hex(encodeIntegerValue(0))).toBe('00');
    expect(hex(encodeIntegerValue(5))).toBe('05');
    expect(hex(encodeIntegerValue(127))).toBe('7F');
    expect(hex(encodeIntegerValue(128))).toBe('0080');
    expect(hex(encodeIntegerValue(0x1234))).toBe('1234');
    expect(() => encodeIntegerValue(-1)).toThrow(Asn1Error);
  });

  it('decodes two’s complement and refuses empty/oversized', () => {
    expect(decodeIntegerValue(h('7F'))).toBe(127);
    expect(decodeIntegerValue(h('0080'))).toBe(128);
    expect(decodeIntegerValue(h('FF'))).toBe(-1);
    expect(() => decodeIntegerValue(Buffer.alloc(0))).toThrow(Asn1Error);
    expect(() => decodeIntegerValue(Buffer.alloc(7, 1))).toThrow(Asn1Error);
  });

  it('BOOLEAN', () => {
    expect(hex(encodeBooleanValue(true))).toBe('FF');
    expect(hex(encodeBooleanValue(false))).toBe('00');
    expect(decodeBooleanValue(h('01'))).toBe(true);
    expect(() => decodeBooleanValue(h('0000'), 'ccRequiredFlag')).toThrow('ccRequiredFlag: BOOLEAN of 2 bytes');
  });

  it('UTF8String refuses malformed UTF-8 with Asn1Error (never a TypeError)', () => {
    expect(decodeUtf8Value(h('C3A9'))).toBe('é');
    expect(() => decodeUtf8Value(h('C3'), 'serverAddress')).toThrow(Asn1Error);
    expect(() => decodeUtf8Value(h('FF'), 'serverAddress')).toThrow('serverAddress is not valid UTF-8');
  });
});

describe('OBJECT IDENTIFIER', () => {
  it.each([
    ['2.999.10', '88370A'],
    ['2.999.1', '883701'],
    ['2.23.146.1.2.1.4', '67811201020104'],
    ['1.2.840.10045.4.3.2', '2A8648CE3D040302'],
    ['1.3.6.1.4.1.31746', '2B0601040181F802'],
  ])('%s ⇄ %s', (dotted, content) => {
    expect(hex(encodeOidValue(dotted))).toBe(content);
    expect(decodeOidValue(h(content))).toBe(dotted);
  });

  it('refuses malformed OIDs', () => {
    expect(() => encodeOidValue('2')).toThrow(Asn1Error);
    expect(() => encodeOidValue('2.x.1')).toThrow(Asn1Error);
    expect(() => decodeOidValue(Buffer.alloc(0))).toThrow(Asn1Error);
    expect(() => decodeOidValue(h('8837 88'))).toThrow('truncated');
  });
});

describe('BIT STRING with named bits (X.690 §11.2.2)', () => {
  const NotificationEvent = ['notificationInstall', 'notificationEnable', 'notificationDisable', 'notificationDelete'];

  it.each([
    [[0], '0780'],
    [[1], '0640'],
    [[2], '0520'],
    [[3], '0410'],
    [[], '00'],
    [[0, 3], '0490'],
    [[0, 8], '078080'],
    [[7], '0001'],
  ])('bits %j ⇄ %s', (bits, content) => {
    expect(hex(encodeBitStringValue(bits))).toBe(content);
    expect(decodeBitStringValue(h(content))).toEqual(bits);
  });

  it('decodes non-minimal input (trailing zero bits present) to the same bit set', () => {
    expect(decodeBitStringValue(h('00 80'))).toEqual([0]);
    expect(decodeBitStringValue(h('06 7F16C0'))).toEqual([1, 2, 3, 4, 5, 6, 7, 11, 13, 14, 16, 17]);
  });

  it('names ⇄ bits, unknown bits as bit<n>', () => {
    expect(bitsToNames([0, 9], NotificationEvent)).toEqual(['notificationInstall', 'bit9']);
    expect(namesToBits(['notificationDelete', 'bit9'], NotificationEvent)).toEqual([3, 9]);
    expect(() => namesToBits(['install'], NotificationEvent)).toThrow(Asn1Error);
  });

  it('refuses malformed BIT STRING contents', () => {
    expect(() => decodeBitStringValue(Buffer.alloc(0))).toThrow(Asn1Error);
    expect(() => decodeBitStringValue(h('08 00'))).toThrow('8 unused bits');
    expect(() => decodeBitStringValue(h('03'))).toThrow(Asn1Error);
  });
});
