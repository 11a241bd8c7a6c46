/**
 * Builds X.509 v3 certificates for the development PKI and for tests.
 *
 * ```asn1
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
 *                            signatureValue BIT STRING }                                   -- RFC 5280 §4.1
 * ```
 * The TBSCertificate is encoded with @peculiar/asn1-x509 and signed with node:crypto (ECDSA-SHA256, which,
 * unlike WebCrypto, also does brainpoolP256r1); the outer SEQUENCE is assembled around the exact signed bytes.
 */
import { createHash, KeyObject, randomBytes, sign as cryptoSign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificatePolicies,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  KeyIdentifier,
  KeyUsage,
  Name,
  NameConstraints,
  PolicyInformation,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { tlv } from '../asn1/tlv';
import {
  ecdsa_with_SHA256,
  id_at_commonName,
  id_at_countryName,
  id_at_organizationalUnitName,
  id_at_organizationName,
  id_at_serialNumber,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_rsp_permittedEins,
} from './oids';
import { RspCertificate } from './rsp-certificate';

/** Subject/issuer attributes in order. C and serialNumber are PrintableString, the others UTF8String. */
export type NameSpec = Array<[attr: 'C' | 'O' | 'OU' | 'CN' | 'serialNumber', value: string]>;

const ATTR_OID = {
  C: id_at_countryName,
  O: id_at_organizationName,
  OU: id_at_organizationalUnitName,
  CN: id_at_commonName,
  serialNumber: id_at_serialNumber,
} as const;

export function buildName(spec: NameSpec): Name {
  return new Name(
    spec.map(
      ([attr, value]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({
            type: ATTR_OID[attr],
            value: new AttributeValue(attr === 'C' || attr === 'serialNumber' ? { printableString: value } : { utf8String: value }),
          }),
        ]),
    ),
  );
}

/** The subject Name of an existing certificate, as encoded there (for use as an issuer name). */
export function subjectNameOf(cert: RspCertificate): Name {
  return AsnConvert.parse(cert.der, Certificate).tbsCertificate.subject;
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifierFor(publicKey: KeyObject): Buffer {
  const spki = AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  return createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest();
}

function ext(extnID: string, critical: boolean, value: unknown | Buffer): Extension {
  const der = Buffer.isBuffer(value) ? value : Buffer.from(AsnConvert.serialize(value));
  return new Extension({ extnID, critical, extnValue: new OctetString(der) });
}

/** Extension constructors (each returns an Extension ready for `buildCertificate`). */
export const Ext = {
  subjectKeyIdentifier: (ski: Buffer) => ext(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(ski)),
  authorityKeyIdentifier: (aki: Buffer) =>
    ext(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(aki) })),
  keyUsage: (flags: number, critical = true) => ext(id_ce_keyUsage, critical, new KeyUsage(flags)),
  basicConstraints: (ca: boolean, pathLenConstraint?: number, critical = true) =>
    ext(id_ce_basicConstraints, critical, new BasicConstraints(pathLenConstraint === undefined ? { cA: ca } : { cA: ca, pathLenConstraint })),
  certificatePolicies: (policies: string[], critical = true) =>
    ext(id_ce_certificatePolicies, critical, new CertificatePolicies(policies.map((p) => new PolicyInformation({ policyIdentifier: p })))),
  subjectAltName: (names: { registeredIds?: string[]; dnsNames?: string[]; ipAddresses?: string[] }, critical = false) =>
    ext(
      id_ce_subjectAltName,
      critical,
      new SubjectAlternativeName([
        ...(names.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
        ...(names.ipAddresses ?? []).map((iPAddress) => new GeneralName({ iPAddress })),
        ...(names.registeredIds ?? []).map((registeredID) => new GeneralName({ registeredID })),
      ]),
    ),
  extendedKeyUsage: (purposes: string[], critical = true) => ext(id_ce_extKeyUsage, critical, new ExtendedKeyUsage(purposes)),
  /** SGP.22 variant O EUM: permittedSubtrees directoryName { O, serialNumber = EID prefix } per prefix. */
  eidNameConstraints: (organization: string, prefixes: string[]) =>
    ext(
      id_ce_nameConstraints,
      true,
      new NameConstraints({
        permittedSubtrees: new GeneralSubtrees(
          prefixes.map(
            (p) =>
              new GeneralSubtree({
                base: new GeneralName({ directoryName: buildName([['O', organization], ['serialNumber', p]]) }),
              }),
          ),
        ),
      }),
    ),
  /** SGP.22 v3 EUM extension `permittedEins ::= SEQUENCE OF PrintableString`. */
  permittedEins: (prefixes: string[]) =>
    ext(id_rsp_permittedEins, false, tlv(0x30, prefixes.map((p) => tlv(0x13, Buffer.from(p, 'latin1'))))),
};

export interface CertificateTemplate {
  subject: NameSpec | Name;
  /** Defaults to the subject (self-signed). */
  issuer?: NameSpec | Name;
  /** Positive serial number bytes; 8 random bytes by default. */
  serialNumber?: Buffer;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** Issuer private key (ECDSA-SHA256). */
  signingKey: KeyObject;
  extensions: Extension[];
}

export function randomSerial(): Buffer {
  const s = randomBytes(8);
  s[0] = (s[0] & 0x7f) | 0x01; // positive, no leading zero byte
  return s;
}

/** DER of an ecdsa-with-SHA256 certificate built from the template. */
export function buildCertificate(t: CertificateTemplate): Buffer {
  const asName = (n: NameSpec | Name) => (n instanceof Name ? n : buildName(n));
  const signatureAlgorithm = new AlgorithmIdentifier({ algorithm: ecdsa_with_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(t.serialNumber ?? randomSerial()).buffer,
    signature: signatureAlgorithm,
    issuer: asName(t.issuer ?? t.subject),
    validity: new Validity({ notBefore: t.notBefore, notAfter: t.notAfter }),
    subject: asName(t.subject),
    subjectPublicKeyInfo: AsnConvert.parse(t.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions(t.extensions),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = cryptoSign('sha256', tbsDer, { key: t.signingKey, dsaEncoding: 'der' });
  return tlv(0x30, [tbsDer, Buffer.from(AsnConvert.serialize(signatureAlgorithm)), tlv(0x03, [Buffer.from([0]), signature])]);
}
