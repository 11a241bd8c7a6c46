/**
 * One SM-DP+ process, several CIs and both curves (issue 4): the development PKI (NIST + brainpool) and the
 * GSMA SGP.26 test PKI side by side in one certs/ folder. Each eUICC is served with the CERT.DPauth/DPpb of
 * the CI it trusts and signs with (SGP.22 §5.6.1), and the chosen set shows in the certificates it gets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initDevelopmentPki, importSgp26 } from '../../src/pki/dev-pki';
import { parseRspCertificate } from '../../src/pki/rsp-certificate';
import { startTestApp, TestApp } from '../support/app';
import { es9World, Es9World } from './support';

describe('several CIs and both curves in one process (SGP.22 §5.6.1, §4.5)', () => {
  let t: TestApp;
  let w: Es9World;
  let certsDir: string;
  beforeAll(async () => {
    certsDir = join(mkdtempSync(join(tmpdir(), 'smdp-cis-')), 'certs');
    await initDevelopmentPki(certsDir, { smdpAddress: 'localhost' });
    importSgp26(join(__dirname, '..', 'fixtures', 'sgp26'), certsDir);
    t = await startTestApp({ certsDir });
    w = await es9World(t);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(join(certsDir, '..'), { recursive: true, force: true });
  });

  it.each([
    ['sgp26', '89049032123451234512345678901235', 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3'],
    ['nist-1', undefined, undefined],
    ['brp-1', undefined, undefined],
  ])('eUICC %s downloads with the DP certificates of its own CI', async (name, eid, ciSki) => {
    const order = await w.releasedOrder();
    const { euicc, client, lpa } = w.device(name);
    if (eid) expect(euicc.eid).toBe(eid);
    const seen: Buffer[] = [];
    const original = client.initiateAuthentication.bind(client);
    client.initiateAuthentication = async (req) => {
      const r = await original(req);
      seen.push(r.serverCertificate);
      return r;
    };
    const r = await lpa.download(order.activationCode);
    expect(r.success).toBe(true);
    expect(euicc.getUpp(order.iccid)!.equals(order.der)).toBe(true);
    const dpauth = parseRspCertificate(seen[0]);
    // CERT.DPauth chains to the CI that issued this eUICC's EUM.
    expect(dpauth.authorityKeyIdentifier!.equals(euicc.eumCert.authorityKeyIdentifier!)).toBe(true);
    if (ciSki) expect(dpauth.authorityKeyIdentifier!.toString('hex').toUpperCase()).toBe(ciSki);
  });
});
