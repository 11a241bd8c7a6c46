/**
 * A light parse of CERT.EUICC.ECDSA for ES9+.AuthenticateClient (SGP.22 §5.6.3, §4.5.2.1.0.2): only the
 * fields the chain validation reads, with the project's TLV reader instead of asn1js + X509Certificate (the
 * full `parseRspCertificate` costs ≈ 0.5 ms per call; eUICC certificates are per device, so a cache would not
 * help). Anything outside the expected shape returns undefined and the caller falls back to the full parse,
 * which then produces exactly the result or the error it always did.
 *
 * ```asn1
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
 *                            signatureValue BIT STRING }                                   -- RFC 5280 §4.1
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT Version, serialNumber INTEGER, signature AlgorithmIdentifier,
 *   issuer Name, validity Validity, subject Name, subjectPublicKeyInfo SubjectPublicKeyInfo,
 *   extensions [3] EXPLICIT Extensions OPTIONAL }
 * ```
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { Asn1Error, children, decodeOidValue, readAll, readTlv, Tlv } from '../asn1/tlv';
import type { KeyUsageInfo, RspCertificate, RspCurve } from './rsp-certificate';
import {
  id_at_serialNumber,
  id_ce_authorityKeyIdentifier,
  id_ce_certificatePolicies,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
} from './oids';

/** What validateEuiccChain reads of CERT.EUICC.ECDSA. */
export type EuiccCertificateFields = Pick<
  RspCertificate,
  | 'der'
  | 'tbs'
  | 'signatureAlgorithm'
  | 'signature'
  | 'publicKey'
  | 'curve'
  | 'publicKeyPoint'
  | 'notBefore'
  | 'notAfter'
  | 'authorityKeyIdentifier'
  | 'subjectKeyIdentifier'
  | 'keyUsage'
  | 'certificatePolicies'
> & {
  subject: { serialNumber?: string };
  /** SubjectPublicKeyInfo exactly as in the certificate. */
  spki: Buffer;
};

const ID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const CURVES: Record<string, RspCurve> = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
};

class Unusual extends Error {}
const unusual = (): never => {
  throw new Unusual();
};

/**
 * The fields of an ordinary CERT.EUICC.ECDSA (v3, EC key on P-256 / brainpoolP256r1, extensions limited to
 * AKI, SKI, keyUsage and certificatePolicies), or undefined for anything else (use parseRspCertificate).
 */
export function parseEuiccCertificateFields(input: Buffer): EuiccCertificateFields | undefined {
  try {
    return parseLight(input);
  } catch (e) {
    if (e instanceof Unusual || e instanceof Asn1Error) return undefined;
    return undefined;
  }
}

function expect(t: Tlv | undefined, tag: number): Tlv {
  if (!t || t.tag !== tag) unusual();
  return t!;
}

