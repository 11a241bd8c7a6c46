import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RspError } from '../common/rsp-error';
import { BrokenVariant, createDevHierarchy, DevHierarchy, issueDpCertificate, issueEuicc, issueEum, makeBrokenEuiccChains, makeEid } from './dev-pki';
import { id_rspRole_dp_pb_v2, id_rspRole_euicc_v3, id_rspRole_eum_v3 } from './oids';
import { parseRspCertificate } from './rsp-certificate';
import { ServerCertificateError, validateEuiccChain, validateServerChainForEuicc } from './validation';

const NOW = new Date('2026-11-28T12:00:00Z');
const SGP26 = join(__dirname, '../../test/fixtures/sgp26');
const fixture = (p: string) => readFileSync(join(SGP26, p));

// Keys are generated once per file.
let nist: DevHierarchy;
let brp: DevHierarchy;
beforeAll(() => {
  nist = createDevHierarchy('nist', { now: NOW, euiccCount: 1 });
  brp = createDevHierarchy('brp', { now: NOW, euiccCount: 1 });
});
const trusted = () => [nist.ci.cert, brp.ci.cert];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RspError) return e.code;
    throw e;
  }
  throw new Error('did not throw');
}

describe('validateEuiccChain — generated chains', () => {
  it.each(['nist', 'brp'] as const)('validates the %s hierarchy and returns EID, PK.EUICC, curve', (name) => {
    const h = name === 'nist' ? nist : brp;
    const e = h.euiccs[0];
    const r = validateEuiccChain({
      euiccCertificate: e.cert.der,
      eumCertificate: h.eum.cert.der,
      trustedCis: trusted(),
      ciPkIdToBeUsed: h.ci.cert.subjectKeyIdentifier,
      now: NOW,
    });
    expect(r.eid).toBe(e.eid);
    expect(r.eid).toBe(makeEid(name === 'nist' ? '89999001' : '89999002', 1));
    expect(r.curve).toBe(h.curve);
    expect(r.ci.fingerprint).toBe(h.ci.cert.fingerprint);
    expect(r.euiccPublicKey.export({ format: 'der', type: 'spki' })).toEqual(e.cert.publicKey.export({ format: 'der', type: 'spki' }));
  });

  it('accepts the CI PKId as DER 04 14 ‖ SKI and already-parsed certificates', () => {
    const r = validateEuiccChain({
      euiccCertificate: nist.euiccs[0].cert,
      eumCertificate: nist.eum.cert,
      trustedCis: trusted(),
      ciPkIdToBeUsed: Buffer.concat([Buffer.from('0414', 'hex'), nist.ci.cert.subjectKeyIdentifier!]),
      now: NOW,
    });
    expect(r.eid).toBe(nist.euiccs[0].eid);
  });

  it('accepts v3 EUM / eUICC policy OIDs', () => {
    const eum = issueEum(nist.ci, { now: NOW, eidPrefixes: ['89999001'], policies: [id_rspRole_eum_v3], permittedEinsExtension: true });
    const euicc = issueEuicc(eum, { now: NOW, eid: makeEid('89999001', 42), policies: [id_rspRole_euicc_v3] });
    const r = validateEuiccChain({ euiccCertificate: euicc.cert.der, eumCertificate: eum.cert.der, trustedCis: trusted(), now: NOW });
    expect(r.eid).toBe(makeEid('89999001', 42));
  });
});

