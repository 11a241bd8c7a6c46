/**
 * ES9+ error cases after authentication, over real HTTPS: GetBoundProfilePackage (SGP.22 §5.6.2),
 * HandleNotification (§5.6.4, always 204, idempotent, signatures verified) and CancelSession (§5.6.5). Each
 * failure asserts the exact code in an HTTP 200 `Failed` answer, and the profile/order state afterwards.
 */
import { randomBytes } from 'node:crypto';
import {
  decodeOtherSignedNotification,
  encodeCancelSessionResponse,
  encodeEuiccCancelSessionSigned,
  encodeNotificationMetadata,
  encodeOtherSignedNotification,
  encodePrepareDownloadResponse,
} from '../../src/asn1/rsp';
import { signRaw } from '../../src/crypto/ecdsa';
import { hashCc } from '../../src/crypto/cc';
import { loadIdentity } from '../../src/euicc/identity';
import { startTestApp, TestApp } from '../support/app';
import {
  codeOf,
  craftedEuicc,
  devIssuers,
  DevIssuers,
  flip,
  Flow,
  handmadeBf21,
  notify,
  okOf,
  post,
  tamperCancelSignature,
  tamperEuiccSignature2,
} from './attack';
import { es9World, Es9World, profileState, progressPoints } from './support';

