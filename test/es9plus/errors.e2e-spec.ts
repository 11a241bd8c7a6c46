/**
 * ES9+ error cases of InitiateAuthentication (SGP.22 §5.6.1) and AuthenticateClient (§5.6.3) over real HTTPS:
 * each asserts the exact subject/reason code in an HTTP 200 `Failed` answer (digest §2.1–§2.2, SGP.23-style
 * checklist) and, where an order is involved, that nothing was lost — the profile still downloads afterwards.
 */
import { randomBytes } from 'node:crypto';
import { encodeEUICCInfo1 } from '../../src/asn1/rsp';
import { generateKeyPair, issueCi, makeEid } from '../../src/pki/dev-pki';
import { startTestApp, TestApp } from '../support/app';
import {
  codeOf,
  craftedEuicc,
  craftedEum,
  devIssuers,
  DevIssuers,
  failCode,
  flip,
  Flow,
  okOf,
  post,
  resignedBf38,
  tamperEuiccSignature1,
} from './attack';
import { es9World, Es9World, profileState, progressPoints } from './support';

const DAY = 86400_000;
const past = () => ({ notBefore: new Date(Date.now() - 900 * DAY), notAfter: new Date(Date.now() - DAY) });
const b64 = (b: Buffer) => b.toString('base64');

