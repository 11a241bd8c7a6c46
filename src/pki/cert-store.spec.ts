import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RspError } from '../common/rsp-error';
import { chooseDpSet, CertStore, CertStoreError, listEuiccIdentities, loadCertStore, loadEuiccIdentity } from './cert-store';
import { hasKeyMaterial, importSgp26, initDevelopmentPki, isValidEid, issueOperatorCertificate, makeEid, mintEuiccIdentity } from './dev-pki';
import { parseRspCertificate } from './rsp-certificate';
import { validateEuiccChain, validateServerChainForEuicc } from './validation';

const NOW = new Date('2026-11-28T12:00:00Z');
const SGP26 = join(__dirname, '../../test/fixtures/sgp26');
const SGP26_NIST_SKI = Buffer.from('f54172bdf98a95d65cbeb88a38a1c11d800a85c3', 'hex');
const SGP26_BRP_SKI = Buffer.from('c0bc70ba36929d43b467ff57570530e57ab8fcd8', 'hex');

let root: string;
let dev: string; // generated once for the file
let store: CertStore;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pki-spec-'));
  dev = join(root, 'dev');
  expect(await initDevelopmentPki(dev, { smdpAddress: 'smdp.example.test:8443', now: NOW })).toBe(true);
  store = loadCertStore(dev);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('initDevelopmentPki + loadCertStore', () => {
  it('loads two independent hierarchies with their DP credential sets', () => {
    expect(store.cis.map((c) => c.curve)).toEqual(['brainpoolP256r1', 'prime256v1']); // ci/brp.pem, ci/nist.pem
    expect(store.dpSets.map((s) => [s.name, s.curve, s.dpauthKeyId, s.dppbKeyId])).toEqual([
      ['brp', 'brainpoolP256r1', 'dp/brp/dpauth', 'dp/brp/dppb'],
      ['nist', 'prime256v1', 'dp/nist/dpauth', 'dp/nist/dppb'],
    ]);
    expect(store.smdpOid).toBe('2.999.10');
    expect([...store.privateKeys.keys()].sort()).toEqual(['dp/brp/dpauth', 'dp/brp/dppb', 'dp/nist/dpauth', 'dp/nist/dppb']);
    for (const s of store.dpSets) {
      expect(s.dpauth.x509.checkPrivateKey(store.privateKeys.get(s.dpauthKeyId)!)).toBe(true);
      expect(s.dpauth.certificatePolicies).toEqual(['2.23.146.1.2.1.4']);
      expect(s.smdpOid).toBe('2.999.10');
      expect(s.dppb.certificatePolicies).toEqual(['2.23.146.1.2.1.5']);
      expect(s.dpauth.keyUsage).toMatchObject({ critical: true, digitalSignature: true });
      expect(s.dpauth.authorityKeyIdentifier!.equals(s.ci.subjectKeyIdentifier!)).toBe(true);
      // Node's own X.509 verification agrees (brainpool included).
      expect(s.dpauth.x509.verify(s.ci.publicKey)).toBe(true);
      expect(s.dppb.x509.verify(s.ci.publicKey)).toBe(true);
      expect(validateServerChainForEuicc({ certificate: s.dpauth.der, role: 'dpAuth', trustedCis: store.cis, now: NOW }).smdpOid).toBe('2.999.10');
    }
  });

  it('writes CERT.CI with the SGP.22 profile', () => {
    for (const ci of store.cis) {
      expect(ci.certificatePolicies).toEqual(['2.23.146.1.2.1.0']);
      expect(ci.basicConstraints).toEqual({ critical: true, ca: true });
      expect(ci.keyUsage).toMatchObject({ critical: true, keyCertSign: true, cRLSign: true });
      expect(ci.sanRegisteredIds).toEqual(['2.999.1']);
      expect(ci.x509.verify(ci.publicKey)).toBe(true);
      expect(ci.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
    }
  });

  it('writes CERT.DP.TLS under the NIST CI with the SM-DP+ host, localhost and 127.0.0.1', () => {
    const tls = store.tls!;
    expect(tls.cert.sanDnsNames).toEqual(['smdp.example.test', 'localhost']);
    expect(tls.cert.sanIpAddresses).toEqual(['127.0.0.1']);
    expect(tls.cert.sanRegisteredIds).toEqual(['2.999.10']);
    expect(tls.cert.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(tls.cert.certificatePolicies).toEqual(['2.23.146.1.2.1.3']);
    expect(tls.cert.curve).toBe('prime256v1');
    const nistCi = store.cis.find((c) => c.curve === 'prime256v1')!;
    expect(tls.cert.x509.verify(nistCi.publicKey)).toBe(true);
    expect(tls.cert.x509.checkHost('smdp.example.test')).toBe('smdp.example.test');
    expect(tls.cert.x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(tls.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(tls.chainPem).toContain('-----BEGIN CERTIFICATE-----');
    expect(Math.round((tls.cert.notAfter.getTime() - tls.cert.notBefore.getTime()) / 86400_000)).toBe(397);
  });

  it('writes three test eUICCs per curve whose chains validate', () => {
    const names = listEuiccIdentities(dev);
    expect(names).toEqual(['brp-1', 'brp-2', 'brp-3', 'nist-1', 'nist-2', 'nist-3']);
    for (const n of names) {
      const id = loadEuiccIdentity(dev, n);
      expect(isValidEid(id.eid)).toBe(true);
      expect(id.eid.startsWith(n.startsWith('nist') ? '89999001' : '89999002')).toBe(true);
      const r = validateEuiccChain({ euiccCertificate: id.euicc.der, eumCertificate: id.eum.der, trustedCis: store.cis, ciPkIdToBeUsed: id.ci!.subjectKeyIdentifier, now: NOW });
      expect(r.eid).toBe(id.eid);
      expect(r.curve).toBe(id.curve);
    }
  });

  it('refuses to overwrite existing key material unless forced', async () => {
    const before = readFileSync(join(dev, 'ci', 'nist.pem'), 'latin1');
    expect(hasKeyMaterial(dev)).toBe(true);
    expect(await initDevelopmentPki(dev, { smdpAddress: 'x.example' })).toBe(false);
    expect(readFileSync(join(dev, 'ci', 'nist.pem'), 'latin1')).toBe(before);
    const other = join(root, 'forced');
    await initDevelopmentPki(other, { smdpAddress: 'a.example', now: NOW });
    const first = readFileSync(join(other, 'ci', 'nist.pem'), 'latin1');
    expect(await initDevelopmentPki(other, { smdpAddress: 'b.example', now: NOW, force: true, smdpOid: '2.999.77' })).toBe(true);
    expect(readFileSync(join(other, 'ci', 'nist.pem'), 'latin1')).not.toBe(first);
    const s = loadCertStore(other);
    expect(s.smdpOid).toBe('2.999.77');
    expect(s.tls!.cert.sanDnsNames[0]).toBe('b.example');
  });

  it('issues an operator client certificate chaining to certs/operators/ca', () => {
    const { certPem, keyPem } = issueOperatorCertificate(dev, 'ACME Mobile', NOW);
    const cert = new X509Certificate(certPem);
    expect(cert.verify(store.operatorCa!.publicKey)).toBe(true);
    expect(cert.subject).toBe('O=ACME Mobile\nCN=ACME Mobile');
    expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(parseRspCertificate(certPem).extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(store.operatorCa!.basicConstraints).toEqual({ critical: true, ca: true });
  });

  it('mints another eUICC identity with a given or random EID', () => {
    const eid = makeEid('89999002', 1234);
    expect(mintEuiccIdentity(dev, 'extra-brp', 'brp', { eid, now: NOW }).eid).toBe(eid);
    const random = mintEuiccIdentity(dev, 'extra-nist', 'nist', { now: NOW }).eid;
    expect(random).toMatch(/^89999001\d{24}$/);
    expect(isValidEid(random)).toBe(true);
    for (const n of ['extra-brp', 'extra-nist']) {
      const id = loadEuiccIdentity(dev, n);
      expect(validateEuiccChain({ euiccCertificate: id.euicc.der, eumCertificate: id.eum.der, trustedCis: store.cis, now: NOW }).eid).toBe(id.eid);
    }
    expect(() => mintEuiccIdentity(dev, 'bad1', 'nist', { eid: '89999001000000000000000000001200' })).toThrow(/check digits/);
    expect(() => mintEuiccIdentity(dev, 'bad2', 'nist', { eid: makeEid('89999002', 5) })).toThrow(/outside the EUM's range \[89999001\]/);
    expect(() => mintEuiccIdentity(dev, 'extra-brp', 'brp')).toThrow(/exists already/);
  });
});

describe('chooseDpSet (SGP.22 §5.6.1, digest §2.1 checks 4–5)', () => {
  const ski = (curve: string) => store.cis.find((c) => c.curve === curve)!.subjectKeyIdentifier!;

  it('picks the set under the CI the eUICC signs with', () => {
    const c = chooseDpSet(store, [ski('prime256v1'), ski('brainpoolP256r1')], [ski('brainpoolP256r1'), ski('prime256v1')]);
    expect(c.dpSet.name).toBe('brp');
    expect(c.ciPkId.equals(ski('brainpoolP256r1'))).toBe(true);
    expect(c.euiccCi.curve).toBe('brainpoolP256r1');
  });

  it('accepts DER 04 14 PKIds and skips unknown CIs in the signing list', () => {
    const der = (b: Buffer) => Buffer.concat([Buffer.from('0414', 'hex'), b]);
    const c = chooseDpSet(store, [der(ski('prime256v1'))], [Buffer.alloc(20, 7), der(ski('prime256v1'))]);
    expect(c.dpSet.name).toBe('nist');
    expect(c.ciPkId.toString('hex')).toBe(ski('prime256v1').toString('hex'));
  });

  it('may verify the eUICC under one CI and authenticate under another', () => {
    const c = chooseDpSet(store, [ski('prime256v1')], [ski('brainpoolP256r1')]);
    expect(c.dpSet.name).toBe('nist');
    expect(c.euiccCi.curve).toBe('brainpoolP256r1');
  });

  it('no supported CI in the signing list → 8.8.2/3.1', () => {
    let err: unknown;
    try {
      chooseDpSet(store, [ski('prime256v1')], [SGP26_NIST_SKI]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RspError);
    expect((err as RspError).code).toBe('8.8.2/3.1');
  });

  it('no DPauth under a CI of the verification list → 8.8.4/3.7', () => {
    let err: unknown;
    try {
      chooseDpSet(store, [SGP26_BRP_SKI], [ski('prime256v1')]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RspError);
    expect((err as RspError).code).toBe('8.8.4/3.7');
  });
});

describe('the GSMA SGP.26 set as a certs/ folder', () => {
  let sgp: string;
  beforeAll(() => {
    sgp = join(root, 'sgp26');
    importSgp26(SGP26, sgp);
  });

  it('loads (SEC1 keys with EC PARAMETERS, DER certificates) and its eUICC chain validates', () => {
    const s = loadCertStore(sgp);
    expect(s.dpSets.map((d) => [d.name, d.curve])).toEqual([
      ['sgp26-brp', 'brainpoolP256r1'],
      ['sgp26-nist', 'prime256v1'],
    ]);
    expect(s.smdpOid).toBe('2.999.10');
    expect(s.tls).toBeUndefined();
    expect(s.privateKeys.get('dp/sgp26-nist/dpauth')!.asymmetricKeyDetails!.namedCurve).toBe('prime256v1');
    const id = loadEuiccIdentity(sgp, 'sgp26');
    expect(id.eid).toBe('89049032123451234512345678901235');
    const r = validateEuiccChain({ euiccCertificate: id.euicc.der, eumCertificate: id.eum.der, trustedCis: s.cis, ciPkIdToBeUsed: SGP26_NIST_SKI, now: NOW });
    expect(r.eid).toBe('89049032123451234512345678901235');
    expect(r.eum.permittedEidPrefixes).toEqual(['89049032']);
    // An eUICC proposing both SGP.26 CIs, NIST first in its signing list, gets the NIST set.
    const c = chooseDpSet(s, [SGP26_BRP_SKI, SGP26_NIST_SKI], [SGP26_NIST_SKI, SGP26_BRP_SKI]);
    expect(c.dpSet.name).toBe('sgp26-nist');
    expect(c.ciPkId.toString('hex')).toBe('f54172bdf98a95d65cbeb88a38a1c11d800a85c3');
  });

  it('coexists with the development PKI in one folder', async () => {
    const both = join(root, 'both');
    await initDevelopmentPki(both, { smdpAddress: 'smdp.example.test', now: NOW });
    importSgp26(SGP26, both);
    const s = loadCertStore(both);
    expect(s.cis).toHaveLength(4);
    expect(s.dpSets.map((d) => d.name)).toEqual(['brp', 'nist', 'sgp26-brp', 'sgp26-nist']);
  });
});

describe('loadCertStore errors name the bad file', () => {
  function fresh(name: string): string {
    const d = join(root, name);
    importSgp26(SGP26, d);
    return d;
  }
  const errorOf = (dir: string) => {
    try {
      loadCertStore(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(CertStoreError);
      return (e as Error).message;
    }
    throw new Error('did not throw');
  };

  it('an unparsable certificate', () => {
    const d = fresh('bad-cert');
    writeFileSync(join(d, 'dp', 'sgp26-nist', 'dppb.der'), Buffer.from('3003020101', 'hex'));
    expect(errorOf(d)).toMatch(/^dp\/sgp26-nist\/dppb\.der: malformed certificate/);
  });

  it('a key that does not match its certificate', () => {
    const d = fresh('bad-key');
    writeFileSync(join(d, 'dp', 'sgp26-nist', 'dpauth.key.pem'), readFileSync(join(SGP26, 'dppb', 'SK_S_SM_DPpb_ECDSA_NIST.pem')));
    expect(errorOf(d)).toBe('dp/sgp26-nist/dpauth.der: private key does not match the certificate');
  });

  it('a garbage key file and a missing key file', () => {
    const d = fresh('garbage-key');
    writeFileSync(join(d, 'dp', 'sgp26-brp', 'dppb.key.pem'), 'not a key');
    expect(errorOf(d)).toMatch(/^dp\/sgp26-brp\/dppb\.key\.pem: no PRIVATE KEY/);
    rmSync(join(d, 'dp', 'sgp26-brp', 'dppb.key.pem'));
    expect(errorOf(d)).toBe('dp/sgp26-brp/dppb.key.pem: private key file is missing');
  });

  it('a DP set whose CI is not in ci/', () => {
    const d = fresh('no-ci');
    rmSync(join(d, 'ci', 'sgp26-brp.der'));
    expect(errorOf(d)).toBe('dp/sgp26-brp/dpauth.der: issued by CI C0BC70BA36929D43B467FF57570530E57AB8FCD8, which is not in ci/');
  });

  it('DPauth and DPpb swapped (wrong policy)', () => {
    const d = fresh('swapped');
    writeFileSync(join(d, 'dp', 'sgp26-nist', 'dpauth.der'), readFileSync(join(SGP26, 'dppb', 'CERT_S_SM_DPpb_ECDSA_NIST.der')));
    expect(errorOf(d)).toMatch(/^dp\/sgp26-nist\/dpauth\.der: certificatePolicies \[2\.23\.146\.1\.2\.1\.5\] lack the dpAuth policy/);
  });

  it('an empty folder', () => {
    expect(errorOf(join(root, 'does-not-exist'))).toMatch(/does not exist/);
  });
});
