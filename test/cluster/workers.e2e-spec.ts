/**
 * WORKERS=2 (node:cluster) end to end: the real server (src/main.ts through ts-node) as a child process on a
 * fresh PostgreSQL schema, with the demo seed (SEED_DEMO=true: demo operator, its ES2+ client certificate in
 * DATA_DIR/demo-operator, 10 demo profiles). Orders are released over ES2+ with mutual TLS, then downloaded
 * completely by the test eUICC, each download on its own HTTPS connection, so the primary's round-robin
 * hands them to both workers. Which worker served what is read from the request log lines (pino writes the
 * pid on each), nothing added to the server for the test. PostgreSQL only (PGlite is single-process).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Es9PlusClient } from '../../src/euicc/es9plus-client';
import { TestEuicc } from '../../src/euicc/euicc';
import { loadIdentity } from '../../src/euicc/identity';
import { Lpa } from '../../src/euicc/lpa';
import { send } from '../support/http';

const DATABASE_URL = process.env.DATABASE_URL?.trim();
const ROOT = join(__dirname, '..', '..');
const DOWNLOADS = 6;

interface LogLine {
  pid?: number;
  msg?: string;
  req?: { url?: string };
  res?: { statusCode?: number };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

(DATABASE_URL ? describe : describe.skip)('WORKERS=2 on PostgreSQL (node:cluster)', () => {
  const work = mkdtempSync(join(tmpdir(), 'smdp-cluster-'));
  const certsDir = join(work, 'certs');
  const dataDir = join(work, 'data');
  const schema = `test_cluster_${process.pid}_${randomBytes(4).toString('hex')}`;
  const lines: LogLine[] = [];
  const raw: string[] = [];
  let child: ChildProcess;
  let baseUrl: string;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  const waitFor = async (what: string, ok: () => boolean, ms = 180_000) => {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (child.exitCode !== null) throw new Error(`server exited while waiting for ${what}:\n${raw.slice(-30).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${raw.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const listeningWorkers = () => lines.filter((l) => /^SM-DP\+ worker \d+ \(pid \d+\) listening/.test(l.msg ?? ''));

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `https://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? work,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
        PORT: String(port),
        HOST: '127.0.0.1',
        SMDP_ADDRESS: 'localhost',
        CERTS_DIR: certsDir,
        DATA_DIR: dataDir,
        DATABASE_URL,
        DATABASE_SCHEMA: schema,
        SEED_DEMO: 'true',
        LOG_LEVEL: 'info',
        WORKERS: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let pending = '';
    const onData = (b: Buffer) => {
      pending += b.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const l of parts) {
        if (!l.trim()) continue;
        raw.push(l);
        try {
          lines.push(JSON.parse(l) as LogLine);
        } catch {
          // not a JSON log line (the demo QR code)
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    await waitFor('two listening workers', () => listeningWorkers().length >= 2);
  }, 240_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    const c = new Client({ connectionString: DATABASE_URL });
    await c.connect();
    try {
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await c.end();
    }
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it('runs the one-time start-up work in the primary, then serves complete downloads from both workers', async () => {
    const primaryPid = child.pid!;
    const workerPids = new Set(listeningWorkers().map((l) => l.pid!));
    expect(workerPids.size).toBe(2);
    expect(workerPids.has(primaryPid)).toBe(false);
    // The demo seed ran once, in the primary.
    const seeded = lines.filter((l) => /^demo operator 'demo' created/.test(l.msg ?? ''));
    expect(seeded.map((l) => l.pid)).toEqual([primaryPid]);
    expect(lines.some((l) => l.pid === primaryPid && l.msg === 'start-up work done; starting 2 workers')).toBe(true);

    const ca = readFileSync(join(certsDir, 'ci', 'nist.pem'), 'utf8');
    const operatorTls = {
      ca,
      servername: 'localhost',
      cert: readFileSync(join(dataDir, 'demo-operator', 'client.pem'), 'utf8'),
      key: readFileSync(join(dataDir, 'demo-operator', 'client.key.pem'), 'utf8'),
    };
    let call = 0;
    const es2 = async (fn: string, body: Record<string, unknown>) => {
      const r = await send(baseUrl, `/gsma/rsp2/es2plus/${fn}`, {
        body: { header: { functionRequesterIdentifier: 'demo', functionCallIdentifier: `cluster-${++call}` }, ...body },
        headers: { 'X-Admin-Protocol': 'gsma/rsp/v2.2.0' },
        tls: operatorTls,
      });
      expect(r.json?.header).toEqual({ functionExecutionStatus: { status: 'Executed-Success' } });
      return r.json;
    };
    const orders: Array<{ iccid: string; activationCode: string }> = [];
    for (let i = 0; i < DOWNLOADS; i++) {
      const { iccid } = await es2('downloadOrder', { profileType: 'demo' });
      const c = await es2('confirmOrder', { iccid, releaseFlag: true });
      orders.push({ iccid, activationCode: `1$${c.smdpAddress}$${c.matchingId}` });
    }

    // Each download: a fresh eUICC session on a fresh connection (the cluster balances connections).
    const { identity } = loadIdentity('nist-1', { certsDir });
    const euicc = new TestEuicc(identity);
    for (const o of orders) {
      const client = new Es9PlusClient({ baseUrl, ca });
      try {
        const r = await new Lpa(euicc, { connect: () => client }).download(o.activationCode);
        expect({ iccid: r.iccid, success: r.success }).toEqual({ iccid: o.iccid, success: true });
      } finally {
        client.close();
      }
    }

    // Every ES9+ function was answered by a worker (never the primary), and both workers took part.
    await waitFor('request log lines', () => lines.filter((l) => l.req?.url?.includes('/es9plus/handleNotification') && l.res).length >= DOWNLOADS, 10_000);
    const es9 = lines.filter((l) => l.req?.url?.startsWith('/gsma/rsp2/es9plus/') && l.res);
    expect(es9.length).toBeGreaterThanOrEqual(DOWNLOADS * 4);
    expect([...new Set(es9.map((l) => l.res!.statusCode))].sort()).toEqual([200, 204]); // 204: handleNotification
    const servedBy = new Set(es9.map((l) => l.pid!));
    expect([...servedBy].sort()).toEqual([...workerPids].sort());
  }, 240_000);

  it('replaces a worker that crashes (logged), and stops all workers on SIGTERM', async () => {
    const before = listeningWorkers().map((l) => l.pid!);
    process.kill(before[0], 'SIGKILL');
    await waitFor('a replacement worker', () => listeningWorkers().length >= 3);
    const respawn = lines.find((l) => new RegExp(`^worker \\d+ \\(pid ${before[0]}\\) exited \\(signal SIGKILL\\); started worker \\d+ \\(pid \\d+\\)$`).test(l.msg ?? ''));
    expect(respawn?.pid).toBe(child.pid);
    const all = listeningWorkers().map((l) => l.pid!);
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    const alive = all.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 240_000);
});

describe('WORKERS>1 with the embedded PGlite database', () => {
  it('is refused at start-up with a message naming WORKERS (exit status 1, nothing created)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'smdp-cluster-'));
    try {
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), WORKERS: '2', CERTS_DIR: join(work, 'certs'), DATA_DIR: join(work, 'data') };
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(err).toBe(
        'Invalid configuration:\n  WORKERS: 2 worker processes need PostgreSQL (DATABASE_URL): the embedded PGlite database is single-process. Set DATABASE_URL, or WORKERS=1.\n',
      );
      expect(readdirSync(work)).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});

if (!DATABASE_URL) {
  // eslint-disable-next-line no-console
  console.log('test/cluster/workers.e2e-spec.ts skipped: WORKERS>1 needs PostgreSQL (set DATABASE_URL)');
}