describe('validateEuiccChain — broken variants fail with their own code', () => {
  const expected: Record<BrokenVariant, string> = {
    unknownCi: '8.11.1/3.9',
    eumBadSignature: '8.1.2/6.1',
    eumExpired: '8.1.2/6.3',
    eumNotYetValid: '8.1.2/6.3',
    eumWrongPolicy: '8.1.2/6.1',
    eumNotCa: '8.1.2/6.1',
    eumCurveMismatch: '8.1.2/6.1',
    euiccWrongIssuer: '8.1.3/6.1',
    euiccBadSignature: '8.1.3/6.1',
    euiccExpired: '8.1.3/6.3',
    euiccNotYetValid: '8.1.3/6.3',
    euiccEidOutOfRange: '8.1.3/6.1',
    euiccWrongPolicy: '8.1.3/6.1',
    euiccNoSerialNumber: '8.1.3/6.1',
    euiccBadEidFormat: '8.1.3/6.1',
    euiccCurveMismatch: '8.1.3/6.1',
  };
  const messages: Partial<Record<BrokenVariant, RegExp>> = {
    eumBadSignature: /signature does not verify/,
    eumCurveMismatch: /curve prime256v1 differs from the CI's brainpoolP256r1/,
    euiccEidOutOfRange: /EID 89000000\d+ is outside the EUM's permitted EID range \[89999001\]/,
    euiccNoSerialNumber: /serialNumber \(EID\) is missing/,
    euiccCurveMismatch: /curve brainpoolP256r1 differs from the EUM's prime256v1/,
    euiccExpired: /has expired/,
    euiccNotYetValid: /not yet valid/,
  };
  let broken: Record<BrokenVariant, { euiccCertificate: Buffer; eumCertificate: Buffer; expectedCode: string }>;
  beforeAll(() => {
    broken = makeBrokenEuiccChains(nist, brp, NOW);
  });

  it.each(Object.keys(expected) as BrokenVariant[])('%s', (variant) => {
    const b = broken[variant];
    expect(b.expectedCode).toBe(expected[variant]);
    let err: unknown;
    try {
      validateEuiccChain({ euiccCertificate: b.euiccCertificate, eumCertificate: b.eumCertificate, trustedCis: trusted(), now: NOW });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RspError);
    expect((err as RspError).code).toBe(expected[variant]);
    if (messages[variant]) expect((err as RspError).message).toMatch(messages[variant]!);
  });

  it('brainpool base: curve mixing is caught too', () => {
    const b = makeBrokenEuiccChains(brp, nist, NOW);
    expect(codeOf(() => validateEuiccChain({ ...b.eumCurveMismatch, trustedCis: trusted(), now: NOW }))).toBe('8.1.2/6.1');
    expect(codeOf(() => validateEuiccChain({ ...b.euiccCurveMismatch, trustedCis: trusted(), now: NOW }))).toBe('8.1.3/6.1');
  });

  it('EUM issued by a trusted CI other than euiccCiPKIdToBeUsed → 8.11.1/3.9', () => {
    const input = {
      euiccCertificate: nist.euiccs[0].cert.der,
      eumCertificate: nist.eum.cert.der,
      trustedCis: trusted(),
      ciPkIdToBeUsed: brp.ci.cert.subjectKeyIdentifier,
      now: NOW,
    };
    expect(codeOf(() => validateEuiccChain(input))).toBe('8.11.1/3.9');
  });

  it('an empty trust list → 8.11.1/3.9', () => {
    expect(codeOf(() => validateEuiccChain({ euiccCertificate: nist.euiccs[0].cert.der, eumCertificate: nist.eum.cert.der, trustedCis: [], now: NOW }))).toBe(
      '8.11.1/3.9',
    );
  });

  it('undecodable certificates → 8.1.2/6.1 resp. 8.1.3/6.1', () => {
    const junk = Buffer.from('30050201000000', 'hex');
    expect(codeOf(() => validateEuiccChain({ euiccCertificate: nist.euiccs[0].cert.der, eumCertificate: junk, trustedCis: trusted(), now: NOW }))).toBe('8.1.2/6.1');
    expect(codeOf(() => validateEuiccChain({ euiccCertificate: junk, eumCertificate: nist.eum.cert.der, trustedCis: trusted(), now: NOW }))).toBe('8.1.3/6.1');
  });

  it('one second past notAfter is expired, notAfter itself is not', () => {
    const e = nist.euiccs[0].cert;
    const base = { euiccCertificate: e.der, eumCertificate: nist.eum.cert.der, trustedCis: trusted() };
    expect(validateEuiccChain({ ...base, now: e.notAfter }).eid).toBe(nist.euiccs[0].eid);
    expect(codeOf(() => validateEuiccChain({ ...base, now: new Date(e.notAfter.getTime() + 1000) }))).toBe('8.1.2/6.3'); // EUM expires at the same time
  });
});

describe('validateEuiccChain — SGP.26 test PKI', () => {
  const ciNist = () => parseRspCertificate(fixture('ci/CERT_CI_ECDSA_NIST.der'));
  const ciBrp = () => parseRspCertificate(fixture('ci/CERT_CI_ECDSA_BRP.der'));

  it('validates the SGP.26 eUICC (EID 89049032123451234512345678901235 within 89049032)', () => {
    const r = validateEuiccChain({
      euiccCertificate: fixture('euicc/CERT_EUICC_ECDSA_NIST.der'),
      eumCertificate: fixture('eum/CERT_EUM_ECDSA_NIST.der'),
      trustedCis: [ciBrp(), ciNist()],
      ciPkIdToBeUsed: Buffer.from('0414f54172bdf98a95d65cbeb88a38a1c11d800a85c3', 'hex'),
      now: NOW,
    });
    expect(r.eid).toBe('89049032123451234512345678901235');
    expect(r.curve).toBe('prime256v1');
    expect(r.eum.permittedEidPrefixes).toEqual(['89049032']);
    expect(r.ci.subjectKeyIdentifier!.toString('hex')).toBe('f54172bdf98a95d65cbeb88a38a1c11d800a85c3');
  });

  it('rejects it when only the brainpool CI is trusted', () => {
    const input = {
      euiccCertificate: fixture('euicc/CERT_EUICC_ECDSA_NIST.der'),
      eumCertificate: fixture('eum/CERT_EUM_ECDSA_NIST.der'),
      trustedCis: [ciBrp()],
      now: NOW,
    };
    expect(codeOf(() => validateEuiccChain(input))).toBe('8.11.1/3.9');
  });

  it('rejects the SGP.26 EUM after its notAfter (2054-03-24) → 8.1.2/6.3', () => {
    const input = {
      euiccCertificate: fixture('euicc/CERT_EUICC_ECDSA_NIST.der'),
      eumCertificate: fixture('eum/CERT_EUM_ECDSA_NIST.der'),
      trustedCis: [ciNist()],
      now: new Date('2054-03-25T00:00:00Z'),
    };
    expect(codeOf(() => validateEuiccChain(input))).toBe('8.1.2/6.3');
  });
});

