import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDevHierarchy, DevHierarchy, issueEuicc, makeBrokenEuiccChains, makeEid } from './dev-pki';
import { parseEuiccCertificateFields } from './euicc-certificate';
import { parseRspCertificate } from './rsp-certificate';

const NOW = new Date('2026-11-28T12:00:00Z');
const SGP26 = join(__dirname, '../../test/fixtures/sgp26');

let nist: DevHierarchy;
let brp: DevHierarchy;
beforeAll(() => {
  nist = createDevHierarchy('nist', { now: NOW, euiccCount: 1 });
  brp = createDevHierarchy('brp', { now: NOW, euiccCount: 1 });
});

/** Every field the light parse gives must equal the full parser's. */
function sameAsFullParse(der: Buffer): void {
  const light = parseEuiccCertificateFields(der);
  const full = parseRspCertificate(der);
  expect(light).toBeDefined();
  const l = light!;
  expect(l.der).toEqual(full.der);
  expect(l.tbs).toEqual(full.tbs);
  expect(l.signature).toEqual(full.signature);
  expect(l.signatureAlgorithm).toBe(full.signatureAlgorithm);
  expect(l.curve).toBe(full.curve);
  expect(l.publicKeyPoint).toEqual(full.publicKeyPoint);
  expect(l.spki).toEqual(full.publicKey.export({ format: 'der', type: 'spki' }));
  expect(l.publicKey.export({ format: 'der', type: 'spki' })).toEqual(full.publicKey.export({ format: 'der', type: 'spki' }));
  expect(l.notBefore.getTime()).toBe(full.notBefore.getTime());
  expect(l.notAfter.getTime()).toBe(full.notAfter.getTime());
  expect(l.subject.serialNumber).toBe(full.subject.serialNumber);
  expect(l.authorityKeyIdentifier).toEqual(full.authorityKeyIdentifier);
  expect(l.subjectKeyIdentifier).toEqual(full.subjectKeyIdentifier);
  expect(l.keyUsage).toEqual(full.keyUsage);
  expect(l.certificatePolicies).toEqual(full.certificatePolicies);
}

describe('parseEuiccCertificateFields', () => {
  it('reads the SGP.26 NIST eUICC certificate exactly as the full parser', () => {
    const der = readFileSync(join(SGP26, 'euicc/CERT_EUICC_ECDSA_NIST.der'));
    sameAsFullParse(der);
    expect(parseEuiccCertificateFields(der)!.subject.serialNumber).toBe(parseRspCertificate(der).subject.serialNumber);
  });

  it.each(['nist', 'brp'] as const)('reads a generated %s eUICC certificate exactly as the full parser', (name) => {
    const h = name === 'nist' ? nist : brp;
    sameAsFullParse(h.euiccs[0].cert.der);
    const eu = issueEuicc(h.eum, { now: NOW, eid: makeEid(name === 'nist' ? '89999001' : '89999002', 7) });
    expect(parseEuiccCertificateFields(eu.cert.der)!.subject.serialNumber).toBe(makeEid(name === 'nist' ? '89999001' : '89999002', 7));
  });

  it('reads every broken test chain either exactly as the full parser or not at all', () => {
    let compared = 0;
    for (const b of Object.values(makeBrokenEuiccChains(nist, brp, NOW))) {
      const der = b.euiccCertificate;
      let full;
      try {
        full = parseRspCertificate(der);
      } catch {
        full = undefined;
      }
      const light = parseEuiccCertificateFields(der);
      if (!full) expect(light).toBeUndefined();
      if (light && full) {
        sameAsFullParse(der);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(5);
  });

  it('leaves unusual input to the full parser (undefined)', () => {
    const der = nist.euiccs[0].cert.der;
    expect(parseEuiccCertificateFields(Buffer.alloc(0))).toBeUndefined();
    expect(parseEuiccCertificateFields(der.subarray(0, der.length - 1))).toBeUndefined();
    expect(parseEuiccCertificateFields(nist.eum.cert.der)).toBeUndefined(); // EUM: nameConstraints, basicConstraints
    expect(parseEuiccCertificateFields(Buffer.from('300a0201010201020201ff', 'hex'))).toBeUndefined();
  });

  it('refuses a point that is not on the curve', () => {
    const der = Buffer.from(nist.euiccs[0].cert.der);
    const point = nist.euiccs[0].cert.publicKeyPoint;
    const at = der.indexOf(point);
    der[at + 64] ^= 0x01;
    expect(parseEuiccCertificateFields(der)).toBeUndefined();
  });
});
