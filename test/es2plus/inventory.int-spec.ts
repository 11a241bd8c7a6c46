/**
 * Inventory and ES2+ against the database (PGlite, or PostgreSQL when DATABASE_URL is set): import of the
 * TS.48 packages, the profile state machine with its codes, every ES2+ error path, operator isolation and the
 * service API of the ES9+ download flow.
 */
import { createHash } from 'node:crypto';
import { createTestDataSource, TestDataSource, truncateAll } from '../support/database';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALLOCATE_SQL } from '../../src/inventory/orders.service';
import { demoIccid, seedDemo } from '../../src/inventory/seed';
import { inspectProfilePackage, personaliseIccid } from '../../src/inventory/profile-package';
import { codeOf, EID1, EID2, iccid, seedProfiles, services, Services, ts48, TS48_FILES } from './helpers';

let db: TestDataSource;
let s: Services;
let opA: string;
let opB: string;
const A = () => ({ operatorId: opA, actor: 'es2plus:alpha', functionCallIdentifier: 'fc-1' });
const B = () => ({ operatorId: opB, actor: 'es2plus:beta' });

beforeAll(async () => {
  db = await createTestDataSource();
  s = services(db.dataSource);
});
afterAll(() => db?.close());
beforeEach(async () => {
  await truncateAll(db.dataSource);
  opA = (await s.operators.createOperator('alpha')).operator.id;
  opB = (await s.operators.createOperator('beta')).operator.id;
});

describe('profile import', () => {
  it('imports the four TS.48 packages: the first is stored, the other three share its ICCID and are refused as duplicates', async () => {
    const results = await s.inventory.importProfiles(
      opA,
      TS48_FILES.map((name, i) => ({ name, der: ts48(i) })),
    );
    expect(results[0]).toMatchObject({ ok: true, iccid: '89000123456789012341', profileType: 'GSMA Generic eUICC Test Profile', majorVersion: 2, minorVersion: 3 });
    for (const r of results.slice(1)) {
      expect(r).toMatchObject({ ok: false, code: '8.2.1/3.3' });
      expect(r.ok === false && r.error).toMatch(/^Duplicate ICCID 89000123456789012341/);
    }
  });

  it('stores the package encrypted (AES-GCM) and gives it back byte for byte', async () => {
    const der = ts48(0);
    const r = await s.inventory.importProfile(opA, der);
    const [row] = await db.dataSource.query(`SELECT package_ciphertext, package_sha256 FROM profiles WHERE id = $1`, [r.profileId]);
    const ct = Buffer.from(row.package_ciphertext);
    expect(ct.length).toBe(der.length);
    expect(ct.equals(der)).toBe(false);
    expect(ct.indexOf(der.subarray(0, 64))).toBe(-1);
    expect(Buffer.from(row.package_sha256).equals(createHash('sha256').update(der).digest())).toBe(true);
    expect((await s.inventory.getProfilePackage(r.profileId)).equals(der)).toBe(true);
  });

  it('refuses malformed packages with a clear message', async () => {
    const der = ts48(0);
    expect(await codeOf(s.inventory.importProfile(opA, der.subarray(0, der.length - 3)))).toBe('1.6/2.1');
    await expect(s.inventory.importProfile(opA, der.subarray(0, der.length - 3))).rejects.toThrow(/^Malformed profile package: .*truncated/);
    // The end element removed: the package no longer ends with PE-End.
    const end = der.subarray(der.length - 9);
    expect(end.toString('hex')).toBe('aa07a005800081011f'); // PE-End {end-header {mandated, identification 31}}
    await expect(s.inventory.importProfile(opA, der.subarray(0, der.length - 9))).rejects.toThrow(/^Malformed profile package: the end ProfileElement is missing/);
    await expect(s.inventory.importProfile(opA, Buffer.concat([end, der]))).rejects.toThrow(/^Malformed profile package: the first ProfileElement must be the header/);
    await expect(s.inventory.importProfile(opA, Buffer.alloc(0))).rejects.toThrow(/^Malformed profile package: profile package is empty$/);
  });

  it('personalises the TS.48 template with a new ICCID (header and EF.ICCID)', () => {
    const out = personaliseIccid(ts48(2), '89440000000000000016');
    expect(inspectProfilePackage(out).iccid).toBe('89440000000000000016');
    expect(out.includes(Buffer.from('98440000000000000061', 'hex'))).toBe(true);
    expect(out.includes(Buffer.from('98001032547698103214', 'hex'))).toBe(false);
    expect(out.length).toBe(ts48(2).length);
  });
});