describe('ES9+ error cases: GetBoundProfilePackage, HandleNotification, CancelSession (SGP.22 §5.6.2, §5.6.4, §5.6.5)', () => {
  let t: TestApp;
  let w: Es9World;
  let pki: DevIssuers;

  beforeAll(async () => {
    t = await startTestApp();
    w = await es9World(t);
    pki = devIssuers(t.certsDir);
  });
  afterAll(() => t?.close());

  async function stillDownloadable(order: { activationCode: string; iccid: string }, opts: { confirmationCode?: string } = {}): Promise<void> {
    const r = await w.device('nist-1').lpa.download(order.activationCode, opts);
    expect(r.success).toBe(true);
    expect(await profileState(w.db, order.iccid)).toBe('Installed');
  }

  async function orderRow(iccid: string): Promise<{ download_attempts: number; cc_attempts: number }> {
    const [row] = await w.db.query(`SELECT download_attempts, cc_attempts FROM orders WHERE iccid = $1`, [iccid]);
    return { download_attempts: Number(row.download_attempts), cc_attempts: Number(row.cc_attempts) };
  }

  async function events(iccid: string): Promise<Array<{ from: string; to: string; actor: string; detail: Record<string, unknown> }>> {
    const rows = await w.db.query(
      `SELECT e.from_state AS "from", e.to_state AS "to", e.actor, e.detail FROM profile_events e
         JOIN profiles p ON p.id = e.profile_id WHERE p.iccid = $1 ORDER BY e.id`,
      [iccid],
    );
    return rows.map((r: { from: string; to: string; actor: string; detail: unknown }) => ({
      ...r,
      detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail,
    }));
  }

  async function outboxCount(iccid: string): Promise<number> {
    const [r] = await w.db.query(`SELECT count(*)::int AS n FROM outbox WHERE ordering_key = $1`, [iccid]);
    return Number(r.n);
  }

  describe('GetBoundProfilePackage (SGP.22 §5.6.2)', () => {
    it('unknown transactionId → 8.10.1/3.9', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      const bf21 = f.prepareDownload();
      for (const tx of [randomBytes(16).toString('hex'), 'not-hex', f.txId + 'AB']) {
        expect(codeOf(await f.getBoundProfilePackageRaw(bf21, tx))).toBe('8.10.1/3.9');
      }
      // The genuine call still works: the session was not disturbed.
      okOf(await f.getBoundProfilePackageRaw(bf21));
    });

    it('called before AuthenticateClient → 8.10.1/3.9; the session then proceeds normally', async () => {
      const order = await w.releasedOrder();
      const other = await new Flow(t, w.device('nist-2').euicc).authenticate((await w.releasedOrder()).matchingId);
      const f = await new Flow(t, w.device('nist-1').euicc).initiate();
      expect(codeOf(await f.getBoundProfilePackageRaw(other.prepareDownload(), f.txId))).toBe('8.10.1/3.9');
      await f.authenticate(order.matchingId);
      await f.getBoundProfilePackage();
      expect(f.load().success).toBe(true);
    });

    it('tampered euiccSignature2 → 8.1/6.1; the profile stays Released', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      expect(codeOf(await f.getBoundProfilePackageRaw(tamperEuiccSignature2(f.prepareDownload())))).toBe('8.1/6.1');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      await stillDownloadable(order);
    });

    it('a PrepareDownloadResponse of another session → 8.1/6.1', async () => {
      const a = await new Flow(t, w.device('nist-1').euicc).authenticate((await w.releasedOrder()).matchingId);
      const b = await new Flow(t, w.device('nist-2').euicc).authenticate((await w.releasedOrder()).matchingId);
      expect(codeOf(await a.getBoundProfilePackageRaw(b.prepareDownload()))).toBe('8.1/6.1');
    });

    it('Confirmation Code required but hashCc missing → 8.2.7/2.2 (no attempt counted)', async () => {
      const order = await w.releasedOrder({ confirmationCode: '2468' });
      const { euicc, privateKey } = craftedEuicc(pki);
      const f = await new Flow(t, euicc).authenticate(order.matchingId);
      const bf21 = handmadeBf21({ transactionId: f.txBytes, smdpSignature2: f.acr!.smdpSignature2, privateKey });
      expect(codeOf(await f.getBoundProfilePackageRaw(bf21))).toBe('8.2.7/2.2');
      expect((await orderRow(order.iccid)).cc_attempts).toBe(0);
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      // The same session, with the right hashCc, then binds.
      const right = handmadeBf21({ transactionId: f.txBytes, smdpSignature2: f.acr!.smdpSignature2, privateKey, hashCc: hashCc('2468', f.txBytes) });
      okOf(await f.getBoundProfilePackageRaw(right));
    });

    it('wrong Confirmation Code → 8.2.7/3.8, one attempt counted, reported (point 2); the right one then works', async () => {
      const order = await w.releasedOrder({ confirmationCode: '1357' });
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      expect(codeOf(await f.getBoundProfilePackageRaw(f.prepareDownload('0000')))).toBe('8.2.7/3.8');
      expect((await orderRow(order.iccid)).cc_attempts).toBe(1);
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      expect(await progressPoints(w.db, order.iccid)).toEqual([
        [1, 'Executed-Success'],
        [2, 'Failed'],
      ]);
      await stillDownloadable(order, { confirmationCode: '1357' });
    });

    it('downloadResponseError (BF21 A1) → 8.1/6.1 and the session is gone; the order is kept', async () => {
      const order = await w.releasedOrder();
      const { euicc } = w.device('nist-1');
      const f = await new Flow(t, euicc).authenticate(order.matchingId);
      // The eUICC refuses an smdpSignature2 that does not verify: A1 invalidSignature(2).
      const a1 = euicc.prepareDownload({ ...f.acr!, smdpSignature2: flip(f.acr!.smdpSignature2, -1) });
      expect(a1.subarray(0, 4).toString('hex')).toMatch(/^bf21..a1/);
      expect(codeOf(await f.getBoundProfilePackageRaw(a1))).toBe('8.1/6.1');
      expect(codeOf(await f.getBoundProfilePackageRaw(f.prepareDownload()))).toBe('8.10.1/3.9');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      await stillDownloadable(order);
    });

    it('download order expired between AuthenticateClient and GetBoundProfilePackage → 8.8.5/4.10, no BPP', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      await w.db.query(`UPDATE orders SET expires_at = now() - interval '1 second' WHERE iccid = $1`, [order.iccid]);
      expect(codeOf(await f.getBoundProfilePackageRaw(f.prepareDownload()))).toBe('8.8.5/4.10');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      expect((await progressPoints(w.db, order.iccid)).map((p) => p[0])).toEqual([1]);
    });

    it('order cancelled by the operator (ES2+.CancelOrder) after AuthenticateClient → 8.10.1/3.9, no BPP, the session is over', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      await w.orders.cancelOrder(w.caller, { iccid: order.iccid, finalProfileStatusIndicator: 'Available' });
      const bf21 = f.prepareDownload();
      expect(codeOf(await f.getBoundProfilePackageRaw(bf21))).toBe('8.10.1/3.9');
      expect(codeOf(await f.getBoundProfilePackageRaw(bf21))).toBe('8.10.1/3.9');
      expect(await profileState(w.db, order.iccid)).toBe('Available');
    });

    it('a new PrepareDownload in the same session (another otPK.EUICC) is bound afresh and installs', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      const first = okOf(await f.getBoundProfilePackageRaw(f.prepareDownload())).boundProfilePackage;
      await f.getBoundProfilePackage();
      expect(f.bpp!.toString('base64')).not.toBe(first);
      const { profileInstallationResult, success } = f.load();
      expect(success).toBe(true);
      expect((await notify(t, profileInstallationResult)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Installed');
      expect(await progressPoints(w.db, order.iccid)).toEqual([
        [1, 'Executed-Success'],
        [3, 'Executed-Success'],
        [4, 'Executed-Success'],
      ]);
    });

    it('a session authenticated before another session of the same order got its BPP → 8.2/3.7', async () => {
      const order = await w.releasedOrder();
      const a = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      const b = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      await a.getBoundProfilePackage();
      expect(codeOf(await b.getBoundProfilePackageRaw(b.prepareDownload()))).toBe('8.2/3.7');
      expect(await profileState(w.db, order.iccid)).toBe('Downloaded');
    });

    it('a BPP the eUICC cannot install: the failed PIR takes the profile to Error and is reported (point 4)', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      await f.getBoundProfilePackage();
      f.bpp = flip(f.bpp!, -1); // the last MAC no longer verifies
      const r = f.load();
      expect([r.success, r.bppCommandId, r.errorReason]).toEqual([false, 5, 8]); // loadProfileElements, scp03tSecurityError
      expect((await notify(t, r.profileInstallationResult)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Error');
      expect(await progressPoints(w.db, order.iccid)).toEqual([
        [1, 'Executed-Success'],
        [3, 'Executed-Success'],
        [4, 'Failed'],
      ]);
    });

    it('a hand-made A1 for the session also ends it', async () => {
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate((await w.releasedOrder()).matchingId);
      const a1 = encodePrepareDownloadResponse({ error: { transactionId: f.txBytes, downloadErrorCode: 127 } });
      expect(codeOf(await f.getBoundProfilePackageRaw(a1))).toBe('8.1/6.1');
      expect(codeOf(await f.getBoundProfilePackageRaw(f.prepareDownload()))).toBe('8.10.1/3.9');
    });
  });

  describe('HandleNotification (SGP.22 §5.6.4): always 204', () => {
    it.each([
      ['garbage base64', { pendingNotification: '!!!***' }],
      ['random bytes', { pendingNotification: randomBytes(200).toString('base64') }],
      ['an unknown tag', { pendingNotification: Buffer.from('bf3f0100', 'hex').toString('base64') }],
      ['an absurd length', { pendingNotification: Buffer.from('bf3784ffffffff', 'hex').toString('base64') }],
      ['a number', { pendingNotification: 42 }],
      ['no pendingNotification', {}],
    ])('%s → 204, empty body', async (_n, body) => {
      const r = await post(t, 'handleNotification', body);
      expect(r.status).toBe(204);
      expect(r.text).toBe('');
    });

    it('PIR with a bad signature is ignored (order stays Downloaded); the genuine one installs; a duplicate changes nothing', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      await f.getBoundProfilePackage();
      const { profileInstallationResult: pir, success } = f.load();
      expect(success).toBe(true);

      expect((await notify(t, flip(pir, -1))).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Downloaded');
      expect((await progressPoints(w.db, order.iccid)).map((p) => p[0])).toEqual([1, 3]);

      expect((await notify(t, pir)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Installed');
      const before = { events: (await events(order.iccid)).length, outbox: await outboxCount(order.iccid) };

      const again = await notify(t, pir);
      expect(again.status).toBe(204);
      expect(again.text).toBe('');
      expect(await profileState(w.db, order.iccid)).toBe('Installed');
      expect((await events(order.iccid)).length).toBe(before.events);
      expect(await outboxCount(order.iccid)).toBe(before.outbox);
    });

    it('PIR for an unknown transactionId → 204, nothing changes', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      await f.getBoundProfilePackage();
      const { profileInstallationResult: pir } = f.load();
      const at = pir.indexOf(f.txBytes);
      expect(at).toBeGreaterThan(0);
      const foreign = Buffer.from(pir);
      randomBytes(16).copy(foreign, at);
      expect((await notify(t, foreign)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Downloaded');
    });

    it('enable / disable / delete notifications are verified and applied; a forged delete is ignored', async () => {
      const order = await w.releasedOrder();
      const { euicc, lpa } = w.device('nist-1');
      expect((await lpa.download(order.activationCode)).success).toBe(true);
      expect(await profileState(w.db, order.iccid)).toBe('Installed');

      euicc.enableProfile(order.iccid);
      euicc.disableProfile(order.iccid);
      const delivered = await lpa.sendPendingNotifications();
      expect(delivered.map((d) => [d.event, d.httpStatus])).toEqual([
        ['enable', 204],
        ['disable', 204],
      ]);
      expect(await profileState(w.db, order.iccid)).toBe('Installed');
      const seen = (await events(order.iccid)).filter((e) => e.detail?.notification);
      expect(seen.map((e) => [e.detail.notification, e.from, e.to, e.actor])).toEqual([
        ['enable', 'Installed', 'Installed', 'es9plus'],
        ['disable', 'Installed', 'Installed', 'es9plus'],
      ]);
      expect(seen[0].detail.eid).toBe(euicc.eid);

      const [del] = euicc.deleteProfile(order.iccid);
      const genuine = Buffer.from(del.pendingNotification, 'base64');
      const n = decodeOtherSignedNotification(genuine);
      const forged = encodeOtherSignedNotification({
        tbsOtherNotification: n.tbsRaw,
        euiccNotificationSignature: flip(n.euiccNotificationSignature, -1),
        euiccCertificate: n.euiccCertificate,
        eumCertificate: n.eumCertificate,
      });
      expect((await notify(t, forged)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Installed');

      expect((await lpa.sendPendingNotifications()).map((d) => [d.event, d.httpStatus])).toEqual([['delete', 204]]);
      expect(await profileState(w.db, order.iccid)).toBe('Unavailable');
      const last = (await events(order.iccid)).at(-1)!;
      expect([last.from, last.to, last.actor, last.detail.notification]).toEqual(['Installed', 'Unavailable', 'es9plus', 'delete']);

      // A duplicate delete changes nothing.
      expect((await notify(t, genuine)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Unavailable');
    });

    it('a delete notification signed by an eUICC with an untrusted chain is ignored', async () => {
      const order = await w.releasedOrder();
      const { euicc, lpa } = w.device('nist-2');
      expect((await lpa.download(order.activationCode)).success).toBe(true);
      const [del] = euicc.deleteProfile(order.iccid);
      const n = decodeOtherSignedNotification(Buffer.from(del.pendingNotification, 'base64'));
      // Re-signed by a stranger eUICC whose certificate has expired.
      const stranger = craftedEuicc(pki, { euicc: { notBefore: new Date(Date.now() - 9e10), notAfter: new Date(Date.now() - 1e8) } });
      const forged = encodeOtherSignedNotification({
        tbsOtherNotification: n.tbsRaw,
        euiccNotificationSignature: signRaw(stranger.privateKey, n.tbsRaw),
        euiccCertificate: stranger.identity.euiccCertificate,
        eumCertificate: stranger.identity.eumCertificate,
      });
      expect((await notify(t, forged)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Installed');
    });

    it('a genuine eUICC cannot delete a profile installed on another eUICC (EID must match the order)', async () => {
      const order = await w.releasedOrder();
      expect((await w.device('nist-1').lpa.download(order.activationCode)).success).toBe(true);
      const { identity } = loadIdentity('nist-3', { certsDir: t.certsDir });
      const tbs = encodeNotificationMetadata({
        seqNumber: 7,
        profileManagementOperation: ['notificationDelete'],
        notificationAddress: 'localhost',
        iccid: order.iccid,
      });
      const forged = encodeOtherSignedNotification({
        tbsOtherNotification: tbs,
        euiccNotificationSignature: signRaw(identity.privateKey, tbs),
        euiccCertificate: identity.euiccCertificate,
        eumCertificate: identity.eumCertificate,
      });
      expect((await notify(t, forged)).status).toBe(204);
      expect(await profileState(w.db, order.iccid)).toBe('Installed');
      expect((await events(order.iccid)).filter((e) => e.detail?.notification)).toEqual([]);
    });
  });

  describe('CancelSession (SGP.22 §5.6.5)', () => {
    it('postponed(1) after AuthenticateClient: the session ends, the order stays downloadable', async () => {
      const order = await w.releasedOrder();
      const { euicc } = w.device('nist-1');
      const f = await new Flow(t, euicc).authenticate(order.matchingId);
      const bf21 = f.prepareDownload();
      okOf(await f.cancelSessionRaw(euicc.cancelSession(f.txBytes, 1)));
      expect(codeOf(await f.getBoundProfilePackageRaw(bf21))).toBe('8.10.1/3.9');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      await stillDownloadable(order);
    });

    it.each([
      ['endUserRejection(0)', 0],
      ['pprNotAllowed(3)', 3],
      ['loadBppExecutionError(5)', 5],
    ])('%s: the profile goes to Error and the matchingId is refused afterwards', async (_n, reason) => {
      const order = await w.releasedOrder();
      const { euicc } = w.device('nist-1');
      const f = await new Flow(t, euicc).authenticate(order.matchingId);
      if (reason === 5) await f.getBoundProfilePackage();
      okOf(await f.cancelSessionRaw(euicc.cancelSession(f.txBytes, reason)));
      expect(await profileState(w.db, order.iccid)).toBe('Error');
      const again = await new Flow(t, w.device('nist-1').euicc).initiate();
      expect(codeOf(await again.authenticateClientRaw(again.authenticateServer(order.matchingId)))).toBe('8.2.6/3.8');
    });

    it('after AuthenticateServer but before AuthenticateClient: the session ends', async () => {
      const { euicc } = w.device('nist-1');
      const f = await new Flow(t, euicc).initiate();
      const bf38 = f.authenticateServer('WHATEVER');
      okOf(await f.cancelSessionRaw(euicc.cancelSession(f.txBytes, 1)));
      expect(codeOf(await f.authenticateClientRaw(bf38))).toBe('8.10.1/3.9');
    });

    it('bad signature → 8.1/6.1; the session survives the forgery', async () => {
      const order = await w.releasedOrder();
      const { euicc } = w.device('nist-1');
      const f = await new Flow(t, euicc).authenticate(order.matchingId);
      const bf41 = euicc.cancelSession(f.txBytes, 0);
      expect(codeOf(await f.cancelSessionRaw(tamperCancelSignature(bf41)))).toBe('8.1/6.1');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      okOf(await f.cancelSessionRaw(bf41));
      expect(await profileState(w.db, order.iccid)).toBe('Error');
    });

    it('smdpOid of another SM-DP+ → 8.8/3.10; signed for another transaction → 8.10.1/3.9', async () => {
      const order = await w.releasedOrder();
      const { euicc, privateKey } = craftedEuicc(pki);
      const f = await new Flow(t, euicc).authenticate(order.matchingId);
      const signedCancel = (transactionId: Buffer, smdpOid: string) => {
        const s = encodeEuiccCancelSessionSigned({ transactionId, smdpOid, reason: 0 });
        return encodeCancelSessionResponse({ ok: { euiccCancelSessionSigned: s, euiccCancelSessionSignature: signRaw(privateKey, s) } });
      };
      expect(codeOf(await f.cancelSessionRaw(signedCancel(f.txBytes, '2.999.77')))).toBe('8.8/3.10');
      expect(codeOf(await f.cancelSessionRaw(signedCancel(randomBytes(16), '2.999.10')))).toBe('8.10.1/3.9');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
    });

    it('unknown transactionId → 8.10.1/3.9', async () => {
      const { euicc } = w.device('nist-1');
      const f = await new Flow(t, euicc).authenticate((await w.releasedOrder()).matchingId);
      const bf41 = euicc.cancelSession(f.txBytes, 1);
      expect(codeOf(await f.cancelSessionRaw(bf41, randomBytes(16).toString('hex')))).toBe('8.10.1/3.9');
      expect(codeOf(await f.cancelSessionRaw(bf41, 'xyz'))).toBe('8.10.1/3.9');
    });
  });
});
