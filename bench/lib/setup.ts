/**
 * Everything the benchmark prepares when it starts the SM-DP+ itself: a development PKI in a temporary
 * folder, a fresh database (a new PostgreSQL database, or embedded PGlite), the inventory with one released
 * order per download (and optional filler profiles for the scale test), then the server as a child process.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/database/data-source';
import { DEFAULT_POLICY } from '../../src/inventory/inventory.policy';
import { InventoryService } from '../../src/inventory/inventory.service';
import { OrdersService } from '../../src/inventory/orders.service';
import { luhnDigit, personaliseIccid } from '../../src/inventory/profile-package';
import { ProfileVault } from '../../src/inventory/profile-vault';
import { OperatorsService } from '../../src/operators/operators.service';
import { parseRspCertificate } from '../../src/pki/rsp-certificate';
import { HierarchyName, initDevelopmentPki, issueEuicc, makeEid } from '../../src/pki/dev-pki';
import { loadPrivateKeyFile } from '../../src/pki/key-files';
import type { EuiccIdentity } from '../../src/euicc/euicc';
import { Samples } from './stats';

export const ROOT = resolve(__dirname, '..', '..');
/** The profile every download installs: TS.48 generic test profile (Apache-2.0, test/fixtures/ts48). */
export const TEMPLATE = join(ROOT, 'test', 'fixtures', 'ts48', 'SAIP2.3_NoBERTLV.der');
export const PROFILE_TYPE = 'bench';

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

/** ICCID `89 882 …<n>` + Luhn digit (19 digits before the check digit; test range, never a real issuer). */
export function benchIccid(n: number, prefix = '8988200'): string {
  const body = prefix + String(n).padStart(18 - prefix.length, '0');
  return body + luhnDigit(body);
}

export interface Workspace {
  dir: string;
  certsDir: string;
  dataDir: string;
  port: number;
  smdpAddress: string;
  profileKeyHex: string;
  database: { url?: string; pgliteDir: string; describe: string; drop(): Promise<void> };
}