describe('ES2+ state machine', () => {
  it('AC use case: DownloadOrder (no EID) → Allocated → ConfirmOrder(releaseFlag=false) → Confirmed → ReleaseProfile → Released', async () => {
    const [i1] = await seedProfiles(s, opA, 2);
    expect(await s.orders.downloadOrder(A(), { profileType: 'gold' })).toEqual({ iccid: i1 });
    expect((await s.inventory.getProfile(opA, i1)).state).toBe('Allocated');
    const c = await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: false, confirmationCode: '1234' });
    expect(c.matchingId).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);
    expect(c.smdpAddress).toBe('smdp.test');
    expect(c.activationCode).toBe(`1$smdp.test$${c.matchingId}$$1`);
    expect(c.eid).toBeUndefined();
    expect((await s.inventory.getProfile(opA, i1)).state).toBe('Confirmed');
    await s.orders.releaseProfile(A(), { iccid: i1 });
    const view = await s.inventory.getProfile(opA, i1);
    expect(view.state).toBe('Released');
    expect(view.order).toMatchObject({ matchingId: c.matchingId, confirmationCodeRequired: true, state: 'Released' });
    expect(view.events.map((e) => [e.from ?? null, e.to, e.actor])).toEqual([
      [null, 'Available', 'import'],
      ['Available', 'Allocated', 'es2plus:alpha'],
      ['Allocated', 'Confirmed', 'es2plus:alpha'],
      ['Confirmed', 'Released', 'es2plus:alpha'],
    ]);
    // Only the hash of the confirmation code is stored.
    const [o] = await db.dataSource.query(`SELECT cc_hash FROM orders WHERE matching_id = $1`, [c.matchingId]);
    expect(Buffer.from(o.cc_hash).toString('hex')).toBe(createHash('sha256').update('1234').digest('hex'));
  });

  it('EID use case: DownloadOrder(EID, ICCID) → Linked → ConfirmOrder(releaseFlag=true, operator MatchingID) → Released', async () => {
    const [, i2] = await seedProfiles(s, opA, 2);
    await s.orders.downloadOrder(A(), { iccid: i2, eid: EID1, profileType: 'gold' });
    expect((await s.inventory.getProfile(opA, i2)).state).toBe('Linked');
    const c = await s.orders.confirmOrder(A(), { iccid: i2, releaseFlag: true, matchingId: 'ABC-123' });
    expect(c).toEqual({ eid: EID1, matchingId: 'ABC-123', smdpAddress: 'smdp.test', activationCode: '1$smdp.test$ABC-123' });
    expect((await s.inventory.getProfile(opA, i2)).state).toBe('Released');
  });

  it('default SM-DP+ use case: zero-length MatchingID needs an EID (8.1.1/2.2), then the EID finds the order', async () => {
    const [i1, i2] = await seedProfiles(s, opA, 2);
    await s.orders.downloadOrder(A(), { iccid: i1 });
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, matchingId: '' }))).toBe('8.1.1/2.2');
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, smdsAddress: 'smds.example.com' }))).toBe('8.1.1/2.2');
    const c = await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, matchingId: '', eid: EID2 });
    expect(c).toEqual({ eid: EID2, matchingId: '', smdpAddress: 'smdp.test', activationCode: undefined });
    const cand = await s.downloads.findOrderForDownload({ eid: EID2 });
    expect(cand).toMatchObject({ iccid: i1, eid: EID2, matchingId: undefined, profileType: 'gold', state: 'Released' });
    expect(await codeOf(s.downloads.findOrderForDownload({ eid: EID1 }))).toBe('8.1.1/3.8');
    expect(await codeOf(s.downloads.findOrderForDownload({ eid: EID2, matchingId: '' }))).toBe('ok');
    void i2;
  });

  it('CancelOrder returns the profile to Available or Unavailable, and the ICCID can be ordered again', async () => {
    const [i1, i2] = await seedProfiles(s, opA, 2);
    await s.orders.downloadOrder(A(), { iccid: i1, eid: EID1 });
    await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true });
    await s.orders.cancelOrder(A(), { iccid: i1, finalProfileStatusIndicator: 'Available' });
    expect((await s.inventory.getProfile(opA, i1)).state).toBe('Available');
    expect((await s.inventory.getProfile(opA, i1)).order).toBeUndefined();
    expect(await s.orders.downloadOrder(A(), { iccid: i1 })).toEqual({ iccid: i1 });
    await s.orders.downloadOrder(A(), { iccid: i2 });
    await s.orders.cancelOrder(A(), { iccid: i2, finalProfileStatusIndicator: 'Unavailable' });
    expect((await s.inventory.getProfile(opA, i2)).state).toBe('Unavailable');
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: i2 }))).toBe('8.2.1/3.3');
  });
});