describe('validateServerChainForEuicc (eUICC side)', () => {
  it.each(['nist', 'brp'] as const)('accepts CERT.DPauth / CERT.DPpb of the %s hierarchy', (name) => {
    const h = name === 'nist' ? nist : brp;
    const a = validateServerChainForEuicc({ certificate: h.dpauth.cert.der, role: 'dpAuth', trustedCis: trusted(), now: NOW });
    expect(a.smdpOid).toBe('2.999.10');
    expect(a.curve).toBe(h.curve);
    const p = validateServerChainForEuicc({ certificate: h.dppb.cert, role: 'dpPb', trustedCis: trusted(), ciPkId: h.ci.cert.subjectKeyIdentifier, now: NOW });
    expect(p.smdpOid).toBe('2.999.10');
  });

  it('accepts the SGP.26 DPauth/DPpb (SM-DP+ OID 2.999.10)', () => {
    const cis = [parseRspCertificate(fixture('ci/CERT_CI_ECDSA_NIST.der')), parseRspCertificate(fixture('ci/CERT_CI_ECDSA_BRP.der'))];
    for (const c of ['NIST', 'BRP']) {
      expect(validateServerChainForEuicc({ certificate: fixture(`dpauth/CERT_S_SM_DPauth_ECDSA_${c}.der`), role: 'dpAuth', trustedCis: cis, now: NOW }).smdpOid).toBe('2.999.10');
      expect(validateServerChainForEuicc({ certificate: fixture(`dppb/CERT_S_SM_DPpb_ECDSA_${c}.der`), role: 'dpPb', trustedCis: cis, now: NOW }).smdpOid).toBe('2.999.10');
    }
  });

  function failure(fn: () => unknown): [string, number] {
    try {
      fn();
    } catch (e) {
      if (e instanceof ServerCertificateError) return [e.reason, e.errorCode];
      throw e;
    }
    throw new Error('did not throw');
  }

  it('refuses wrong role, unknown CI, wrong CI, expiry and bad signature', () => {
    const base = { trustedCis: trusted(), now: NOW };
    expect(failure(() => validateServerChainForEuicc({ ...base, certificate: nist.dppb.cert.der, role: 'dpAuth' }))).toEqual(['invalidCertificate', 1]);
    expect(failure(() => validateServerChainForEuicc({ ...base, trustedCis: [brp.ci.cert], certificate: nist.dpauth.cert.der, role: 'dpAuth' }))).toEqual(['ciPKUnknown', 7]);
    expect(
      failure(() => validateServerChainForEuicc({ ...base, ciPkId: brp.ci.cert.subjectKeyIdentifier, certificate: nist.dpauth.cert.der, role: 'dpAuth' })),
    ).toEqual(['ciPKUnknown', 7]);
    expect(failure(() => validateServerChainForEuicc({ ...base, now: new Date('2040-01-01'), certificate: nist.dpauth.cert.der, role: 'dpAuth' }))).toEqual([
      'invalidCertificate',
      1,
    ]);
    const forged = issueDpCertificate(nist.ci, 'dpPb', { now: NOW, smdpOid: '2.999.10', signingKey: brp.ci.privateKey, curve: 'prime256v1', policies: [id_rspRole_dp_pb_v2] });
    expect(failure(() => validateServerChainForEuicc({ ...base, certificate: forged.cert.der, role: 'dpPb' }))).toEqual(['invalidCertificate', 1]);
    const mixed = issueDpCertificate(nist.ci, 'dpAuth', { now: NOW, smdpOid: '2.999.10', curve: 'brainpoolP256r1' });
    expect(failure(() => validateServerChainForEuicc({ ...base, certificate: mixed.cert.der, role: 'dpAuth' }))).toEqual(['unsupportedCurve', 3]);
  });
});
