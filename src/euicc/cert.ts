/**
 * The few certificate facts the test eUICC needs (SGP.22 §4.5.2), read from DER with the project's TLV layer:
 *
 *   Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertificate ::= SEQUENCE { version [0] EXPLICIT, serialNumber INTEGER, signature AlgorithmIdentifier,
 *        issuer Name, validity Validity, subject Name, subjectPublicKeyInfo, …, extensions [3] EXPLICIT Extensions }
 *   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 *
 * Private to src/euicc (no reflect-metadata / WebCrypto: brainpoolP256r1 must work) until src/pki exports an
 * equivalent; signature checks use node:crypto X509Certificate, which handles both SGP.22 curves.
 */
import { KeyObject, X509Certificate } from 'node:crypto';
import { Asn1Error, children, decodeOidValue, readOne, Tlv } from '../asn1/tlv';
import { curveOfKey, EcCurveName } from '../crypto/ecdsa';

/** id-rspRole certificate policies (SGP.22 §4.5.2.1, v2 "variant O"; digest §5.1). */
export const RSP_ROLE = '2.23.146.1.2.1';
export const POLICY = {
  ci: `${RSP_ROLE}.0`,
  euicc: `${RSP_ROLE}.1`,
  eum: `${RSP_ROLE}.2`,
  dpTls: `${RSP_ROLE}.3`,
  dpAuth: `${RSP_ROLE}.4`,
  dpPb: `${RSP_ROLE}.5`,
} as const;
/** v3 variants (digest §5.1), accepted alongside the v2 ones. */
export const POLICY_V3 = {
  euicc: `${RSP_ROLE}.0.0.0.0.0`,
  eum: `${RSP_ROLE}.0.0.0`,
  dpAuth: `${RSP_ROLE}.0.0.1.1`,
  dpPb: `${RSP_ROLE}.0.0.1.2`,
} as const;

const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';
const OID_SAN = '2.5.29.17';
const OID_POLICIES = '2.5.29.32';
const OID_SERIAL_NUMBER = '2.5.4.5';

export class CertificateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateFormatError';
  }
}

export interface CertInfo {
  der: Buffer;
  x509: X509Certificate;
  publicKey: KeyObject;
  curve: EcCurveName;
  subjectKeyIdentifier?: Buffer;
  authorityKeyIdentifier?: Buffer;
  policies: string[];
  /** SAN registeredID values — the SM-DP+ OID for CERT.DPauth/DPpb (SGP.22 §4.5.2.1.0.x). */
  registeredIds: string[];
  /** Subject serialNumber (the EID of a CERT.EUICC). */
  subjectSerialNumber?: string;
  notBefore: Date;
  notAfter: Date;
}

function decodeTime(t: Tlv): Date {
  const s = t.value.toString('latin1');
  let m: RegExpMatchArray | null;
  if (t.tag === 0x17 && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const y = Number(m[1]);
    return new Date(Date.UTC(y < 50 ? 2000 + y : 1900 + y, +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  }
  if (t.tag === 0x18 && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    const d = new Date(Date.UTC(0, +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    d.setUTCFullYear(Number(m[1]));
    return d;
  }
  throw new Asn1Error(`bad certificate time ${s}`);
}

/** Parses a DER certificate; throws CertificateFormatError when it is not one SGP.22 can use. */
export function parseCertificate(der: Buffer): CertInfo {
  try {
    const cert = readOne(der, 0x30, 'Certificate');
    const tbs = children(cert)[0];
    if (!tbs || tbs.tag !== 0x30) throw new Asn1Error('TBSCertificate missing');
    const f = children(tbs);
    let i = f[0]?.tag === 0xa0 ? 1 : 0; // version
    i += 2; // serialNumber, signature
    i += 1; // issuer
    const validity = children(f[i++]);
    const subject = f[i++];
    i++; // subjectPublicKeyInfo
    const info: Partial<CertInfo> = { policies: [], registeredIds: [] };
    info.notBefore = decodeTime(validity[0]);
    info.notAfter = decodeTime(validity[1]);
    for (const rdn of children(subject)) {
      for (const atv of children(rdn)) {
        const [oid, value] = children(atv);
        if (decodeOidValue(oid.value) === OID_SERIAL_NUMBER) info.subjectSerialNumber = value.value.toString('utf8');
      }
    }
    const extWrapper = f.slice(i).find((t) => t.tag === 0xa3);
    if (extWrapper) {
      for (const ext of children(children(extWrapper)[0])) {
        const parts = children(ext);
        const oid = decodeOidValue(parts[0].value);
        const value = parts[parts.length - 1].value;
        if (oid === OID_SKI) info.subjectKeyIdentifier = Buffer.from(readOne(value, 0x04, 'SKI').value);
        else if (oid === OID_AKI) {
          const keyId = children(readOne(value, 0x30, 'AKI')).find((t) => t.tag === 0x80);
          if (keyId) info.authorityKeyIdentifier = Buffer.from(keyId.value);
        } else if (oid === OID_POLICIES) {
          for (const p of children(readOne(value, 0x30, 'certificatePolicies'))) {
            info.policies!.push(decodeOidValue(children(p)[0].value));
          }
        } else if (oid === OID_SAN) {
          for (const n of children(readOne(value, 0x30, 'subjectAltName'))) {
            if (n.tag === 0x88) info.registeredIds!.push(decodeOidValue(n.value));
          }
        }
      }
    }
    const x509 = new X509Certificate(der);
    const publicKey = x509.publicKey;
    return { ...(info as CertInfo), der: Buffer.from(cert.raw), x509, publicKey, curve: curveOfKey(publicKey) };
  } catch (e) {
    if (e instanceof CertificateFormatError) throw e;
    throw new CertificateFormatError(`not a usable RSP certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** True when `child` carries a valid signature by `issuer`'s key (ecdsa-with-SHA256, either curve). */
export function isSignedBy(child: CertInfo, issuer: CertInfo): boolean {
  try {
    return child.x509.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function isValidAt(cert: CertInfo, now: Date): boolean {
  return cert.notBefore.getTime() <= now.getTime() && now.getTime() <= cert.notAfter.getTime();
}

/** PEM or DER → DER (first CERTIFICATE block of a PEM). */
export function certificateDer(data: Buffer): Buffer {
  const text = data.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN')) return data;
  const m = data.toString('latin1').match(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/);
  if (!m) throw new CertificateFormatError('PEM holds no CERTIFICATE block');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

/** All CERTIFICATE blocks of a PEM bundle (or the one DER). */
export function certificatesDer(data: Buffer): Buffer[] {
  const text = data.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN')) return [data];
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(data.toString('latin1')))) out.push(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
  return out;
}

export function toPem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.trimEnd()}\n-----END CERTIFICATE-----\n`;
}