describe('ES2+ error paths (digest §3.3)', () => {
  it('DownloadOrder', async () => {
    const [i1] = await seedProfiles(s, opA, 1);
    await seedProfiles(s, opB, 1, { profileType: 'silver', start: 100 });
    expect(await codeOf(s.orders.downloadOrder(A(), {}))).toBe('1.6/2.3');
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: '123' }))).toBe('1.6/2.1');
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: i1, eid: '1234' }))).toBe('8.1.1/2.1');
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: iccid(999) }))).toBe('8.2.1/3.9');
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: iccid(100) }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: i1, profileType: 'silver' }))).toBe('8.2.5/3.8');
    expect(await codeOf(s.orders.downloadOrder(A(), { profileType: 'platinum' }))).toBe('8.2.5/3.9');
    expect(await codeOf(s.orders.downloadOrder(A(), { profileType: 'silver' }))).toBe('8.2.5/1.2');
    expect(await s.orders.downloadOrder(A(), { profileType: 'gold' })).toEqual({ iccid: i1 });
    expect(await codeOf(s.orders.downloadOrder(A(), { profileType: 'gold' }))).toBe('8.2.5/3.7');
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: i1 }))).toBe('8.2.1/3.3');
    // A trailing F (padding) is accepted.
    expect(await codeOf(s.orders.downloadOrder(A(), { iccid: i1 + 'F' }))).toBe('8.2.1/3.3');
  });

  it('ConfirmOrder', async () => {
    const [i1, i2, i3] = await seedProfiles(s, opA, 3);
    const [b1] = await seedProfiles(s, opB, 1, { start: 100 });
    expect(await codeOf(s.orders.confirmOrder(A(), { releaseFlag: true } as never))).toBe('8.2.1/2.2');
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i1 } as never))).toBe('1.6/2.2');
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: iccid(999), releaseFlag: true }))).toBe('8.2.1/3.9');
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: b1, releaseFlag: true }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true }))).toBe('8.2.1/3.5'); // Available
    await s.orders.downloadOrder(A(), { iccid: i1, eid: EID1 });
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, eid: EID2 }))).toBe('8.1.1/3.10');
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, matchingId: 'abc' }))).toBe('8.2.6/2.1');
    await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, matchingId: 'SAME-ID' });
    await s.orders.downloadOrder(A(), { iccid: i2 });
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i2, releaseFlag: true, matchingId: 'SAME-ID' }))).toBe('8.2.6/3.3');
    expect((await s.inventory.getProfile(opA, i2)).state).toBe('Allocated'); // rolled back
    expect(await codeOf(s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true }))).toBe('8.2.1/3.5'); // already Released
    void i3;
  });

  it('CancelOrder', async () => {
    const [i1] = await seedProfiles(s, opA, 1);
    const [b1] = await seedProfiles(s, opB, 1, { start: 100 });
    expect(await codeOf(s.orders.cancelOrder(A(), { finalProfileStatusIndicator: 'Available' } as never))).toBe('8.2.1/2.2');
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: i1 } as never))).toBe('8.2.1/2.2');
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: i1, finalProfileStatusIndicator: 'Gone' as never }))).toBe('1.6/2.1');
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: iccid(999), finalProfileStatusIndicator: 'Available' }))).toBe('8.2.1/3.9');
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: b1, finalProfileStatusIndicator: 'Available' }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: i1, finalProfileStatusIndicator: 'Available' }))).toBe('8.2.1/3.5');
    await s.orders.downloadOrder(A(), { iccid: i1, eid: EID1 });
    await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, matchingId: 'M-1' });
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: i1, eid: EID2, finalProfileStatusIndicator: 'Available' }))).toBe('8.1.1/3.10');
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: i1, matchingId: 'M-2', finalProfileStatusIndicator: 'Available' }))).toBe('8.2.6/3.10');
    expect(await codeOf(s.orders.cancelOrder(A(), { iccid: i1, eid: EID1, matchingId: 'M-1', finalProfileStatusIndicator: 'Available' }))).toBe('ok');
  });

  it('ReleaseProfile', async () => {
    const [i1] = await seedProfiles(s, opA, 1);
    const [b1] = await seedProfiles(s, opB, 1, { start: 100 });
    expect(await codeOf(s.orders.releaseProfile(A(), {} as never))).toBe('8.2.1/2.2');
    expect(await codeOf(s.orders.releaseProfile(A(), { iccid: iccid(999) }))).toBe('8.2.1/3.9');
    expect(await codeOf(s.orders.releaseProfile(A(), { iccid: b1 }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.releaseProfile(A(), { iccid: i1 }))).toBe('8.2.1/3.5'); // Available
    await s.orders.downloadOrder(A(), { iccid: i1 });
    expect(await codeOf(s.orders.releaseProfile(A(), { iccid: i1 }))).toBe('8.2.1/3.5'); // Allocated
    await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: false });
    expect(await codeOf(s.orders.releaseProfile(A(), { iccid: i1 }))).toBe('ok');
    expect(await codeOf(s.orders.releaseProfile(A(), { iccid: i1 }))).toBe('8.2.1/3.5'); // Released
  });
});

