/**
 * ECDSA-SHA256 as SGP.22 uses it (SGP.22 §2.6.5, digest §2.0): signatures inside RSP messages are the
 * BSI TR-03111 plain form r‖s (64 bytes on the 256-bit curves), carried in the data object
 * `[APPLICATION 55] OCTET STRING` = `5F37 40 r‖s`. Certificates keep the X.509 DER `ECDSA-Sig-Value`:
 *
 *   ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }          -- RFC 5480 / X9.62
 *
 * Curves: NIST P-256 (`prime256v1`) and `brainpoolP256r1` (SGP.22 §2.6.5.1). The hash is SHA-256 on both.
 * Node's WebCrypto has no brainpool, so everything here is plain node:crypto.
 */
import { createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { Asn1Error, readOne, readTlv, tlv } from '../asn1/tlv';
import { CryptoError } from './errors';

export type EcCurveName = 'prime256v1' | 'brainpoolP256r1';

/** Size in bytes of a field element / of r and s on the supported curves. */
export const EC_FIELD_SIZE = 32;
/** r‖s length on the supported curves. */
export const RAW_SIGNATURE_LENGTH = 64;
/** Uncompressed point 04‖X‖Y length on the supported curves. */
export const EC_POINT_LENGTH = 65;

/** `[APPLICATION 55]` — the tag of every RSP signature DO (euiccSignature1, smdpSign, …). */
export const TAG_SIGNATURE = 0x5f37;

/** Named-curve OIDs (RFC 5480 §2.1.1.1, RFC 5639 §4.1), encoded OBJECT IDENTIFIER content. */
const CURVE_OID: Record<EcCurveName, Buffer> = {
  prime256v1: Buffer.from('2a8648ce3d030107', 'hex'), // 1.2.840.10045.3.1.7
  brainpoolP256r1: Buffer.from('2b2403030208010107', 'hex'), // 1.3.36.3.3.2.8.1.1.7
};
/** id-ecPublicKey 1.2.840.10045.2.1 */
const ID_EC_PUBLIC_KEY = Buffer.from('2a8648ce3d0201', 'hex');

/** ECDSA-SHA256 signature in plain r‖s form (TR-03111), 64 bytes. */
export function signRaw(privateKey: KeyObject, data: Buffer): Buffer {
  return sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

/**
 * Verifies a plain r‖s ECDSA-SHA256 signature. Returns false — never throws — on a signature of the wrong
 * length, a malformed key or any other failure: a bad signature from the wire is a verification failure.
 */
export function verifyRaw(publicKey: KeyObject, data: Buffer, sig: Buffer): boolean {
  if (!Buffer.isBuffer(sig) || sig.length !== RAW_SIGNATURE_LENGTH) return false;
  try {
    return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig);
  } catch {
    return false;
  }
}

/** Unsigned big-endian integer → DER INTEGER content (minimal, leading 00 when the top bit is set). */
function integerContent(n: Buffer): Buffer {
  let i = 0;
  while (i < n.length - 1 && n[i] === 0) i++;
  const v = n.subarray(i);
  return v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v;
}

/** r‖s (TR-03111) → DER ECDSA-Sig-Value. */
export function rawToDer(sig: Buffer): Buffer {
  if (sig.length === 0 || sig.length % 2 !== 0) throw new CryptoError(`r‖s signature of ${sig.length} bytes`);
  const half = sig.length / 2;
  return tlv(0x30, [tlv(0x02, integerContent(sig.subarray(0, half))), tlv(0x02, integerContent(sig.subarray(half)))]);
}

/** DER ECDSA-Sig-Value → r‖s with each half left-padded to `fieldSize` bytes. */
export function derToRaw(sig: Buffer, fieldSize = EC_FIELD_SIZE): Buffer {
  try {
    const seq = readOne(sig, 0x30, 'ECDSA-Sig-Value');
    if (seq.raw.length !== sig.length) throw new CryptoError('trailing bytes after ECDSA-Sig-Value');
    const r = readTlv(seq.value, 0);
    const s = readTlv(seq.value, r.raw.length);
    if (r.tag !== 0x02 || s.tag !== 0x02 || r.raw.length + s.raw.length !== seq.value.length) {
      throw new CryptoError('ECDSA-Sig-Value is not SEQUENCE { INTEGER, INTEGER }');
    }
    const out = Buffer.alloc(2 * fieldSize);
    for (const [i, n] of [r.value, s.value].entries()) {
      if (n.length === 0 || n[0] & 0x80) throw new CryptoError('ECDSA-Sig-Value with a negative or empty INTEGER');
      let j = 0;
      while (j < n.length - 1 && n[j] === 0) j++;
      const v = n.subarray(j);
      if (v.length > fieldSize) throw new CryptoError(`ECDSA integer longer than ${fieldSize} bytes`);
      v.copy(out, i * fieldSize + fieldSize - v.length);
    }
    return out;
  } catch (e) {
    if (e instanceof Asn1Error) throw new CryptoError(`malformed ECDSA-Sig-Value: ${e.message}`);
    throw e;
  }
}

/** `5F37 40 ‖ r‖s` — the `[APPLICATION 55] OCTET STRING` signature DO. */
export function signatureDo(sig64: Buffer): Buffer {
  if (sig64.length !== RAW_SIGNATURE_LENGTH) throw new CryptoError(`signature of ${sig64.length} bytes, expected 64`);
  return tlv(TAG_SIGNATURE, sig64);
}

/** Reads a `5F37 40 ‖ r‖s` DO and returns r‖s (a view, no copy). Throws CryptoError if it is not one. */
export function parseSignatureDo(buf: Buffer): Buffer {
  let t;
  try {
    t = readOne(buf, TAG_SIGNATURE, 'signature');
  } catch (e) {
    throw new CryptoError(e instanceof Error ? e.message : String(e));
  }
  if (t.value.length !== RAW_SIGNATURE_LENGTH) {
    throw new CryptoError(`signature DO holds ${t.value.length} bytes, expected 64`);
  }
  return t.value;
}

/**
 * SubjectPublicKeyInfo for an uncompressed point (RFC 5480 §2):
 *   SubjectPublicKeyInfo ::= SEQUENCE { algorithm SEQUENCE { id-ecPublicKey, namedCurve }, subjectPublicKey BIT STRING }
 * JWK cannot be used: Node accepts no brainpool JWK.
 */
export function publicKeyFromPoint(curve: EcCurveName, point: Buffer): KeyObject {
  if (!CURVE_OID[curve]) throw new CryptoError(`unsupported curve ${curve}`);
  if (point.length !== EC_POINT_LENGTH || point[0] !== 0x04) {
    throw new CryptoError(`EC public key must be an uncompressed point of 65 bytes (04‖X‖Y), got ${point.length}`);
  }
  const spki = tlv(0x30, [
    tlv(0x30, [tlv(0x06, ID_EC_PUBLIC_KEY), tlv(0x06, CURVE_OID[curve])]),
    tlv(0x03, [Buffer.from([0]), point]),
  ]);
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (e) {
    throw new CryptoError(`invalid ${curve} public key: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The curve of an EC key, restricted to the SGP.22 curves. */
export function curveOfKey(key: KeyObject): EcCurveName {
  const c = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || (c !== 'prime256v1' && c !== 'brainpoolP256r1')) {
    throw new CryptoError(`key is not on prime256v1 or brainpoolP256r1 (${key.asymmetricKeyType} ${c ?? ''})`);
  }
  return c;
}

/** The uncompressed point 04‖X‖Y (65 bytes) of an EC public (or private) key. */
export function pointFromPublicKey(key: KeyObject): Buffer {
  curveOfKey(key);
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const spki = pub.export({ format: 'der', type: 'spki' });
  const seq = readOne(spki, 0x30, 'SubjectPublicKeyInfo');
  const alg = readTlv(seq.value, 0);
  const bits = readTlv(seq.value, alg.raw.length);
  if (bits.tag !== 0x03 || bits.value.length !== EC_POINT_LENGTH + 1 || bits.value[1] !== 0x04) {
    throw new CryptoError('EC key does not export an uncompressed point');
  }
  return Buffer.from(bits.value.subarray(1));
}
