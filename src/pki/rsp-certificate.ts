/**
 * An RSP certificate (SGP.22 §4.5.2.1: CERT.CI, CERT.EUM, CERT.EUICC, CERT.DPauth, CERT.DPpb, CERT.DP.TLS…)
 * parsed once into the fields SGP.22 validation needs.
 *
 * ```asn1
 * Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, signatureAlgorithm AlgorithmIdentifier,
 *                            signatureValue BIT STRING }                                   -- RFC 5280 §4.1
 * permittedEins ::= SEQUENCE OF PrintableString                    -- SGP.22 v3, extension 2.23.146.1.2.2.0
 * ```
 *
 * Node's X509Certificate does not expose certificatePolicies, nameConstraints, SAN registeredID or the RSP
 * extensions, so the extensions are decoded with @peculiar/asn1-x509; the signed bytes (TBSCertificate) are
 * taken as received with the project's TLV reader, so that signatures are verified over the exact input.
 */
import { createHash, KeyObject, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificatePolicies,
  ExtendedKeyUsage,
  KeyUsage,
  KeyUsageFlags,
  Name,
  NameConstraints,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { Asn1Error, children, decodeOidValue, readOne, readTlv } from '../asn1/tlv';
import type { CurveName } from '../keys/key-operations';
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

export type RspCurve = CurveName;

/** A certificate that cannot be decoded, or does not carry what an RSP certificate must carry. */
export class CertificateError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'CertificateError';
  }
}

export interface NameFields {
  commonName?: string;
  organizationName?: string;
  organizationalUnitName?: string;
  countryName?: string;
  /** X.520 serialNumber: the EID in a CERT.EUICC subject (SGP.22 §4.5.2.1.0.2). */
  serialNumber?: string;
  /** Every attribute in order, for display. */
  attributes: Array<{ type: string; value: string }>;
}

export interface KeyUsageInfo {
  critical: boolean;
  digitalSignature: boolean;
  keyAgreement: boolean;
  keyCertSign: boolean;
  cRLSign: boolean;
  /** Raw flag bits as @peculiar/asn1-x509 KeyUsageFlags. */
  flags: number;
}

export interface BasicConstraintsInfo {
  critical: boolean;
  ca: boolean;
  pathLenConstraint?: number;
}

