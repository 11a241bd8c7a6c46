/**
 * Allocation under concurrency (issue 3 §3): several server processes on one PostgreSQL, many concurrent
 * DownloadOrders by profile type against a pool smaller than the number of orders. Every profile is given to
 * exactly one order; every other call gets 8.2.5/3.7 (no more Profile available).
 *
 * Needs a real PostgreSQL (DATABASE_URL); PGlite is one in-process session and cannot show this.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createTestDataSource, TestDataSource, usingPostgres } from '../support/database';
import { seedProfiles, services } from './helpers';

/** Starts a worker; resolves `ready` once it is connected, `done` with its stdout when it exits. */
function startWorker(args: string[]): { ready: Promise<void>; go(): void; done: Promise<string> } {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'concurrency-worker.ts'), ...args], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) onReady();
  });
  child.stderr.on('data', (d) => (err += d));
  const done = new Promise<string>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}: ${err}`)))),
  );
  return { ready, go: () => child.stdin.end('go\n'), done };
}
const PROCESSES = 4;
const ORDERS_PER_PROCESS = 10;
const POOL = 15;

const describePg = usingPostgres() ? describe : describe.skip;
if (!usingPostgres()) {
  // Not a silent pass: say so.
  console.warn('concurrency.int-spec: SKIPPED — set DATABASE_URL=postgres://… to run the multi-process allocation test');
}

describePg('DownloadOrder allocation across processes (PostgreSQL)', () => {
  let db: TestDataSource;
  beforeAll(async () => {
    db = await createTestDataSource();
  });
  afterAll(() => db?.close());

  it(`${PROCESSES} processes × ${ORDERS_PER_PROCESS} concurrent DownloadOrders over a pool of ${POOL}: each profile given once`, async () => {
    const s = services(db.dataSource);
    const op = (await s.operators.createOperator('concurrent')).operator.id;
    const pool = await seedProfiles(s, op, POOL, { profileType: 'pool' });
    // Another operator's profiles of the same type name must never be touched.
    const other = (await s.operators.createOperator('bystander')).operator.id;
    await seedProfiles(s, other, 3, { profileType: 'pool', start: 900 });

    const workers = Array.from({ length: PROCESSES }, () =>
      startWorker([process.env.DATABASE_URL!, db.schema!, op, String(ORDERS_PER_PROCESS), 'pool']),
    );
    await Promise.all(workers.map((w) => w.ready));
    workers.forEach((w) => w.go()); // all processes fire together
    const outputs = await Promise.all(workers.map((w) => w.done));
    const results: string[] = outputs.flatMap((o) => JSON.parse(o.trim().split('\n').pop()!));
    expect(results).toHaveLength(PROCESSES * ORDERS_PER_PROCESS);
    const given = results.filter((r) => !r.startsWith('error:') && !r.startsWith('crash:'));
    const refused = results.filter((r) => r.startsWith('error:'));
    expect(results.filter((r) => r.startsWith('crash:'))).toEqual([]);
    expect(new Set(given).size).toBe(given.length); // no profile given twice
    expect(given.sort()).toEqual([...pool].sort()); // every profile of the pool given
    expect(refused).toEqual(Array(PROCESSES * ORDERS_PER_PROCESS - POOL).fill('error:8.2.5/3.7'));

    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM orders WHERE active`);
    expect(n).toBe(POOL);
    const rows = await db.dataSource.query(
      `SELECT p.iccid, count(o.id)::int AS orders FROM profiles p LEFT JOIN orders o ON o.profile_id = p.id
        WHERE p.operator_id = $1 GROUP BY p.iccid`,
      [op],
    );
    expect(rows.every((r: { orders: number }) => r.orders === 1)).toBe(true);
    const [{ untouched }] = await db.dataSource.query(
      `SELECT count(*)::int AS untouched FROM profiles WHERE operator_id = $1 AND state = 'Available'`,
      [other],
    );
    expect(untouched).toBe(3);
  });
});