describe('indexes (the benchmark holds 10^7 profiles)', () => {
  it('allocation keeps to the partial index after most profiles were allocated (statistics from when all were Available)', async () => {
    // 3,000 Available profiles (only their rows and index entries matter), then statistics.
    await db.dataSource.query(
      `INSERT INTO profiles (operator_id, iccid, profile_type, package_ciphertext, package_iv, package_tag, package_sha256, package_size)
       SELECT $1, '8988277' || lpad(g::text, 13, '0'), 'gold', '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, 1
         FROM generate_series(1, 3000) AS g`,
      [opA],
    );
    await db.dataSource.query('ANALYZE profiles');
    // The oldest 2,900 go (as allocation takes them), without new statistics: walking the primary key would now
    // pass over all of them first.
    await db.dataSource.query(
      `UPDATE profiles SET state = 'Allocated' WHERE id IN (SELECT id FROM profiles WHERE iccid LIKE '8988277%' ORDER BY id LIMIT 2900)`,
    );
    const plan = await db.dataSource.transaction(async (m) => {
      const rows = await m.query(`EXPLAIN ${ALLOCATE_SQL}`, [opA, 'gold']);
      return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('profiles_available_idx');
    expect(plan).not.toMatch(/\bSort\b|profiles_pkey|Seq Scan/);
  });

  it('allocation by profile type walks the partial index of Available profiles in id order: no sort, no scan', async () => {
    await seedProfiles(s, opA, 3);
    const plan = await db.dataSource.transaction(async (m) => {
      await m.query('SET LOCAL enable_seqscan = off');
      const rows = await m.query(`EXPLAIN ${ALLOCATE_SQL}`, [opA, 'gold']);
      return rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('profiles_available_idx');
    expect(plan).not.toMatch(/\bSort\b/);
  });
});

describe('operator isolation', () => {
  it('operator B can neither see nor change operator A’s profiles and orders (8.2.1/1.2)', async () => {
    const [a1] = await seedProfiles(s, opA, 1);
    await s.orders.downloadOrder(A(), { iccid: a1 });
    const c = await s.orders.confirmOrder(A(), { iccid: a1, releaseFlag: false });
    expect(await codeOf(s.inventory.getProfile(opB, a1))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.downloadOrder(B(), { iccid: a1 }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.confirmOrder(B(), { iccid: a1, releaseFlag: true }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.releaseProfile(B(), { iccid: a1 }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.cancelOrder(B(), { iccid: a1, finalProfileStatusIndicator: 'Available' }))).toBe('8.2.1/1.2');
    expect(await codeOf(s.orders.orderByMatchingId(opB, c.matchingId))).toBe('8.2.6/3.9');
    expect(await codeOf(s.orders.downloadOrder(B(), { profileType: 'gold' }))).toBe('8.2.5/1.2');
    expect((await s.inventory.getProfile(opA, a1)).state).toBe('Confirmed');
    expect((await s.orders.orderByMatchingId(opA, c.matchingId)).iccid).toBe(a1);
  });
});

describe('download flow service API (ES9+)', () => {
  async function released(opts: { cc?: string; eid?: string } = {}) {
    const [i1] = await seedProfiles(s, opA, 1, { start: Math.floor(Math.random() * 1e6) });
    await s.orders.downloadOrder(A(), { iccid: i1, eid: opts.eid });
    const c = await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: true, confirmationCode: opts.cc });
    return { iccid: i1, matchingId: c.matchingId };
  }

  it('finds the order by MatchingID with metadata, counts attempts, binds the EID, walks to Installed', async () => {
    await s.inventory.setProfileTypeMetadata(opA, 'gold', { serviceProviderName: 'Alpha Mobile', profileName: 'Gold', profileClass: 'operational', pprIds: ['ppr2'], iconType: 'png', icon: Buffer.from('89504e47', 'hex') });
    const { iccid: i1, matchingId } = await released({ cc: 'secret' });
    const cand = await s.downloads.findOrderForDownload({ matchingId, eid: EID1 });
    expect(cand).toMatchObject({
      iccid: i1,
      matchingId,
      operatorId: opA,
      profileType: 'gold',
      state: 'Released',
      downloadAttempts: 0,
      metadata: { serviceProviderName: 'Alpha Mobile', profileName: 'Gold', profileClass: 'operational', pprIds: ['ppr2'], iconType: 'png' },
    });
    expect(cand.ccHash!.toString('hex')).toBe(createHash('sha256').update('secret').digest('hex'));
    expect(cand.packageSize).toBe(ts48(2).length);
    expect(await s.downloads.beginDownloadAttempt(cand.orderId, EID1)).toEqual({ downloadAttempts: 1 });
    expect(await codeOf(s.downloads.findOrderForDownload({ matchingId, eid: EID2 }))).toBe('8.1.1/3.8');
    expect(await codeOf(s.downloads.beginDownloadAttempt(cand.orderId, EID2))).toBe('8.1.1/3.8');
    expect((await s.downloads.getProfilePackage(cand.profileId)).equals(await s.inventory.getProfilePackage(cand.profileId))).toBe(true);
    await s.downloads.markDownloaded(cand.orderId);
    // Downloaded: only the same eUICC may come back for a lost package (a new binding, SGP.22 §5.6.2).
    expect((await s.downloads.findOrderForDownload({ matchingId, eid: EID1 })).state).toBe('Downloaded');
    expect(await codeOf(s.downloads.findOrderForDownload({ matchingId, eid: EID2 }))).toBe('8.1.1/3.8');
    await s.downloads.markInstalled(cand.orderId, Buffer.from('BF27', 'hex'));
    const view = await s.inventory.getProfile(opA, i1);
    expect(view.state).toBe('Installed');
    expect(view.events.slice(-3).map((e) => [e.from, e.to, e.actor])).toEqual([
      ['Released', 'Released', 'es9plus'],
      ['Released', 'Downloaded', 'es9plus'],
      ['Downloaded', 'Installed', 'es9plus'],
    ]);
    expect(view.events.slice(-3).map((e) => e.detail)).toEqual([
      { downloadAttempt: 1, eid: EID1, eidBound: true },
      {},
      { resultData: Buffer.from('BF27', 'hex').toString('base64') },
    ]);
    await s.downloads.applyProfileNotification({ iccid: i1, eid: EID1, event: 'disable', seqNumber: 3 });
    expect((await s.inventory.getProfile(opA, i1)).state).toBe('Installed');
    await s.downloads.applyProfileNotification({ iccid: i1, eid: EID1, event: 'delete', seqNumber: 4 });
    expect((await s.inventory.getProfile(opA, i1)).state).toBe('Unavailable');
    await s.downloads.applyProfileNotification({ iccid: '89000000000000000000', eid: EID1, event: 'delete' }); // ignored
    expect(await codeOf(s.downloads.markDownloaded(cand.orderId))).toBe('8.2.1/3.5');
  });

  it('refuses unknown MatchingIDs, unreleased, expired and exhausted orders with their codes', async () => {
    expect(await codeOf(s.downloads.findOrderForDownload({ matchingId: 'NOPE', eid: EID1 }))).toBe('8.2.6/3.8');
    const [i1] = await seedProfiles(s, opA, 1, { start: 500 });
    await s.orders.downloadOrder(A(), { iccid: i1 });
    const c = await s.orders.confirmOrder(A(), { iccid: i1, releaseFlag: false });
    expect(await codeOf(s.downloads.findOrderForDownload({ matchingId: c.matchingId, eid: EID1 }))).toBe('8.2/1.2');
    await s.orders.releaseProfile(A(), { iccid: i1 });
    await db.dataSource.query(`UPDATE orders SET expires_at = now() - interval '1 second' WHERE matching_id = $1`, [c.matchingId]);
    expect(await codeOf(s.downloads.findOrderForDownload({ matchingId: c.matchingId, eid: EID1 }))).toBe('8.8.5/4.10');
    await db.dataSource.query(`UPDATE orders SET expires_at = now() + interval '1 hour' WHERE matching_id = $1`, [c.matchingId]);
    const cand = await s.downloads.findOrderForDownload({ matchingId: c.matchingId, eid: EID1 });
    for (let n = 0; n < s.policy.maxDownloadAttempts; n++) await s.downloads.beginDownloadAttempt(cand.orderId, EID1);
    expect(await codeOf(s.downloads.beginDownloadAttempt(cand.orderId, EID1))).toBe('8.8.5/6.4');
    expect(await codeOf(s.downloads.findOrderForDownload({ matchingId: c.matchingId, eid: EID1 }))).toBe('8.8.5/6.4');
  });

  it('Confirmation Code attempts: the last allowed mismatch fails the order with 8.2.7/6.4', async () => {
    const { iccid: i1, matchingId } = await released({ cc: '0000' });
    const cand = await s.downloads.findOrderForDownload({ matchingId, eid: EID1 });
    expect(await s.downloads.checkConfirmationCode(cand.orderId, false)).toEqual({ ccAttempts: 1, remaining: 2 });
    expect(await s.downloads.checkConfirmationCode(cand.orderId, true)).toEqual({ ccAttempts: 1, remaining: 2 });
    expect(await s.downloads.checkConfirmationCode(cand.orderId, false)).toEqual({ ccAttempts: 2, remaining: 1 });
    expect(await codeOf(s.downloads.checkConfirmationCode(cand.orderId, false))).toBe('8.2.7/6.4');
    expect((await s.inventory.getProfile(opA, i1)).state).toBe('Error');
    expect(await codeOf(s.downloads.checkConfirmationCode(cand.orderId, true))).toBe('8.2.7/6.4');
    // The operator can put the profile back.
    await s.orders.cancelOrder(A(), { iccid: i1, finalProfileStatusIndicator: 'Available' });
    expect((await s.inventory.getProfile(opA, i1)).state).toBe('Available');
  });

  it('installation failure: Error by default, back to Released under the release policy; CancelSession', async () => {
    const a = await released();
    const ca = await s.downloads.findOrderForDownload({ matchingId: a.matchingId, eid: EID1 });
    await s.downloads.markDownloaded(ca.orderId);
    expect(await s.downloads.markInstallationFailed(ca.orderId, { bppCommandId: 5, errorReason: 12 })).toBe('Error');
    const lenient = services(db.dataSource, { installFailure: 'release' });
    const b = await released();
    const cb = await s.downloads.findOrderForDownload({ matchingId: b.matchingId, eid: EID1 });
    await s.downloads.markDownloaded(cb.orderId);
    expect(await lenient.downloads.markInstallationFailed(cb.orderId, { errorReason: 11 })).toBe('Released');
    expect(await s.downloads.cancelDownload(cb.orderId, 1)).toBe('Released'); // postponed
    expect(await s.downloads.cancelDownload(cb.orderId, 0)).toBe('Error'); // endUserRejection
  });

  it('stores the protected profile package encrypted and returns it', async () => {
    const { matchingId } = await released();
    const cand = await s.downloads.findOrderForDownload({ matchingId, eid: EID1 });
    expect(await s.downloads.getProtectedProfile(cand.profileId)).toBeUndefined();
    const p = {
      ppk: { ppkEnc: Buffer.alloc(16, 1), ppkCmac: Buffer.alloc(16, 2), initialMacChainingValue: Buffer.alloc(16, 3) },
      segments: [Buffer.from('86020102', 'hex'), Buffer.alloc(0), Buffer.alloc(1000, 9)],
    };
    await s.downloads.storeProtectedProfile(cand.profileId, p);
    expect(await s.downloads.getProtectedProfile(cand.profileId)).toEqual(p);
    const [row] = await db.dataSource.query(`SELECT ppk_keys_ciphertext FROM profiles WHERE id = $1`, [cand.profileId]);
    expect(Buffer.from(row.ppk_keys_ciphertext).includes(Buffer.alloc(16, 1))).toBe(false);
  });
});

describe('demo seed (first run)', () => {
  it('creates the demo operator, 10 profiles and a released order once; later runs print the same code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seed-'));
    const lines: string[] = [];
    const deps = { ...s, certsDir: join(dir, 'certs'), dataDir: join(dir, 'data'), log: (l: string) => lines.push(l) };
    const first = await seedDemo(deps);
    expect(first).toMatchObject({ createdOperator: true, imported: 10 });
    expect(first.activationCode).toBe(`1$smdp.test$${first.matchingId}`);
    expect(readFileSync(join(dir, 'data', 'demo-operator', 'api-key.txt'), 'utf8')).toMatch(/^smdp_/);
    expect(lines.some((l) => l.includes(`LPA:1$smdp.test$${first.matchingId}`))).toBe(true);
    expect((await s.inventory.getProfile(first.operatorId, demoIccid(1))).state).toBe('Released');
    const second = await seedDemo(deps);
    expect(second).toEqual({ ...first, createdOperator: false, imported: 0 });
    expect(await s.inventory.countProfiles(first.operatorId)).toBe(10);
  });
});
