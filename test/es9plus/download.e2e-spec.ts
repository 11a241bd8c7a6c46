/**
 * End-to-end profile downloads over real HTTPS with the test eUICC (SGP.22 §3.1.3): ES9+ and ES8+ against
 * the whole app on PostgreSQL (DATABASE_URL) or PGlite, the operator's side through the real ES2+ services.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { checkStoreMetadataConsistency } from '../../src/saip';
import { storeMetadataInBpp } from '../../src/euicc/lpa';
import { AddressInfo } from 'node:net';
import { children, readTlv } from '../../src/asn1/tlv';
import { OperatorsService } from '../../src/operators/operators.service';
import { startTestApp, TestApp } from '../support/app';
import { es9Code, es9World, Es9World, profileState, progressPoints } from './support';

describe('ES9+ profile download, end to end (SGP.22 §3.1.3)', () => {
  let t: TestApp;
  let w: Es9World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await es9World(t);
  });
  afterAll(() => t?.close());

  it('downloads a TS.48 profile on NIST P-256: the eUICC holds exactly the imported package, the order is Installed', async () => {
    const order = await w.releasedOrder();
    expect(order.activationCode).toBe(`1$localhost$${order.matchingId}`);
    const { euicc, lpa } = w.device('nist-1');
    const steps: string[] = [];
    const r = await lpa.download(order.activationCode, { onStep: (s) => steps.push(s) });
    expect(r.success).toBe(true);
    expect(r.iccid).toBe(order.iccid);
    expect(r.profileName).toBe('TS.48 Generic Test Profile');
    expect(euicc.getUpp(order.iccid)!.equals(order.der)).toBe(true);
    expect(steps).toContain('ES9+.HandleNotification');
    expect(await profileState(w.db, order.iccid)).toBe('Installed');
    // ES2+.HandleDownloadProgressInfo: eligibility (1), BPP download (3), BPP installation (4).
    expect(await progressPoints(w.db, order.iccid)).toEqual([
      [1, 'Executed-Success'],
      [3, 'Executed-Success'],
      [4, 'Executed-Success'],
    ]);
    // Prometheus: downloads and installations per operator.
    const metrics = (await t.request('/metrics')).text;
    expect(metrics).toMatch(new RegExp(`smdp_downloads_total\\{operator="${w.operatorId}"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`smdp_installations_total\\{operator="${w.operatorId}",result="success"\\} [1-9]`));
  });

  it("delivers the operator's HandleDownloadProgressInfo callbacks (points 1, 3, 4 in order) to its URL", async () => {
    const received: Array<{ path: string; body: Record<string, unknown> }> = [];
    const receiver = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(data) });
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      await t.app.get(OperatorsService).setCallbackUrl(w.operatorId, `http://127.0.0.1:${port}`);
      const order = await w.releasedOrder();
      const { euicc, lpa } = w.device('brp-3');
      expect((await lpa.download(order.activationCode)).success).toBe(true);
      const deadline = Date.now() + 15000;
      const mine = () => received.filter((r) => r.body.iccid === order.iccid);
      while (mine().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(mine().map((r) => r.path)).toEqual(Array(3).fill('/gsma/rsp2/es2plus/handleDownloadProgressInfo'));
      expect(mine().map((r) => [r.body.notificationPointId, (r.body.notificationPointStatus as { status: string }).status, r.body.eid])).toEqual([
        [1, 'Executed-Success', euicc.eid],
        [3, 'Executed-Success', euicc.eid],
        [4, 'Executed-Success', euicc.eid],
      ]);
      expect(mine()[2].body.profileType).toBe('ts48');
      expect(typeof mine()[2].body.resultData).toBe('string');
    } finally {
      await t.app.get(OperatorsService).setCallbackUrl(w.operatorId, null);
      receiver.close();
    }
  });

  it('downloads on brainpoolP256r1 with the brainpool CERT.DPauth/DPpb', async () => {
    const order = await w.releasedOrder();
    const { euicc, lpa } = w.device('brp-1');
    const r = await lpa.download(order.activationCode);
    expect(r.success).toBe(true);
    expect(euicc.getUpp(order.iccid)!.equals(order.der)).toBe(true);
    expect(await profileState(w.db, order.iccid)).toBe('Installed');
  });

  it('a retried GetBoundProfilePackage with the same otPK.EUICC gets the same package back', async () => {
    const order = await w.releasedOrder();
    const { lpa } = w.device('nist-2');
    const r = await lpa.download(order.activationCode, { retryGetBoundProfilePackage: true });
    expect(r.success).toBe(true);
    expect(r.boundProfilePackages).toHaveLength(2);
    expect(r.boundProfilePackages[1].equals(r.boundProfilePackages[0])).toBe(true);
  });

  it('a package lost on the way: the same eUICC gets a new binding in a new session; another eUICC is refused', async () => {
    const a = await w.releasedOrder();
    // The first BPP is "lost": its session is bound but the eUICC never loads it.
    const lost = w.device('nist-3');
    const first = lost.lpa.download(a.activationCode, { skipNotification: true });
    expect((await first).success).toBe(true);
    expect(await profileState(w.db, a.iccid)).toBe('Downloaded');
    // The first binding protected the profile under a PPK without storing it (issue 6) …
    const ppkStored = async () =>
      (await w.db.query(`SELECT ppk_protected IS NOT NULL AS stored FROM profiles WHERE iccid = $1`, [a.iccid]))[0].stored;
    expect(await ppkStored()).toBe(false);
    // A different eUICC cannot take it over …
    expect(await es9Code(w.device('brp-3').lpa.download(a.activationCode))).toBe('8.1.1/3.8');
    // … while a fresh eUICC state with the same identity (the lost package never installed) gets it again.
    const again = w.device('nist-3');
    const r = await again.lpa.download(a.activationCode);
    expect(r.success).toBe(true);
    expect(again.euicc.getUpp(a.iccid)!.equals(a.der)).toBe(true);
    expect(await profileState(w.db, a.iccid)).toBe('Installed');
    // … the second one stored it, for any later binding.
    expect(await ppkStored()).toBe(true);
  });

  it('with a Confirmation Code: the right code installs; a wrong one is refused with 8.2.7/3.8', async () => {
    const order = await w.releasedOrder({ confirmationCode: '1234' });
    expect(order.activationCode).toBe(`1$localhost$${order.matchingId}$$1`);
    const wrong = w.device('nist-1');
    expect(await es9Code(wrong.lpa.download(order.activationCode, { confirmationCode: '9999' }))).toBe('8.2.7/3.8');
    const right = w.device('nist-1');
    const r = await right.lpa.download(order.activationCode, { confirmationCode: '1234' });
    expect(r.success).toBe(true);
    expect(await profileState(w.db, order.iccid)).toBe('Installed');
  });

  it('Confirmation Code retries exceeded → 8.2.7/6.4', async () => {
    const order = await w.releasedOrder({ confirmationCode: '4321' });
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push(await es9Code(w.device('nist-2').lpa.download(order.activationCode, { confirmationCode: '0000' })));
    }
    expect(codes.slice(0, 2)).toEqual(['8.2.7/3.8', '8.2.7/3.8']);
    expect(codes[2]).toBe('8.2.7/6.4');
  });

  it('personalised profiles (ICCID, IMSI, Ki, OPc) download onto one eUICC, each with its own ICCID (issue 5)', async () => {
    const { euicc, lpa } = w.device('brp-1');
    const installed: string[] = [];
    for (let i = 0; i < 3; i++) {
      const fresh = await w.newProfile('ts48', {
        imsi: `00101${1000000000 + i}`,
        ki: randomBytes(16).toString('hex'),
        opc: randomBytes(16).toString('hex'),
      });
      await w.orders.downloadOrder(w.caller, { iccid: fresh.iccid });
      const c = await w.orders.confirmOrder(w.caller, { iccid: fresh.iccid, releaseFlag: true });
      const r = await lpa.download(c.activationCode!);
      expect(r.success).toBe(true);
      expect(euicc.getUpp(fresh.iccid)!.equals(fresh.der)).toBe(true);
      // The StoreMetadata of the bound package and the profile it carries agree on the ICCID (SGP.22 §4.6 of the digest).
      expect(checkStoreMetadataConsistency(storeMetadataInBpp(r.boundProfilePackages[0]), fresh.der).ok).toBe(true);
      installed.push(r.iccid!);
    }
    expect(new Set(installed).size).toBe(3);
    expect(euicc.listProfiles().map((p) => p.iccid)).toEqual(expect.arrayContaining(installed));
  });

  it('default SM-DP+ use case: an EID-linked order released without MatchingID is found by EID', async () => {
    const { euicc, lpa } = w.device('nist-2');
    const order = await w.releasedOrder({ eid: euicc.eid, matchingId: '' });
    const r = await lpa.download('LPA:1$localhost$');
    expect(r.success).toBe(true);
    expect(r.iccid).toBe(order.iccid);
  });
});

describe('ES8+ binding without ReplaceSessionKeys (REPLACE_SESSION_KEYS=false)', () => {
  let t: TestApp;
  let w: Es9World;
  beforeAll(async () => {
    t = await startTestApp({ env: { REPLACE_SESSION_KEYS: 'false' } });
    w = await es9World(t, 'mno2');
  });
  afterAll(() => t?.close());

  it('protects the profile segments under the session keys: no A2 in the BPP, and it installs byte-identical', async () => {
    const order = await w.releasedOrder();
    const { euicc, lpa } = w.device('nist-1');
    const r = await lpa.download(order.activationCode);
    expect(r.success).toBe(true);
    const top = children(readTlv(r.boundProfilePackages[0])).map((c) => c.tag);
    expect(top).toEqual([0xbf23, 0xa0, 0xa1, 0xa3]);
    expect(euicc.getUpp(order.iccid)!.equals(order.der)).toBe(true);
  });

  it('with ReplaceSessionKeys (the default app) the BPP carries A2', async () => {
    const other = await startTestApp();
    try {
      const w2 = await es9World(other, 'mno3');
      const order = await w2.releasedOrder();
      const r = await w2.device('brp-2').lpa.download(order.activationCode);
      expect(children(readTlv(r.boundProfilePackages[0])).map((c) => c.tag)).toEqual([0xbf23, 0xa0, 0xa1, 0xa2, 0xa3]);
    } finally {
      await other.close();
    }
  });
});