export interface RspCertificate {
  der: Buffer;
  x509: X509Certificate;
  publicKey: KeyObject;
  curve: RspCurve;
  /** Uncompressed public point 04‖X‖Y (65 bytes). */
  publicKeyPoint: Buffer;
  /** TBSCertificate exactly as received (the signed bytes). */
  tbs: Buffer;
  signatureAlgorithm: string;
  /** DER ECDSA-Sig-Value from the BIT STRING. */
  signature: Buffer;
  serialNumber: string;
  subject: NameFields;
  issuer: NameFields;
  notBefore: Date;
  notAfter: Date;
  subjectKeyIdentifier?: Buffer;
  authorityKeyIdentifier?: Buffer;
  certificatePolicies: string[];
  certificatePoliciesCritical: boolean;
  keyUsage?: KeyUsageInfo;
  basicConstraints?: BasicConstraintsInfo;
  extendedKeyUsage: string[];
  /** SAN registeredID values; for CERT.DPauth/DPpb/DP.TLS the SM-DP+ OID (SGP.22 §4.5.2.1.0.3). */
  sanRegisteredIds: string[];
  /** First SAN registeredID (the SM-DP+ OID of a DP certificate), if any. */
  smdpOid?: string;
  sanDnsNames: string[];
  sanIpAddresses: string[];
  /**
   * EID prefixes the EUM may issue (SGP.22 §4.5.2.1.0.2): nameConstraints permittedSubtrees directoryName
   * serialNumber (variant O) plus the v3 permittedEins extension. Empty for non-EUM certificates.
   */
  permittedEidPrefixes: string[];
  /** Extensions present, in order. */
  extensions: Array<{ oid: string; critical: boolean }>;
  /** SHA-256 over the DER, lower-case hex. */
  fingerprint: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** All certificates of a PEM text, as DER. */
export function pemToDerList(pem: string): Buffer[] {
  return [...pem.matchAll(PEM_CERT)].map((m) => Buffer.from(m[1].replace(/\s+/g, ''), 'base64'));
}

export function derToPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** DER bytes from DER or PEM input (the first certificate of a PEM text). */
export function certificateDer(input: Buffer | string): Buffer {
  const asText = typeof input === 'string' ? input : input.subarray(0, 64).toString('latin1');
  if (asText.includes('-----BEGIN')) {
    const text = typeof input === 'string' ? input : input.toString('latin1');
    const list = pemToDerList(text);
    if (list.length === 0) throw new CertificateError('PEM text holds no CERTIFICATE block');
    return list[0];
  }
  if (typeof input === 'string') throw new CertificateError('certificate text is not PEM');
  return input;
}

function nameFields(name: Name): NameFields {
  const out: NameFields = { attributes: [] };
  for (const rdn of name) {
    for (const atv of rdn) {
      const value = atv.value.toString();
      out.attributes.push({ type: atv.type, value });
      switch (atv.type) {
        case id_at_commonName:
          out.commonName ??= value;
          break;
        case id_at_organizationName:
          out.organizationName ??= value;
          break;
        case id_at_organizationalUnitName:
          out.organizationalUnitName ??= value;
          break;
        case id_at_countryName:
          out.countryName ??= value;
          break;
        case id_at_serialNumber:
          out.serialNumber ??= value;
          break;
      }
    }
  }
  return out;
}

/** `permittedEins ::= SEQUENCE OF PrintableString` (SGP.22 v3 EUM extension). */
function decodePermittedEins(value: Buffer): string[] {
  const seq = readOne(value, 0x30, 'permittedEins');
  return children(seq).map((c) => {
    if (c.tag !== 0x13) throw new Asn1Error('permittedEins: element is not a PrintableString');
    return c.value.toString('latin1');
  });
}

/**
 * Parses a DER or PEM X.509 certificate on NIST P-256 or brainpoolP256r1.
 * Malformed input or an unsupported key raises CertificateError (never another exception).
 */
export function parseRspCertificate(input: Buffer | string, file?: string): RspCertificate {
  try {
    return parse(certificateDer(input));
  } catch (e) {
    if (e instanceof CertificateError) {
      throw file && !e.file ? new CertificateError(e.message, file) : e;
    }
    throw new CertificateError(`malformed certificate: ${e instanceof Error ? e.message : String(e)}`, file);
  }
}

function parse(derIn: Buffer): RspCertificate {
  // Own the bytes: callers may pass a view into a larger buffer (an AuthenticateServerResponse).
  const outer = readOne(derIn, 0x30, 'Certificate');
  const der = Buffer.from(outer.raw);
  const parts = children(readTlv(der, 0));
  if (parts.length !== 3 || parts[0].tag !== 0x30 || parts[1].tag !== 0x30 || parts[2].tag !== 0x03) {
    throw new CertificateError('malformed certificate: not SEQUENCE { tbsCertificate, signatureAlgorithm, signature }');
  }
  const tbs = parts[0].raw;
  const sigAlgOid = children(parts[1])[0];
  if (!sigAlgOid || sigAlgOid.tag !== 0x06) throw new CertificateError('malformed signatureAlgorithm');
  const signatureAlgorithm = decodeOidValue(sigAlgOid.value);
  if (parts[2].value.length < 1 || parts[2].value[0] !== 0) throw new CertificateError('malformed signature BIT STRING');
  const signature = Buffer.from(parts[2].value.subarray(1));

  const cert = AsnConvert.parse(der, Certificate);
  const x509 = new X509Certificate(der);
  const publicKey = x509.publicKey;
  if (publicKey.asymmetricKeyType !== 'ec') {
    throw new CertificateError(`unsupported public key type ${publicKey.asymmetricKeyType} (RSP needs ECDSA)`);
  }
  const namedCurve = publicKey.asymmetricKeyDetails?.namedCurve;
  if (namedCurve !== 'prime256v1' && namedCurve !== 'brainpoolP256r1') {
    throw new CertificateError(`unsupported curve ${namedCurve ?? '(none)'} (SGP.22 uses NIST P-256 or brainpoolP256r1)`);
  }
  const tbsC = cert.tbsCertificate;
  const out: RspCertificate = {
    der,
    x509,
    publicKey,
    curve: namedCurve,
    publicKeyPoint: Buffer.from(tbsC.subjectPublicKeyInfo.subjectPublicKey),
    tbs,
    signatureAlgorithm,
    signature,
    serialNumber: Buffer.from(tbsC.serialNumber).toString('hex').toUpperCase(),
    subject: nameFields(tbsC.subject),
    issuer: nameFields(tbsC.issuer),
    notBefore: tbsC.validity.notBefore.getTime(),
    notAfter: tbsC.validity.notAfter.getTime(),
    certificatePolicies: [],
    certificatePoliciesCritical: false,
    extendedKeyUsage: [],
    sanRegisteredIds: [],
    sanDnsNames: [],
    sanIpAddresses: [],
    permittedEidPrefixes: [],
    extensions: [],
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };

  const seen = new Set<string>();
  for (const ext of tbsC.extensions ?? []) {
    if (seen.has(ext.extnID)) throw new CertificateError(`extension ${ext.extnID} appears twice`);
    seen.add(ext.extnID);
    out.extensions.push({ oid: ext.extnID, critical: ext.critical });
    const v = Buffer.from(ext.extnValue.buffer);
    switch (ext.extnID) {
      case id_ce_subjectKeyIdentifier:
        out.subjectKeyIdentifier = Buffer.from(AsnConvert.parse(v, SubjectKeyIdentifier).buffer);
        break;
      case id_ce_authorityKeyIdentifier: {
        const aki = AsnConvert.parse(v, AuthorityKeyIdentifier);
        if (aki.keyIdentifier) out.authorityKeyIdentifier = Buffer.from(aki.keyIdentifier.buffer);
        break;
      }
      case id_ce_certificatePolicies:
        out.certificatePolicies = AsnConvert.parse(v, CertificatePolicies).map((p) => p.policyIdentifier);
        out.certificatePoliciesCritical = ext.critical;
        break;
      case id_ce_keyUsage: {
        const flags = AsnConvert.parse(v, KeyUsage).toNumber();
        out.keyUsage = {
          critical: ext.critical,
          flags,
          digitalSignature: (flags & KeyUsageFlags.digitalSignature) !== 0,
          keyAgreement: (flags & KeyUsageFlags.keyAgreement) !== 0,
          keyCertSign: (flags & KeyUsageFlags.keyCertSign) !== 0,
          cRLSign: (flags & KeyUsageFlags.cRLSign) !== 0,
        };
        break;
      }
      case id_ce_basicConstraints: {
        const bc = AsnConvert.parse(v, BasicConstraints);
        out.basicConstraints = { critical: ext.critical, ca: bc.cA === true };
        if (bc.pathLenConstraint !== undefined) out.basicConstraints.pathLenConstraint = bc.pathLenConstraint;
        break;
      }
      case id_ce_extKeyUsage:
        out.extendedKeyUsage = [...AsnConvert.parse(v, ExtendedKeyUsage)];
        break;
      case id_ce_subjectAltName:
        for (const gn of AsnConvert.parse(v, SubjectAlternativeName)) {
          if (gn.registeredID) out.sanRegisteredIds.push(gn.registeredID);
          if (gn.dNSName) out.sanDnsNames.push(gn.dNSName);
          if (gn.iPAddress) out.sanIpAddresses.push(gn.iPAddress);
        }
        break;
      case id_ce_nameConstraints: {
        // SGP.22 §4.5.2.1.0.2 variant O: permittedSubtrees directoryName { O, serialNumber = EID prefix }.
        const nc = AsnConvert.parse(v, NameConstraints);
        for (const st of nc.permittedSubtrees ?? []) {
          const sn = st.base.directoryName ? nameFields(st.base.directoryName).serialNumber : undefined;
          if (sn !== undefined) out.permittedEidPrefixes.push(sn);
        }
        break;
      }
      case id_rsp_permittedEins:
        out.permittedEidPrefixes.push(...decodePermittedEins(v));
        break;
    }
  }
  out.smdpOid = out.sanRegisteredIds[0];
  return out;
}

/** The subject key identifier, or a CertificateError naming the certificate. */
export function requireSki(cert: RspCertificate): Buffer {
  if (!cert.subjectKeyIdentifier) {
    throw new CertificateError(`certificate ${cert.subject.commonName ?? cert.serialNumber} has no subjectKeyIdentifier`);
  }
  return cert.subjectKeyIdentifier;
}

/**
 * True when `cert` carries ecdsa-with-SHA256 and its signature verifies with `issuerKey`
 * over the TBSCertificate as received (SGP.22 §4.5.2: all RSP certificates are signed with ECDSA-SHA256).
 */
export function isSignedBy(cert: Pick<RspCertificate, 'signatureAlgorithm' | 'tbs' | 'signature'>, issuerKey: KeyObject): boolean {
  if (cert.signatureAlgorithm !== ecdsa_with_SHA256) return false;
  try {
    return cryptoVerify('sha256', cert.tbs, { key: issuerKey, dsaEncoding: 'der' }, cert.signature);
  } catch {
    return false;
  }
}

/** Human-readable summary line (used by `npm run pki -- show`). */
export function describeCertificate(cert: RspCertificate): string {
  const s = cert.subject;
  const who = [s.commonName && `CN=${s.commonName}`, s.organizationName && `O=${s.organizationName}`, s.serialNumber && `serialNumber=${s.serialNumber}`]
    .filter(Boolean)
    .join(', ');
  const ski = cert.subjectKeyIdentifier?.toString('hex').toUpperCase() ?? '-';
  return `${who} [${cert.curve}] SKI ${ski} valid ${cert.notBefore.toISOString().slice(0, 10)}..${cert.notAfter.toISOString().slice(0, 10)}`;
}