function parseLight(input: Buffer): EuiccCertificateFields {
  const outer = expect(readTlv(input, 0), 0x30);
  const der = Buffer.from(outer.raw);
  const parts = children(readTlv(der, 0));
  if (parts.length !== 3) unusual();
  const tbsT = expect(parts[0], 0x30);
  const algParts = children(expect(parts[1], 0x30));
  if (algParts.length !== 1) unusual();
  const signatureAlgorithm = decodeOidValue(expect(algParts[0], 0x06).value);
  const sigBits = expect(parts[2], 0x03);
  if (sigBits.value.length < 2 || sigBits.value[0] !== 0) unusual();
  const signature = Buffer.from(sigBits.value.subarray(1));

  const tbs = children(tbsT);
  if (tbs.length !== 8) unusual();
  const version = children(expect(tbs[0], 0xa0));
  if (version.length !== 1 || !expect(version[0], 0x02).value.equals(Buffer.from([2]))) unusual();
  expect(tbs[1], 0x02);
  expect(tbs[2], 0x30);
  expect(tbs[3], 0x30);
  const validity = children(expect(tbs[4], 0x30));
  if (validity.length !== 2) unusual();
  const notBefore = time(validity[0]);
  const notAfter = time(validity[1]);
  const subject = { serialNumber: serialNumberOf(expect(tbs[5], 0x30)) };

  const spkiT = expect(tbs[6], 0x30);
  const spkiParts = children(spkiT);
  if (spkiParts.length !== 2) unusual();
  const alg = children(expect(spkiParts[0], 0x30));
  if (alg.length !== 2 || decodeOidValue(expect(alg[0], 0x06).value) !== ID_EC_PUBLIC_KEY) unusual();
  const curve = CURVES[decodeOidValue(expect(alg[1], 0x06).value)] ?? unusual();
  const keyBits = expect(spkiParts[1], 0x03).value;
  if (keyBits.length !== 66 || keyBits[0] !== 0 || keyBits[1] !== 0x04) unusual();
  const publicKeyPoint = Buffer.from(keyBits.subarray(1));
  const spki = Buffer.from(spkiT.raw);

  const out: EuiccCertificateFields = {
    der,
    tbs: tbsT.raw,
    signatureAlgorithm,
    signature,
    publicKey: undefined as unknown as KeyObject,
    curve,
    publicKeyPoint,
    spki,
    notBefore,
    notAfter,
    subject,
    certificatePolicies: [],
  };
  const seen = new Set<string>();
  for (const ext of children(expect(children(expect(tbs[7], 0xa3))[0], 0x30))) {
    const f = children(expect(ext, 0x30));
    const oid = decodeOidValue(expect(f[0], 0x06).value);
    if (seen.has(oid)) unusual();
    seen.add(oid);
    let critical = false;
    let i = 1;
    if (f[i]?.tag === 0x01) {
      if (f[i].value.length !== 1) unusual();
      critical = f[i].value[0] !== 0;
      i++;
    }
    if (f.length !== i + 1) unusual();
    const v = expect(f[i], 0x04).value;
    const one = readAll(v);
    if (one.length !== 1) unusual();
    const t = one[0];
    switch (oid) {
      case id_ce_subjectKeyIdentifier:
        out.subjectKeyIdentifier = Buffer.from(expect(t, 0x04).value);
        break;
      case id_ce_authorityKeyIdentifier: {
        const a = children(expect(t, 0x30));
        if (a.length !== 1) unusual();
        out.authorityKeyIdentifier = Buffer.from(expect(a[0], 0x80).value);
        break;
      }
      case id_ce_keyUsage:
        out.keyUsage = keyUsage(expect(t, 0x03).value, critical);
        break;
      case id_ce_certificatePolicies:
        out.certificatePolicies = children(expect(t, 0x30)).map((p) => {
          const pi = children(expect(p, 0x30));
          if (pi.length !== 1) unusual();
          return decodeOidValue(expect(pi[0], 0x06).value);
        });
        break;
      default:
        unusual();
    }
  }
  // The key: a JWK import is cheaper than SPKI in OpenSSL 3 (node has no brainpool JWK).
  out.publicKey = publicKeyOf(curve, publicKeyPoint, spki);
  return out;
}

/** KeyObject for an uncompressed point (its SPKI given too): JWK on P-256, SPKI on brainpoolP256r1. */
export function publicKeyOf(curve: RspCurve, point: Buffer, spki: Buffer): KeyObject {
  if (curve === 'prime256v1') {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
      format: 'jwk',
    });
  }
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** UTCTime YYMMDDHHMMSSZ (years 50–99 → 19xx, RFC 5280 §4.1.2.5.1) or GeneralizedTime YYYYMMDDHHMMSSZ. */
function time(t: Tlv): Date {
  const s = t.value.toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (t.tag === 0x17 && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (t.tag === 0x18 && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    year = Number(m[1]);
  } else {
    return unusual();
  }
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59) unusual();
  return new Date(Date.UTC(year, mo - 1, d, h, mi, se));
}

/** The X.520 serialNumber (the EID) of a Name, as PrintableString or UTF8String. */
function serialNumberOf(name: Tlv): string | undefined {
  let found: string | undefined;
  for (const rdn of children(name)) {
    for (const atv of children(expect(rdn, 0x31))) {
      const [type, value, ...rest] = children(expect(atv, 0x30));
      if (rest.length || !value) unusual();
      if (decodeOidValue(expect(type, 0x06).value) !== id_at_serialNumber) continue;
      if (value.tag !== 0x13 && value.tag !== 0x0c) unusual();
      found ??= value.value.toString(value.tag === 0x0c ? 'utf8' : 'latin1');
    }
  }
  return found;
}

/** KeyUsage BIT STRING → flags as @peculiar/asn1-x509 numbers them (bit n → 1 << n). */
function keyUsage(v: Buffer, critical: boolean): KeyUsageInfo {
  if (v.length < 1 || v.length > 3 || v[0] > 7) unusual();
  let flags = 0;
  for (let i = 1; i < v.length; i++) {
    for (let b = 0; b < 8; b++) if (v[i] & (0x80 >> b)) flags |= 1 << ((i - 1) * 8 + b);
  }
  return {
    critical,
    flags,
    digitalSignature: (flags & 1) !== 0,
    keyAgreement: (flags & 16) !== 0,
    keyCertSign: (flags & 32) !== 0,
    cRLSign: (flags & 64) !== 0,
  };
}
