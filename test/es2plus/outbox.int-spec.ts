/**
 * HandleDownloadProgressInfo outbox (issue 3 §5): delivery to a local receiver on 127.0.0.1, the exact JSON
 * body (digest §3.1), retries with back-off (a receiver failing twice), strict order per ICCID, resumption
 * after a "restart" (a new worker on the same table), and two workers sharing the table.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createTestDataSource, TestDataSource, truncateAll } from '../support/database';
import { backoffMs, callbackTarget, OutboxWorker, OutboxWorkerOptions } from '../../src/outbox/outbox.worker';
import { OutboxService, w3cTimestamp } from '../../src/outbox/outbox.service';
import { services, Services } from './helpers';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: { iccid: string; notificationPointId: number; [k: string]: unknown };
}

let db: TestDataSource;
let s: Services;
let server: Server;
let baseUrl: string;
let received: Received[];
/** Per request: the status to answer (default 204). */
let respond: (r: Received, n: number) => number;

const OPTS: OutboxWorkerOptions = { pollIntervalMs: 20, maxAttempts: 5, backoffBaseMs: 10, backoffMaxMs: 40, requestTimeoutMs: 2000, autoStart: false };

async function drain(workers: OutboxWorker[], until: () => boolean, maxPasses = 200): Promise<void> {
  for (let i = 0; i < maxPasses && !until(); i++) {
    const n = (await Promise.all(workers.map((w) => w.runOnce()))).reduce((a, b) => a + b, 0);
    if (n === 0) await new Promise((r) => setTimeout(r, 15)); // wait for back-off to fall due
  }
}

