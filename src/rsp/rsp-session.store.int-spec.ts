/**
 * RspSessionStore: the copy each process keeps of the sessions it wrote (issue 6) never decides anything the
 * database does not — two stores on one database stand for two server processes (WORKERS, several instances).
 */
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDataSource, TestDataSource } from '../../test/support/database';
import { RspSession, RspSessionStore } from './rsp-session.store';

const NOW = () => new Date();
const later = (s: number) => new Date(Date.now() + s * 1000);

function session(): RspSession {
  return {
    transactionId: randomBytes(16),
    step: 'initiated',
    dpSet: 'nist',
    ciPkId: randomBytes(20),
    serverChallenge: randomBytes(16),
    euiccChallenge: randomBytes(16),
    ccRequired: false,
    expiresAt: later(300),
  };
}

const AUTHENTICATED: Partial<RspSession> = { step: 'authenticated', eid: '89049032123451234512345678901235', euiccPublicKey: Buffer.from('3059', 'hex'), orderId: 'o-1' };

/** Runs a claim on its own, as the state-change statements do; true when it moved the session. */
async function runClaim(db: DataSource, c: { sql(first: number, condition: string): string; params: unknown[] }): Promise<boolean> {
  const [r] = await db.query(`WITH c AS (${c.sql(1, 'TRUE')}) SELECT count(*)::int AS n FROM c`, c.params);
  return Number(r.n) === 1;
}

describe('RspSessionStore (two processes, one database)', () => {
  let t: TestDataSource;
  let a: RspSessionStore;
  let b: RspSessionStore;
  let queries: number;

  beforeAll(async () => {
    t = await createTestDataSource();
    const original = t.dataSource.query.bind(t.dataSource);
    t.dataSource.query = ((sql: string, params?: unknown[]) => {
      queries++;
      return original(sql, params);
    }) as DataSource['query'];
    a = new RspSessionStore(t.dataSource);
    b = new RspSessionStore(t.dataSource);
  }, 60_000);
  afterAll(() => t?.close());
  beforeEach(() => (queries = 0));

  it('the process that created a session reads it back without a round trip; another one reads the database', async () => {
    const s = session();
    await a.create(s);
    queries = 0;
    expect(await a.findRecent(s.transactionId, NOW(), ['initiated'])).toMatchObject({ step: 'initiated', serverChallenge: s.serverChallenge });
    expect(queries).toBe(0);
    expect(await b.findRecent(s.transactionId, NOW(), ['initiated'])).toMatchObject({ step: 'initiated', serverChallenge: s.serverChallenge });
    expect(queries).toBe(1);
  });

  it('a stale copy cannot authenticate a session twice: the claim is decided in the database', async () => {
    const s = session();
    await a.create(s);
    // Process B authenticates the session …
    expect(await runClaim(t.dataSource, b.claim(s.transactionId, ['initiated'], AUTHENTICATED, NOW()))).toBe(true);
    b.applied(s.transactionId, AUTHENTICATED);
    // … A still has its 'initiated' copy, but its claim finds nothing to move.
    expect((await a.findRecent(s.transactionId, NOW(), ['initiated']))?.step).toBe('initiated');
    expect(await runClaim(t.dataSource, a.claim(s.transactionId, ['initiated'], AUTHENTICATED, NOW()))).toBe(false);
  });

  it("a copy at another step is not used: HandleNotification on the process that only did InitiateAuthentication reads the database", async () => {
    const s = session();
    await a.create(s);
    expect(await runClaim(t.dataSource, b.claim(s.transactionId, ['initiated'], AUTHENTICATED, NOW()))).toBe(true);
    queries = 0;
    const found = await a.findRecent(s.transactionId, NOW(), ['authenticated', 'bound']);
    expect(queries).toBe(1);
    expect(found).toMatchObject({ step: 'authenticated', orderId: 'o-1', eid: AUTHENTICATED.eid });
    expect(found!.euiccPublicKey!.equals(AUTHENTICATED.euiccPublicKey!)).toBe(true);
  });

  it('a session expired in the database cannot be claimed through a copy that still looks live', async () => {
    const s = session();
    await a.create(s);
    await t.dataSource.query(`UPDATE rsp_sessions SET expires_at = now() - interval '1 second' WHERE transaction_id = $1`, [s.transactionId]);
    expect(await a.findRecent(s.transactionId, NOW(), ['initiated'])).toBeDefined();
    expect(await runClaim(t.dataSource, a.claim(s.transactionId, ['initiated'], AUTHENTICATED, NOW()))).toBe(false);
  });

  it('an expired copy is dropped; a deleted session is forgotten; the bound package is never kept in memory', async () => {
    const s = { ...session(), expiresAt: new Date(Date.now() + 50) };
    await a.create(s);
    await new Promise((r) => setTimeout(r, 80));
    expect(await a.findRecent(s.transactionId, NOW(), ['initiated'])).toBeUndefined();

    const bound = session();
    await a.create(bound);
    expect(await a.advance(bound.transactionId, ['initiated'], { step: 'bound', bpp: Buffer.alloc(100, 7) })).toBe(true);
    queries = 0;
    const copy = await a.findRecent(bound.transactionId, NOW(), ['bound']);
    expect(queries).toBe(0);
    expect(copy?.step).toBe('bound');
    expect(copy?.bpp).toBeUndefined();
    expect((await a.findWithOrder(bound.transactionId, NOW()))?.session.bpp?.equals(Buffer.alloc(100, 7))).toBe(true);

    await a.delete(bound.transactionId);
    queries = 0;
    expect(await a.findRecent(bound.transactionId, NOW(), ['bound'])).toBeUndefined();
    expect(queries).toBe(1);
  });
});
