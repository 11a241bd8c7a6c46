import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyUsageFlags } from '@peculiar/asn1-x509';
import { buildCertificate, Ext } from './cert-builder';
import { eidCheckDigits, generateKeyPair, isValidEid, issueCi, issueEum, makeEid } from './dev-pki';
import { id_rsp_permittedEins, id_rspRole_euicc_v3, id_rspRole_eum_v2, RSP_ROLE_POLICIES } from './oids';
import { CertificateError, derToPem, parseRspCertificate } from './rsp-certificate';

const SGP26 = join(__dirname, '../../test/fixtures/sgp26');
const fixture = (p: string) => readFileSync(join(SGP26, p));

describe('OIDs (digest §5.1)', () => {
  it('builds the v2 and v3 role policies from their arcs', () => {
    expect(id_rspRole_eum_v2).toBe('2.23.146.1.2.1.2');
    expect(id_rspRole_euicc_v3).toBe('2.23.146.1.2.1.0.0.0.0.0');
    expect(id_rsp_permittedEins).toBe('2.23.146.1.2.2.0');
    expect(RSP_ROLE_POLICIES.dpAuth).toEqual(['2.23.146.1.2.1.4', '2.23.146.1.2.1.0.0.1.1']);
    expect(RSP_ROLE_POLICIES.dpPb).toEqual(['2.23.146.1.2.1.5', '2.23.146.1.2.1.0.0.1.2']);
    expect(RSP_ROLE_POLICIES.dpTls).toEqual(['2.23.146.1.2.1.3', '2.23.146.1.2.1.0.0.1.0']);
  });
});