describe('ES9+ error cases: InitiateAuthentication and AuthenticateClient (SGP.22 §5.6.1, §5.6.3)', () => {
  let t: TestApp;
  let w: Es9World;
  let pki: DevIssuers;
  let nistSki: Buffer;
  let brpSki: Buffer;

  beforeAll(async () => {
    t = await startTestApp();
    w = await es9World(t);
    pki = devIssuers(t.certsDir);
    nistSki = pki.nist.ci.cert.subjectKeyIdentifier!;
    brpSki = pki.brp.ci.cert.subjectKeyIdentifier!;
    await w.inventory.setProfileTypeMetadata(w.operatorId, 'ts48-ppr1', {
      serviceProviderName: 'GSMA Test',
      profileName: 'TS.48 with PPR1',
      profileClass: 'operational',
      pprIds: ['ppr1'],
    });
  });
  afterAll(() => t?.close());

  /** The profile is still there for the right eUICC: a full download succeeds and it ends Installed. */
  async function stillDownloadable(order: { activationCode: string; iccid: string }, device = 'nist-1'): Promise<void> {
    const r = await w.device(device).lpa.download(order.activationCode);
    expect(r.success).toBe(true);
    expect(await profileState(w.db, order.iccid)).toBe('Installed');
  }

  const info1 = (svn: string, verification: Buffer[], signing: Buffer[]) =>
    encodeEUICCInfo1({ svn, euiccCiPKIdListForVerification: verification, euiccCiPKIdListForSigning: signing });

  describe('InitiateAuthentication (SGP.22 §5.6.1)', () => {
    const call = (body: Record<string, unknown>) => failCode(t, 'initiateAuthentication', body);
    const valid = () => ({ euiccChallenge: b64(randomBytes(16)), euiccInfo1: b64(info1('2.2.0', [nistSki], [nistSki])), smdpAddress: 'localhost' });

    it('another SM-DP+ address → 8.8.1/3.8', async () => {
      expect(await call({ ...valid(), smdpAddress: 'smdp.example.com' })).toBe('8.8.1/3.8');
      expect(await call({ ...valid(), smdpAddress: 'localhost.evil' })).toBe('8.8.1/3.8');
      expect(await call({ ...valid(), smdpAddress: '' })).toBe('8.8.1/3.8');
    });

    it('the address is compared case-insensitively (FQDN)', async () => {
      const r = okOf(await post(t, 'initiateAuthentication', { ...valid(), smdpAddress: 'LocalHost' }));
      expect(r.transactionId).toMatch(/^[0-9A-F]{32}$/);
    });

    it.each(['1.0.0', '1.9.9', '9.0.0', '4.0.0'])('unsupported SVN %s → 8.8.3/3.1', async (svn) => {
      expect(await call({ ...valid(), euiccInfo1: b64(info1(svn, [nistSki], [nistSki])) })).toBe('8.8.3/3.1');
    });

    it('no supported CI in euiccCiPKIdListForSigning → 8.8.2/3.1', async () => {
      expect(await call({ ...valid(), euiccInfo1: b64(info1('2.2.0', [nistSki, brpSki], [randomBytes(20)])) })).toBe('8.8.2/3.1');
      expect(await call({ ...valid(), euiccInfo1: b64(info1('2.2.0', [nistSki], [])) })).toBe('8.8.2/3.1');
    });

    it('no CERT.DPauth under any CI of euiccCiPKIdListForVerification → 8.8.4/3.7', async () => {
      expect(await call({ ...valid(), euiccInfo1: b64(info1('2.2.0', [randomBytes(20)], [nistSki])) })).toBe('8.8.4/3.7');
      expect(await call({ ...valid(), euiccInfo1: b64(info1('2.2.0', [], [nistSki])) })).toBe('8.8.4/3.7');
    });

    it('picks the CI of the signing list and answers its SKI as 04 14 … (euiccCiPKIdToBeUsed)', async () => {
      const r = okOf(await post(t, 'initiateAuthentication', { ...valid(), euiccInfo1: b64(info1('2.2.0', [nistSki, brpSki], [brpSki])) }));
      expect(Buffer.from(r.euiccCiPKIdToBeUsed, 'base64').toString('hex')).toBe(`0414${brpSki.toString('hex')}`);
    });

    it('tolerates an APDU status word after the EUICCInfo1 TLV (digest §2.1 check 2)', async () => {
      const bytes = Buffer.concat([info1('2.2.0', [nistSki], [nistSki]), Buffer.from('9000', 'hex')]);
      okOf(await post(t, 'initiateAuthentication', { ...valid(), euiccInfo1: b64(bytes) }));
    });

    it.each([
      ['euiccChallenge of 15 bytes', { euiccChallenge: b64(randomBytes(15)) }],
      ['euiccChallenge of 17 bytes', { euiccChallenge: b64(randomBytes(17)) }],
      ['euiccChallenge not base64', { euiccChallenge: '!!not-base64!!' }],
      ['euiccChallenge a number', { euiccChallenge: 12345 }],
      ['euiccInfo1 not ASN.1', { euiccInfo1: b64(Buffer.from('hello world')) }],
      ['euiccInfo1 another tag (BF22)', { euiccInfo1: b64(Buffer.from('bf2200', 'hex')) }],
      ['euiccInfo1 truncated', { euiccInfo1: b64(info1('2.2.0', [Buffer.alloc(20, 7)], [Buffer.alloc(20, 7)]).subarray(0, 20)) }],
      ['euiccInfo1 absurd length', { euiccInfo1: b64(Buffer.from('bf2084ffffffff820302', 'hex')) }],
      ['euiccInfo1 without svn', { euiccInfo1: b64(Buffer.from('bf2004a900aa00', 'hex')) }],
      ['euiccInfo1 empty base64', { euiccInfo1: '' }],
      ['smdpAddress an object', { smdpAddress: { host: 'localhost' } }],
    ])('%s → 1.6/2.1', async (_name, change) => {
      expect(await call({ ...valid(), ...change })).toBe('1.6/2.1');
    });

    it.each(['euiccChallenge', 'euiccInfo1', 'smdpAddress'])('missing %s → 1.6/2.2', async (field) => {
      const body: Record<string, unknown> = valid();
      delete body[field];
      expect(await call(body)).toBe('1.6/2.2');
      expect(await call({ ...valid(), [field]: null })).toBe('1.6/2.2');
    });
  });

  describe('AuthenticateClient: session and signature (SGP.22 §5.6.3)', () => {
    it('unknown transactionId → 8.10.1/3.9 (also a malformed one)', async () => {
      const f = await new Flow(t, w.device('nist-1').euicc).initiate();
      const bf38 = f.authenticateServer('ANYTHING');
      for (const tx of [randomBytes(16).toString('hex'), 'zz', '', '0'.repeat(34), f.txId + '00', f.txId.slice(0, 30)]) {
        expect(codeOf(await f.authenticateClientRaw(bf38, tx))).toBe('8.10.1/3.9');
      }
    });

    it('a known transactionId in mixed case is the same transaction; replaying the same response → 8.10.1/3.9', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).initiate();
      const bf38 = f.authenticateServer(order.matchingId);
      const mixed = f.txId
        .split('')
        .map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase()))
        .join('');
      const r = okOf(await f.authenticateClientRaw(bf38, mixed));
      expect(r.transactionId.toUpperCase()).toBe(f.txId.toUpperCase());
      // Second AuthenticateClient with the same authenticateServerResponse: the serverChallenge is used once.
      expect(codeOf(await f.authenticateClientRaw(bf38))).toBe('8.10.1/3.9');
      expect(codeOf(await f.authenticateClientRaw(bf38, f.txId.toLowerCase()))).toBe('8.10.1/3.9');
    });

    it('the same response replayed in parallel: one succeeds, the others 8.10.1/3.9, one download attempt counted', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).initiate();
      const bf38 = f.authenticateServer(order.matchingId);
      const results = await Promise.all([1, 2, 3, 4].map(() => f.authenticateClientRaw(bf38)));
      const outcomes = results.map((r) => (r.json?.header?.functionExecutionStatus?.status === 'Executed-Success' ? 'ok' : codeOf(r)));
      expect(outcomes.sort()).toEqual(['8.10.1/3.9', '8.10.1/3.9', '8.10.1/3.9', 'ok']);
      const [row] = await w.db.query(`SELECT download_attempts FROM orders WHERE iccid = $1`, [order.iccid]);
      expect(Number(row.download_attempts)).toBe(1);
    });

    it('an RSP session past its TTL → 8.10.1/3.9', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).initiate();
      const bf38 = f.authenticateServer(order.matchingId);
      await w.db.query(`UPDATE rsp_sessions SET expires_at = now() - interval '1 second' WHERE transaction_id = $1`, [f.txBytes]);
      expect(codeOf(await f.authenticateClientRaw(bf38))).toBe('8.10.1/3.9');
      await stillDownloadable(order);
    });

    it('tampered euiccSignature1 → 8.1/6.1; the order is untouched', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, w.device('nist-1').euicc).initiate();
      const bf38 = tamperEuiccSignature1(f.authenticateServer(order.matchingId));
      expect(codeOf(await f.authenticateClientRaw(bf38))).toBe('8.1/6.1');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      expect(await progressPoints(w.db, order.iccid)).toEqual([]);
      await stillDownloadable(order);
    });

    it('euiccSigned1 answering another serverChallenge (correctly signed by the eUICC) → 8.1/6.1', async () => {
      const order = await w.releasedOrder();
      const { euicc, identity } = craftedEuicc(pki);
      const f = await new Flow(t, euicc).initiate();
      const bf38 = resignedBf38(f.authenticateServer(order.matchingId), identity.privateKey, { serverChallenge: randomBytes(16) });
      expect(codeOf(await f.authenticateClientRaw(bf38))).toBe('8.1/6.1');
      await stillDownloadable(order);
    });

    it('euiccSigned1 of another transaction (correctly signed) → 8.10.1/3.9', async () => {
      const { euicc, identity } = craftedEuicc(pki);
      const f = await new Flow(t, euicc).initiate();
      const bf38 = resignedBf38(f.authenticateServer('X'), identity.privateKey, { transactionId: randomBytes(16) });
      expect(codeOf(await f.authenticateClientRaw(bf38))).toBe('8.10.1/3.9');
    });

    it('authenticateResponseError from the eUICC (BF38 A1) → 8.1/6.1 and the session is over', async () => {
      const order = await w.releasedOrder();
      const { euicc } = w.device('nist-1');
      const f = await new Flow(t, euicc).initiate();
      // The eUICC refuses a serverSignature1 that does not verify: A1 invalidSignature(2).
      const a1 = euicc.authenticateServer({ ...f.ia, serverSignature1: flip(f.ia.serverSignature1, -1), ctxParams: { matchingId: order.matchingId } });
      expect(a1.subarray(0, 4).toString('hex')).toMatch(/^bf38..a1/);
      expect(codeOf(await f.authenticateClientRaw(a1))).toBe('8.1/6.1');
      // The eUICC would now accept the genuine signature, but the SM-DP+ has ended the session.
      const a0 = f.authenticateServer(order.matchingId);
      expect(codeOf(await f.authenticateClientRaw(a0))).toBe('8.10.1/3.9');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      await stillDownloadable(order);
    });
  });

  describe('AuthenticateClient: eUICC certificate chain (SGP.22 §5.6.3, §4.5.2)', () => {
    /** AuthenticateClient with a crafted eUICC for a fresh order; returns the code, then checks the order survived. */
    async function chainCode(euicc: ReturnType<typeof craftedEuicc>['euicc'], euiccInfo1?: Buffer): Promise<string> {
      const order = await w.releasedOrder();
      const f = await new Flow(t, euicc).initiate({ euiccInfo1 });
      const code = codeOf(await f.authenticateClientRaw(f.authenticateServer(order.matchingId)));
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      return code;
    }

    it('the crafted identities work when nothing is broken (control)', async () => {
      const order = await w.releasedOrder();
      const f = await new Flow(t, craftedEuicc(pki).euicc).authenticate(order.matchingId);
      expect(f.acr!.smdpCertificate.length).toBeGreaterThan(100);
    });

    it('EUM certificate expired → 8.1.2/6.3', async () => {
      const eum = craftedEum(pki, pki.nist.ci, past());
      expect(await chainCode(craftedEuicc(pki, { eum }).euicc)).toBe('8.1.2/6.3');
    });

    it('EUM certificate with a bad signature → 8.1.2/6.1', async () => {
      const eum = craftedEum(pki, pki.nist.ci, { signingKey: generateKeyPair('prime256v1').privateKey });
      expect(await chainCode(craftedEuicc(pki, { eum }).euicc)).toBe('8.1.2/6.1');
    });

    it('eUICC certificate expired → 8.1.3/6.3', async () => {
      expect(await chainCode(craftedEuicc(pki, { euicc: past() }).euicc)).toBe('8.1.3/6.3');
    });

    it('eUICC certificate with a bad signature → 8.1.3/6.1', async () => {
      const euicc = craftedEuicc(pki, { euicc: { signingKey: generateKeyPair('prime256v1').privateKey } }).euicc;
      expect(await chainCode(euicc)).toBe('8.1.3/6.1');
    });

    it('EID outside the EUM’s permitted range → 8.1.3/6.1', async () => {
      expect(await chainCode(craftedEuicc(pki, { eid: makeEid('89000000', 4242) }).euicc)).toBe('8.1.3/6.1');
    });

    it('EUM issued by an unknown CI → 8.11.1/3.9', async () => {
      const rogue = issueCi('prime256v1', { now: new Date(), name: 'Rogue CI' });
      const eum = craftedEum(pki, rogue);
      expect(await chainCode(craftedEuicc(pki, { eum }).euicc)).toBe('8.11.1/3.9');
    });

    it('EUM from a trusted CI other than euiccCiPKIdToBeUsed → 8.11.1/3.9', async () => {
      // A brainpool eUICC that (falsely) announces only the NIST CI for signing: the SM-DP+ picks NIST.
      const { euicc } = w.device('brp-1');
      expect(await chainCode(euicc, info1('2.2.0', [nistSki, brpSki], [nistSki]))).toBe('8.11.1/3.9');
    });
  });

  describe('AuthenticateClient: the order (SGP.22 §5.6.3, §3.1.2)', () => {
    async function acCode(matchingId: string | undefined, device = 'nist-1'): Promise<string> {
      const f = await new Flow(t, w.device(device).euicc).initiate();
      return codeOf(await f.authenticateClientRaw(f.authenticateServer(matchingId)));
    }

    it('unknown matchingId → 8.2.6/3.8', async () => {
      expect(await acCode('NO-SUCH-MATCHING-ID')).toBe('8.2.6/3.8');
    });

    it('no matchingId and no EID-linked order (default SM-DP+) → 8.1.1/3.8', async () => {
      expect(await acCode(undefined, 'nist-3')).toBe('8.1.1/3.8');
      expect(await acCode('', 'nist-3')).toBe('8.1.1/3.8');
    });

    it('order linked to another EID → 8.1.1/3.8; the linked eUICC still gets it', async () => {
      const other = w.device('nist-2').euicc.eid;
      const order = await w.releasedOrder({ eid: other });
      expect(await acCode(order.matchingId, 'nist-1')).toBe('8.1.1/3.8');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      await stillDownloadable(order, 'nist-2');
    });

    it('profile confirmed but not released → 8.2/1.2; after ES2+.ReleaseProfile it downloads', async () => {
      const { iccid } = await w.newProfile();
      await w.orders.downloadOrder(w.caller, { iccid });
      const c = await w.orders.confirmOrder(w.caller, { iccid, releaseFlag: false });
      expect(await profileState(w.db, iccid)).toBe('Confirmed');
      expect(await acCode(c.matchingId)).toBe('8.2/1.2');
      expect(await profileState(w.db, iccid)).toBe('Confirmed');
      await w.orders.releaseProfile(w.caller, { iccid });
      await stillDownloadable({ iccid, activationCode: `1$localhost$${c.matchingId}` });
    });

    it('expired download order → 8.8.5/4.10', async () => {
      const order = await w.releasedOrder();
      await w.db.query(`UPDATE orders SET expires_at = now() - interval '1 minute' WHERE iccid = $1`, [order.iccid]);
      expect(await acCode(order.matchingId)).toBe('8.8.5/4.10');
      expect(await profileState(w.db, order.iccid)).toBe('Released');
    });

    it('download attempts exhausted → 8.8.5/6.4 (each AuthenticateClient counts one)', async () => {
      const order = await w.releasedOrder();
      const max = t.config.maxDownloadAttempts;
      for (let i = 0; i < max; i++) await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
      expect(await acCode(order.matchingId)).toBe('8.8.5/6.4');
      const [row] = await w.db.query(`SELECT download_attempts FROM orders WHERE iccid = $1`, [order.iccid]);
      expect(Number(row.download_attempts)).toBe(max);
    });
  });

  describe('AuthenticateClient: eligibility (SGP.22 §5.6.3, §4.3)', () => {
    it('eUICC without testProfileSupport, test-class profile → 8.2.5/4.3, reported to the operator (point 1)', async () => {
      const order = await w.releasedOrder();
      const { euicc } = craftedEuicc(pki, { euiccInfo2: { rspCapability: ['additionalProfile'] } });
      const f = await new Flow(t, euicc).initiate();
      expect(codeOf(await f.authenticateClientRaw(f.authenticateServer(order.matchingId)))).toBe('8.2.5/4.3');
      expect(await progressPoints(w.db, order.iccid)).toEqual([[1, 'Failed']]);
      const [row] = await w.db.query(`SELECT download_attempts, eid FROM orders WHERE iccid = $1`, [order.iccid]);
      expect(Number(row.download_attempts)).toBe(0);
      expect(row.eid).toBeNull();
      await stillDownloadable(order);
    });

    it('eUICC that forbids a PPR the profile has → 8.2.5/4.3', async () => {
      const order = await w.releasedOrder({ profileType: 'ts48-ppr1' });
      const { euicc } = craftedEuicc(pki, { euiccInfo2: { forbiddenProfilePolicyRules: ['ppr1'] } });
      const f = await new Flow(t, euicc).initiate();
      expect(codeOf(await f.authenticateClientRaw(f.authenticateServer(order.matchingId)))).toBe('8.2.5/4.3');
      // An eUICC forbidding only ppr2 may take it.
      const ok = craftedEuicc(pki, { euiccInfo2: { forbiddenProfilePolicyRules: ['ppr2'] } });
      await new Flow(t, ok.euicc).authenticate(order.matchingId);
    });

    it('eUICC with too little free memory → 8.1/4.8', async () => {
      const order = await w.releasedOrder();
      // ETSI TS 102 226 extended card resource: 82 = free non-volatile memory, here 512 bytes.
      const { euicc } = craftedEuicc(pki, { euiccInfo2: { extCardResource: Buffer.from('8101008202020083020100', 'hex') } });
      const f = await new Flow(t, euicc).initiate();
      expect(codeOf(await f.authenticateClientRaw(f.authenticateServer(order.matchingId)))).toBe('8.1/4.8');
      await stillDownloadable(order);
    });
  });
});