/** Temporary folder, development PKI, free port, and the database (created empty). */
export async function createWorkspace(o: { embedded: boolean; adminUrl: string }): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'smdp-bench-'));
  const certsDir = join(dir, 'certs');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  const smdpAddress = `localhost:${port}`;
  await initDevelopmentPki(certsDir, { smdpAddress, euiccPerCurve: 1 });
  const profileKeyHex = randomBytes(32).toString('hex');
  if (o.embedded) {
    const pgliteDir = join(dataDir, 'pglite');
    return { dir, certsDir, dataDir, port, smdpAddress, profileKeyHex, database: { pgliteDir, describe: `embedded PGlite (${pgliteDir})`, drop: async () => undefined } };
  }
  const name = `smdp_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const admin = new Client({ connectionString: o.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(o.adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    dir,
    certsDir,
    dataDir,
    port,
    smdpAddress,
    profileKeyHex,
    database: {
      url,
      pgliteDir: '',
      describe: `PostgreSQL ${u.host}/${name}`,
      drop: async () => {
        const c = new Client({ connectionString: o.adminUrl });
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    },
  };
}

export interface Inventory {
  activationCodes: string[];
  operatorId: string;
  /** ES2+ DownloadOrder + ConfirmOrder(releaseFlag) service latency while preparing, ms (after the filler). */
  orderLatency: ReturnType<Samples['summary']>;
  /** The same for the orders released before the filler went in (only with filler). */
  orderLatencyBeforeFill?: ReturnType<Samples['summary']>;
  importSeconds: number;
  orderSeconds: number;
  fillerProfiles: number;
  fillSeconds: number;
}

/** Runs `fn` over `items` with `parallel` at a time. */
async function pool<T>(items: T[], parallel: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

/**
 * Fills the database through the inventory services (the same code the server runs): operator, profile type
 * metadata, `orders` profiles (TS.48 personalised with fresh ICCIDs), one released order each (ES2+
 * DownloadOrder then ConfirmOrder releaseFlag=true → an activation code), and `filler` extra Available
 * profiles of another type inserted in bulk (scale: 10^7 rows must not slow allocation or lookup).
 */
export async function prepareInventory(
  ws: Workspace,
  o: { orders: number; filler: number; log: (m: string) => void },
): Promise<Inventory> {
  const ds: DataSource = await openDataSource({ databaseUrl: ws.database.url, pgliteDir: ws.database.pgliteDir, databaseSchema: undefined });
  try {
    const vault = new ProfileVault(Buffer.from(ws.profileKeyHex, 'hex'));
    const inventory = new InventoryService(ds, vault);
    const orders = new OrdersService(ds, inventory, DEFAULT_POLICY, { smdpAddress: ws.smdpAddress });
    const operators = new OperatorsService(ds);
    const { operator } = await operators.createOperator('bench');
    await inventory.setProfileTypeMetadata(operator.id, PROFILE_TYPE, {
      serviceProviderName: 'Bench Operator',
      profileName: 'Bench Profile',
      profileClass: 'operational',
    });
    const template = readFileSync(TEMPLATE);
    const parallel = ws.database.url ? 8 : 1;

    const t0 = performance.now();
    const iccids = Array.from({ length: o.orders }, (_, i) => benchIccid(i + 1));
    let done = 0;
    await pool(iccids, parallel, async (iccid) => {
      await inventory.importProfile(operator.id, personaliseIccid(template, iccid), { profileType: PROFILE_TYPE, actor: 'bench' });
      if (++done % 5000 === 0) o.log(`  imported ${done}/${o.orders} profiles`);
    });
    // As the bulk import does: allocation reads the partial index in order only with fresh statistics (this
    // machine's PostgreSQL runs without autovacuum).
    await ds.query('ANALYZE profiles');
    const importSeconds = (performance.now() - t0) / 1000;

    const caller = { operatorId: operator.id, actor: 'es2plus:bench' };
    const activationCodes: string[] = new Array(o.orders);
    let orderSeconds = 0;
    done = 0;
    /** ES2+ DownloadOrder (allocation by profile type) + ConfirmOrder(releaseFlag) for orders [from, to). */
    const release = async (from: number, to: number): Promise<Samples> => {
      const latency = new Samples();
      const t = performance.now();
      await pool(iccids.slice(from, to), parallel, async (_iccid, k) => {
        const s = performance.now();
        const { iccid } = await orders.downloadOrder(caller, { profileType: PROFILE_TYPE });
        const c = await orders.confirmOrder(caller, { iccid, releaseFlag: true });
        latency.push(performance.now() - s);
        if (!c.activationCode) throw new Error(`ConfirmOrder gave no activation code for ${iccid}`);
        activationCodes[from + k] = c.activationCode;
        if (++done % 5000 === 0) o.log(`  released ${done}/${o.orders} orders`);
      });
      orderSeconds += (performance.now() - t) / 1000;
      return latency;
    };

    // Scale (issue 6 §4): half the orders are released before the filler goes in, half after, so the two
    // latency figures compare allocation on a small and on a large inventory in the same run.
    let fillSeconds = 0;
    let before: Samples | undefined;
    let latency: Samples;
    if (o.filler > 0) {
      const half = Math.floor(o.orders / 2);
      before = await release(0, half);
      const t = performance.now();
      await fillProfiles(ds, operator.id, o.filler, template.length, o.log);
      fillSeconds = (performance.now() - t) / 1000;
      latency = await release(half, o.orders);
    } else {
      latency = await release(0, o.orders);
    }
    return {
      activationCodes,
      operatorId: operator.id,
      orderLatency: latency.summary(),
      orderLatencyBeforeFill: before?.summary(),
      importSeconds,
      orderSeconds,
      fillerProfiles: o.filler,
      fillSeconds,
    };
  } finally {
    await ds.destroy();
  }
}

/**
 * Bulk filler: `count` Available profiles of the benchmark's own profile type, with a 16-byte placeholder
 * package, inserted with generate_series in chunks. They sit in the same partial index allocation reads, but
 * after the benchmark's real profiles: allocation takes the oldest first (created_at, id), so they are never
 * handed out while the real ones last — and the benchmark releases exactly as many orders as it imported.
 */
export async function fillProfiles(ds: DataSource, operatorId: string, count: number, size: number, log: (m: string) => void, profileType = PROFILE_TYPE): Promise<void> {
  const chunk = 500_000;
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    await ds.query(
      `INSERT INTO profiles (operator_id, iccid, profile_type, package_ciphertext, package_iv, package_tag, package_sha256, package_size)
       SELECT $1, '8988299' || lpad(g::text, 13, '0'), $5, '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, '\\x00'::bytea, $2
         FROM generate_series($3::bigint, $4::bigint) AS g`,
      [operatorId, size, start + 1, start + n, profileType],
    );
    log(`  filler profiles: ${start + n}/${count}`);
  }
  await ds.query('ANALYZE profiles');
}

/** A test eUICC identity minted in memory under the development EUM of `curve` (certs/private). */
export function mintEuiccs(certsDir: string, curve: HierarchyName, count: number, firstSerial = 1_000_001): EuiccIdentity[] {
  const eum = {
    cert: parseRspCertificate(readFileSync(join(certsDir, 'private', `eum-${curve}.pem`))),
    privateKey: loadPrivateKeyFile(join(certsDir, 'private', `eum-${curve}.key.pem`)),
  };
  const ciDer = parseRspCertificate(readFileSync(join(certsDir, 'ci', `${curve}.pem`))).der;
  const prefix = eum.cert.permittedEidPrefixes[0];
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const eid = makeEid(prefix, firstSerial + i);
    const issued = issueEuicc(eum, { now, eid });
    return { eid, euiccCertificate: issued.cert.der, eumCertificate: eum.cert.der, privateKey: issued.privateKey, trustedCis: [ciDer] };
  });
}

/** PEM of the CI that issued the server's TLS certificate (the LPA's trust anchor, SGP.22 §2.6.6). */
export function tlsTrustAnchor(certsDir: string): string {
  const tls = join(certsDir, 'tls', 'chain.pem');
  try {
    return readFileSync(tls, 'utf8');
  } catch {
    return readdirSync(join(certsDir, 'ci'))
      .map((f) => readFileSync(join(certsDir, 'ci', f), 'utf8'))
      .join('\n');
  }
}

/** What the preloaded bench hook reports from inside the server (bench/lib/child-preload.js). */
export interface ChildUsage {
  cpu: { user: number; system: number };
  memory: NodeJS.MemoryUsage;
  elu: { idle: number; active: number; utilization: number };
  queries: { total: number; byKind: Record<string, number> };
}

export interface ServerProcess {
  child: ChildProcess;
  /** Asks the server process for its usage counters (undefined when it does not answer within 5 s). */
  usage(): Promise<ChildUsage | undefined>;
  /** Heap in use after a forced full garbage collection (bytes), or undefined. */
  heapAfterGc(): Promise<number | undefined>;
  /** Starts the in-process CPU profiler (measured phase only). */
  profileStart(): Promise<void>;
  /** Stops it and writes the profile to `file`; resolves to the file, or undefined. */
  profileStop(file: string): Promise<string | undefined>;
  pid: number;
  baseUrl: string;
  /** The last lines of the server's output (for diagnostics). */
  output(): string;
  /** Asks the server to exit (writes its CPU profile) and waits. */
  stop(): Promise<void>;
  cpuProfileDir?: string;
}

/** Builds the server into a temporary folder (tsc), so `--server dist` never touches the shared dist/. */
export function buildServer(outDir: string): string {
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0 && !readdirSync(outDir).includes('main.js')) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
  return join(outDir, 'main.js');
}

/** Sends `message` to the child and waits for its answer of type `answer` (undefined after `timeoutMs`). */
function ask<T>(child: ChildProcess, message: object, answer: string, timeoutMs = 5000): Promise<T | undefined> {
  return new Promise((res) => {
    if (!child.connected) return res(undefined);
    const on = (m: unknown) => {
      if ((m as { type?: string })?.type !== answer) return;
      clearTimeout(timer);
      child.off('message', on);
      res(m as T);
    };
    const timer = setTimeout(() => {
      child.off('message', on);
      res(undefined);
    }, timeoutMs);
    child.on('message', on);
    child.send(message);
  });
}

export async function startServer(
  ws: Workspace,
  o: { tls: boolean; logLevel: string; server: 'ts' | 'dist'; cpuProf: boolean; env: Record<string, string>; log: (m: string) => void },
): Promise<ServerProcess> {
  const nodeArgs = ['--expose-gc', '-r', join(__dirname, 'child-preload.js')];
  let entry: string;
  if (o.server === 'dist') {
    o.log('building the server (tsc) …');
    entry = buildServer(join(ws.dir, 'dist'));
  } else {
    nodeArgs.push('-r', 'ts-node/register/transpile-only');
    entry = join(ROOT, 'src', 'main.ts');
  }
  const cpuProfileDir = o.cpuProf ? join(ws.dir, 'cpuprofile') : undefined;
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? ws.dir,
    NODE_ENV: 'production',
    PORT: String(ws.port),
    HOST: '127.0.0.1',
    SMDP_ADDRESS: ws.smdpAddress,
    TLS_MODE: o.tls ? 'on' : 'off',
    CERTS_DIR: ws.certsDir,
    DATA_DIR: ws.dataDir,
    PROFILE_ENCRYPTION_KEY: ws.profileKeyHex,
    LOG_LEVEL: o.logLevel,
    SEED_DEMO: 'false',
    TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    // A build in the temporary folder resolves its dependencies from the repository's node_modules.
    NODE_PATH: join(ROOT, 'node_modules'),
    ...(ws.database.url ? { DATABASE_URL: ws.database.url } : {}),
    ...o.env,
  };
  const child = spawn(process.execPath, [...nodeArgs, entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    for (const l of b.toString('utf8').split('\n')) if (l.trim()) lines.push(l);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const baseUrl = `${o.tls ? 'https' : 'http'}://${ws.smdpAddress}`;
  const server: ServerProcess = {
    child,
    pid: child.pid!,
    baseUrl,
    output: () => lines.slice(-40).join('\n'),
    cpuProfileDir,
    usage: () => ask<ChildUsage>(child, { type: 'usage' }, 'usage'),
    heapAfterGc: async () => (await ask<{ heapUsed: number; collected: boolean }>(child, { type: 'heap' }, 'heap'))?.heapUsed,
    profileStart: async () => {
      await ask(child, { type: 'profile-start' }, 'profile-started');
    },
    profileStop: async (file) => (await ask<{ file?: string }>(child, { type: 'profile-stop', file }, 'profile-stopped', 60_000))?.file,
    stop: async () => {
      if (child.exitCode !== null) return;
      if (child.connected) child.send({ type: 'exit' });
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
  return server;
}

export function removeWorkspace(ws: Workspace): void {
  rmSync(ws.dir, { recursive: true, force: true });
}