describe('parseRspCertificate on the SGP.26 test PKI', () => {
  it('reads CERT.CI.ECDSA (NIST)', () => {
    const ci = parseRspCertificate(fixture('ci/CERT_CI_ECDSA_NIST.der'));
    expect(ci.curve).toBe('prime256v1');
    expect(ci.subjectKeyIdentifier!.toString('hex')).toBe('f54172bdf98a95d65cbeb88a38a1c11d800a85c3');
    expect(ci.authorityKeyIdentifier).toBeUndefined();
    expect(ci.certificatePolicies).toEqual(['2.23.146.1.2.1.0']);
    expect(ci.certificatePoliciesCritical).toBe(true);
    expect(ci.keyUsage).toMatchObject({ critical: true, keyCertSign: true, cRLSign: true, digitalSignature: false });
    expect(ci.basicConstraints).toEqual({ critical: true, ca: true });
    expect(ci.sanRegisteredIds).toEqual(['2.999.1']);
    expect(ci.subject).toMatchObject({ commonName: 'Test CI', organizationName: 'RSPTEST', organizationalUnitName: 'TESTCERT', countryName: 'IT' });
    expect(ci.notBefore.toISOString()).toBe('2020-04-01T08:27:51.000Z');
    expect(ci.notAfter.toISOString()).toBe('2055-04-01T08:27:51.000Z');
    expect(ci.publicKeyPoint).toHaveLength(65);
    expect(ci.publicKeyPoint[0]).toBe(0x04);
  });

  it('reads CERT.CI.ECDSA (brainpoolP256r1)', () => {
    const ci = parseRspCertificate(fixture('ci/CERT_CI_ECDSA_BRP.der'));
    expect(ci.curve).toBe('brainpoolP256r1');
    expect(ci.subjectKeyIdentifier!.toString('hex').toUpperCase()).toBe('C0BC70BA36929D43B467FF57570530E57AB8FCD8');
  });

  it('parses the EUM nameConstraints prefix as 89049032', () => {
    const eum = parseRspCertificate(fixture('eum/CERT_EUM_ECDSA_NIST.der'));
    expect(eum.permittedEidPrefixes).toEqual(['89049032']);
    expect(eum.certificatePolicies).toEqual(['2.23.146.1.2.1.2']);
    expect(eum.basicConstraints).toEqual({ critical: true, ca: true, pathLenConstraint: 0 });
    expect(eum.authorityKeyIdentifier!.toString('hex')).toBe('f54172bdf98a95d65cbeb88a38a1c11d800a85c3');
    expect(eum.subjectKeyIdentifier!.toString('hex')).toBe('dd3da24d350c1cc5d0af0965f40ec34c5ee409f1');
    expect(eum.serialNumber).toBe('12345678');
  });

  it('reads the EID from CERT.EUICC.ECDSA subject serialNumber', () => {
    const euicc = parseRspCertificate(fixture('euicc/CERT_EUICC_ECDSA_NIST.der'));
    expect(euicc.subject.serialNumber).toBe('89049032123451234512345678901235');
    expect(euicc.subject.organizationName).toBe('RSP Test EUM');
    expect(euicc.keyUsage).toMatchObject({ critical: true, digitalSignature: true, keyCertSign: false });
    expect(euicc.certificatePolicies).toEqual(['2.23.146.1.2.1.1']);
    expect(euicc.permittedEidPrefixes).toEqual([]);
  });

  it('reads the SM-DP+ OID and DNS names', () => {
    const dpauth = parseRspCertificate(fixture('dpauth/CERT_S_SM_DPauth_ECDSA_BRP.der'));
    expect(dpauth.smdpOid).toBe('2.999.10');
    expect(dpauth.curve).toBe('brainpoolP256r1');
    const tls = parseRspCertificate(fixture('dptls/CERT_S_SM_DP_TLS_NIST.der'));
    expect(tls.sanDnsNames).toEqual(['testsmdpplus1.example.com']);
    expect(tls.sanRegisteredIds).toEqual(['2.999.10']);
    expect(tls.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(tls.notAfter.toISOString().slice(0, 10)).toBe('2026-08-02');
  });

  it('accepts PEM and computes the SHA-256 fingerprint of the DER', () => {
    const der = fixture('eum/CERT_EUM_ECDSA_NIST.der');
    const fromPem = parseRspCertificate(derToPem(der));
    expect(fromPem.der.equals(der)).toBe(true);
    expect(fromPem.fingerprint).toBe(require('node:crypto').createHash('sha256').update(der).digest('hex'));
    expect(parseRspCertificate(Buffer.from(derToPem(der))).fingerprint).toBe(fromPem.fingerprint);
  });

  it('refuses malformed input with CertificateError', () => {
    const der = fixture('eum/CERT_EUM_ECDSA_NIST.der');
    for (const bad of [Buffer.alloc(0), Buffer.from('3003020100', 'hex'), der.subarray(0, 100), Buffer.from('hello'), '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----']) {
      expect(() => parseRspCertificate(bad)).toThrow(CertificateError);
    }
    const flipped = Buffer.from(der);
    flipped[4] = 0x04; // tbsCertificate tag SEQUENCE → OCTET STRING
    expect(() => parseRspCertificate(flipped)).toThrow(CertificateError);
    expect(() => parseRspCertificate(Buffer.from('hello'), 'x/y.der')).toThrow(/^x\/y\.der: malformed certificate/);
  });

  it('refuses a key on an unsupported curve', () => {
    const kp = require('node:crypto').generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const der = buildCertificate({
      subject: [['CN', 'p384']],
      notBefore: new Date(0),
      notAfter: new Date(1e12),
      publicKey: kp.publicKey,
      signingKey: kp.privateKey,
      extensions: [Ext.keyUsage(KeyUsageFlags.digitalSignature)],
    });
    expect(() => parseRspCertificate(der)).toThrow(/unsupported curve secp384r1/);
  });

  it('reads the v3 permittedEins extension', () => {
    const now = new Date('2026-11-28T00:00:00Z');
    const ci = issueCi('prime256v1', { now, keyPair: generateKeyPair('prime256v1') });
    const eum = issueEum(ci, { now, eidPrefixes: ['89049032', '8904903300'], permittedEinsExtension: true });
    expect(eum.cert.permittedEidPrefixes).toEqual(['89049032', '8904903300']);
    expect(eum.cert.extensions.map((e) => e.oid)).toContain('2.23.146.1.2.2.0');
  });
});

describe('EID check digits (SGP.29 / ITU-T E.118 mod 97-10)', () => {
  it('reproduces the SGP.26 EID', () => {
    expect(eidCheckDigits('890490321234512345123456789012')).toBe('35');
    expect(isValidEid('89049032123451234512345678901235')).toBe(true);
    expect(isValidEid('89049032123451234512345678901236')).toBe(false);
    expect(isValidEid('8904903212345123451234567890123')).toBe(false);
  });
  it('makes valid EIDs with a prefix', () => {
    const eid = makeEid('89999001', 1);
    expect(eid).toMatch(/^899990010{21}1\d\d$/);
    expect(isValidEid(eid)).toBe(true);
    expect(BigInt(eid) % 97n).toBe(1n);
  });
});