beforeAll(async () => {
  db = await createTestDataSource();
  s = services(db.dataSource);
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const r: Received = { path: req.url!, headers: req.headers, body: JSON.parse(data) };
      const status = respond(r, received.filter((x) => x.body.header && (x.body.header as { functionCallIdentifier: string }).functionCallIdentifier === (r.body.header as { functionCallIdentifier: string }).functionCallIdentifier).length);
      received.push(r);
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/operator-base`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await db?.close();
});
beforeEach(async () => {
  await truncateAll(db.dataSource);
  received = [];
  respond = () => 204;
});

async function operatorWithCallback(name = 'alpha'): Promise<string> {
  return (await s.operators.createOperator(name, { callbackUrl: baseUrl })).operator.id;
}

describe('outbox', () => {
  it('posts the exact HandleDownloadProgressInfo body to <callback>/gsma/rsp2/es2plus/handleDownloadProgressInfo', async () => {
    const op = await operatorWithCallback();
    const outbox = new OutboxService(db.dataSource, 'smdp.test');
    await outbox.enqueueDownloadProgress({
      operatorId: op,
      iccid: '89440000000000000016',
      eid: '89049032123451234512345678901235',
      profileType: 'gold',
      notificationPointId: 4,
      status: 'Failed',
      statusCodeData: { subjectCode: '8.2', reasonCode: '4.2', message: 'install failed' },
      resultData: Buffer.from('BF2703800101', 'hex'),
      timestamp: new Date('2026-11-28T10:11:12.345Z'),
    });
    const w = new OutboxWorker(db.dataSource, OPTS);
    await drain([w], () => received.length === 1);
    expect(received).toHaveLength(1);
    expect(received[0].path).toBe('/operator-base/gsma/rsp2/es2plus/handleDownloadProgressInfo');
    expect(received[0].headers['content-type']).toBe('application/json');
    expect(received[0].headers['x-admin-protocol']).toBe('gsma/rsp/v2.5.0');
    const body = received[0].body as Record<string, unknown>;
    expect((body.header as { functionCallIdentifier: string }).functionCallIdentifier).toMatch(/^[0-9a-f-]{36}$/);
    expect({ ...body, header: { ...(body.header as object), functionCallIdentifier: 'x' } }).toEqual({
      header: { functionRequesterIdentifier: 'smdp.test', functionCallIdentifier: 'x' },
      eid: '89049032123451234512345678901235',
      iccid: '89440000000000000016',
      profileType: 'gold',
      timestamp: '2026-11-28T10:11:12Z',
      notificationPointId: 4,
      notificationPointStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.2', reasonCode: '4.2', message: 'install failed' } },
      resultData: 'vycDgAEB',
    });
    const [row] = await db.dataSource.query(`SELECT status, attempts, delivered_at FROM outbox`);
    expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('retries a receiver that fails twice, then succeeds — and delivers nothing behind it for that ICCID meanwhile', async () => {
    const op = await operatorWithCallback();
    for (const np of [1, 3, 4]) {
      await s.outbox.enqueueDownloadProgress({ operatorId: op, iccid: 'A', profileType: 'gold', notificationPointId: np, status: 'Executed-Success' });
    }
    await s.outbox.enqueueDownloadProgress({ operatorId: op, iccid: 'B', profileType: 'gold', notificationPointId: 1, status: 'Executed-Success' });
    // Event A/1 fails twice (HTTP 500, then 503); everything else succeeds at once.
    respond = (r, seen) => (r.body.iccid === 'A' && r.body.notificationPointId === 1 && seen < 2 ? (seen === 0 ? 500 : 503) : 204);
    const w = new OutboxWorker(db.dataSource, OPTS);
    await drain([w], () => received.filter((r) => r.body.iccid === 'A').length === 5);
    const a = received.filter((r) => r.body.iccid === 'A').map((r) => r.body.notificationPointId);
    expect(a).toEqual([1, 1, 1, 3, 4]);
    // B was not held up by A's retries.
    expect(received.findIndex((r) => r.body.iccid === 'B')).toBeLessThan(received.findIndex((r, i) => r.body.iccid === 'A' && i > 0 && r.body.notificationPointId === 3));
    const rows = await db.dataSource.query(`SELECT ordering_key, status, attempts, last_error FROM outbox ORDER BY id`);
    expect(rows.map((r: { status: string; attempts: number }) => [r.status, r.attempts])).toEqual([
      ['delivered', 3],
      ['delivered', 1],
      ['delivered', 1],
      ['delivered', 1],
    ]);
  });

  it('survives a restart: a new worker delivers what the stopped one left, in order', async () => {
    const op = await operatorWithCallback();
    for (let i = 1; i <= 5; i++) {
      await s.outbox.enqueueDownloadProgress({ operatorId: op, iccid: 'C', profileType: 'gold', notificationPointId: i, status: 'Executed-Success' });
    }
    respond = () => 500; // the operator is down while the first worker runs
    const first = new OutboxWorker(db.dataSource, OPTS);
    await first.runOnce();
    await first.stop();
    expect(received.map((r) => r.body.notificationPointId)).toEqual([1]);
    respond = () => 204;
    received = [];
    await new Promise((r) => setTimeout(r, 20));
    const second = new OutboxWorker(db.dataSource, OPTS); // "after the restart"
    await drain([second], () => received.length === 5);
    expect(received.map((r) => r.body.notificationPointId)).toEqual([1, 2, 3, 4, 5]);
  });

  it('two workers on one table: every event once, each ICCID in order', async () => {
    const op = await operatorWithCallback();
    for (let i = 1; i <= 4; i++) {
      for (const k of ['D', 'E', 'F']) {
        await s.outbox.enqueueDownloadProgress({ operatorId: op, iccid: k, profileType: 'gold', notificationPointId: i, status: 'Executed-Success' });
      }
    }
    const w1 = new OutboxWorker(db.dataSource, OPTS);
    const w2 = new OutboxWorker(db.dataSource, OPTS);
    await drain([w1, w2], () => received.length >= 12);
    expect(received).toHaveLength(12);
    for (const k of ['D', 'E', 'F']) {
      expect(received.filter((r) => r.body.iccid === k).map((r) => r.body.notificationPointId)).toEqual([1, 2, 3, 4]);
    }
  });

  it('gives up after maxAttempts (dead), then the next event of the ICCID proceeds; waits for a callback URL', async () => {
    const op = await operatorWithCallback();
    const noUrl = (await s.operators.createOperator('nourl')).operator.id;
    await s.outbox.enqueueDownloadProgress({ operatorId: op, iccid: 'G', profileType: 'gold', notificationPointId: 1, status: 'Executed-Success' });
    await s.outbox.enqueueDownloadProgress({ operatorId: op, iccid: 'G', profileType: 'gold', notificationPointId: 2, status: 'Executed-Success' });
    await s.outbox.enqueueDownloadProgress({ operatorId: noUrl, iccid: 'H', profileType: 'gold', notificationPointId: 1, status: 'Executed-Success' });
    respond = (r) => (r.body.notificationPointId === 1 ? 500 : 204);
    const w = new OutboxWorker(db.dataSource, { ...OPTS, maxAttempts: 3 });
    await drain([w], () => received.some((r) => r.body.notificationPointId === 2));
    expect(received.map((r) => r.body.notificationPointId)).toEqual([1, 1, 1, 2]);
    const rows = await db.dataSource.query(`SELECT ordering_key, status, attempts, last_error FROM outbox ORDER BY id`);
    expect(rows.map((r: Record<string, unknown>) => [r.ordering_key, r.status, r.attempts, r.last_error])).toEqual([
      ['G', 'dead', 3, 'HTTP 500'],
      ['G', 'delivered', 1, null],
      ['H', 'pending', 0, null],
    ]);
    await s.operators.setCallbackUrl(noUrl, baseUrl);
    await drain([w], () => received.some((r) => r.body.iccid === 'H'));
    expect(received.filter((r) => r.body.iccid === 'H')).toHaveLength(1);
  });

  it('enqueued inside a rolled-back transaction, the event does not exist', async () => {
    const op = await operatorWithCallback();
    await expect(
      db.dataSource.transaction(async (m) => {
        await s.outbox.enqueueDownloadProgress({ operatorId: op, iccid: 'R', profileType: 'gold', notificationPointId: 1, status: 'Executed-Success' }, m);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox`);
    expect(n).toBe(0);
  });

  it('back-off doubles up to the cap; target URL and timestamp format', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, 1000, 10000))).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
    expect(callbackTarget('https://op.example.com/')).toBe('https://op.example.com/gsma/rsp2/es2plus/handleDownloadProgressInfo');
    expect(callbackTarget('https://op.example.com/gsma/rsp2/es2plus/handleDownloadProgressInfo')).toBe('https://op.example.com/gsma/rsp2/es2plus/handleDownloadProgressInfo');
    expect(w3cTimestamp(new Date(Date.UTC(2001, 11, 17, 9, 30, 47, 999)))).toBe('2001-12-17T09:30:47Z');
  });
});
