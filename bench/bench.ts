/**
 * `npm run bench` — load benchmark of complete profile downloads against the cryptographic floor (issue 6).
 * See `npm run bench -- --help` and the "Performance" section of README.md.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { ArgsError, BenchOptions, HELP, ordersNeeded, parseArgs } from './lib/args';
import { ES9_FUNCTIONS, LoadDriver } from './lib/driver';
import { measureCryptoFloor } from './lib/floor';
import { CpuProfile, InProcessProfiler, summariseCpuProfile } from './lib/profile';
import { cpuSeconds, pidsByComm, processTree, readProcMemory, readProcStat, totalCpuSeconds } from './lib/proc';
import { BenchResult, renderText } from './lib/report';
import {
  createWorkspace,
  Inventory,
  mintEuiccs,
  prepareInventory,
  removeWorkspace,
  ServerProcess,
  startServer,
  TEMPLATE,
  tlsTrustAnchor,
  Workspace,
} from './lib/setup';
import { slope } from './lib/stats';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function get(url: string, ca: string | undefined, insecure: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.get(url, { ca, rejectUnauthorized: !insecure, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function waitHealthy(server: ServerProcess, ca: string | undefined, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (server.child.exitCode !== null) throw new Error(`the server exited (${server.child.exitCode}):\n${server.output()}`);
    try {
      const r = await get(`${server.baseUrl}/health`, ca, false);
      if (r.status === 200) return;
      last = `HTTP ${r.status} ${r.text}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`the server did not become healthy in ${timeoutMs / 1000} s (${last}):\n${server.output()}`);
}

/** Sums of the counters in a Prometheus text exposition (sanity check against the client's view). */
export function metricTotals(text: string): { requests: number; failures: number } {
  let requests = 0;
  let failures = 0;
  for (const line of text.split('\n')) {
    const m = /^(smdp_function_requests_total|smdp_function_failures_total)\{[^}]*interface="es9plus"[^}]*\} (\S+)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'smdp_function_requests_total') requests += Number(m[2]);
    else failures += Number(m[2]);
  }
  return { requests, failures };
}

/** Event-loop utilisation between two cumulative readings (0..1). */
export function eluBetween(a: { idle: number; active: number }, b: { idle: number; active: number }): number {
  const active = b.active - a.active;
  const idle = b.idle - a.idle;
  return active + idle > 0 ? active / (active + idle) : 0;
}

/** Database statements per download between two cumulative counts, in total and by kind (SELECT, BEGIN …). */
export function queriesPerDownload(
  a: { total: number; byKind: Record<string, number> },
  b: { total: number; byKind: Record<string, number> },
  downloads: number,
): { total: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  for (const [k, v] of Object.entries(b.byKind)) {
    const d = (v - (a.byKind[k] ?? 0)) / downloads;
    if (d > 0) byKind[k] = Math.round(d * 100) / 100;
  }
  return { total: Math.round(((b.total - a.total) / downloads) * 100) / 100, byKind };
}

function pgCpu(pids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of pids) {
    try {
      m.set(p, cpuSeconds(readProcStat(p)));
    } catch {
      // gone
    }
  }
  return m;
}

async function run(o: BenchOptions): Promise<BenchResult> {
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  // The inventory is filled in this process through the services; keep their logs off stdout (--json).
  Logger.overrideLogger(['error']);
  const template = readFileSync(TEMPLATE);
  const startedAt = new Date().toISOString();

  log(`measuring the cryptographic floor (${o.curve}) …`);
  const floor = measureCryptoFloor(o.curve, template);

  let ws: Workspace | undefined;
  let server: ServerProcess | undefined;
  let inventory: Inventory | undefined;
  let baseUrl: string;
  let ca: string | undefined;
  let certsDir: string;
  let activationCodes: string[];
  let serverPid: number | undefined;
  try {
    if (o.target) {
      baseUrl = o.target;
      certsDir = o.certsDir!;
      ca = o.insecure ? undefined : tlsTrustAnchor(certsDir);
      activationCodes = readFileSync(o.activationCodes!, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      serverPid = o.serverPid;
    } else {
      log(`preparing: development PKI, ${o.embedded ? 'embedded PGlite' : 'a fresh PostgreSQL database'} …`);
      ws = await createWorkspace({ embedded: o.embedded, adminUrl: o.databaseUrl });
      certsDir = ws.certsDir;
      const orders = ordersNeeded(o);
      log(`filling the inventory: ${orders} profiles with released orders${o.fillProfiles ? ` + ${o.fillProfiles} filler profiles` : ''} …`);
      inventory = await prepareInventory(ws, { orders, filler: o.fillProfiles, log });
      activationCodes = inventory.activationCodes;
      ca = o.tls ? tlsTrustAnchor(certsDir) : undefined;
      log(`starting the server on ${ws.smdpAddress} (TLS ${o.tls ? 'on' : 'off'}) …`);
      server = await startServer(ws, { tls: o.tls, logLevel: o.logLevel, server: o.server, cpuProf: o.cpuProf, env: o.serverEnv, log });
      await waitHealthy(server, ca, 120_000);
      baseUrl = server.baseUrl;
      serverPid = server.pid;
    }

    const identities = mintEuiccs(certsDir, o.curve, o.concurrency);
    const idle = serverPid ? readProcMemory(serverPid) : undefined;
    const driver = new LoadDriver({ baseUrl, ca, insecure: o.insecure, identities, activationCodes });
    log(`warm-up ${o.warmupSeconds} s with ${o.concurrency} eUICCs …`);
    driver.start();
    await sleep(o.warmupSeconds * 1000);

    // Measured phase.
    driver.recorder.reset();
    const pgPids = !o.embedded && !o.target ? pidsByComm(/^postgres/) : [];
    const pg0 = pgCpu(pgPids);
    if (server?.cpuProfileDir) await server.profileStart();
    const clientProfiler = o.clientCpuProf ? new InProcessProfiler() : undefined;
    await clientProfiler?.start();
    const usage0 = await server?.usage();
    // The server and its cluster workers (WORKERS>1), if any.
    const server0 = serverPid ? totalCpuSeconds(processTree(serverPid)) : undefined;
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    const rss: Array<{ x: number; y: number }> = [];
    const sampler = setInterval(() => {
      if (serverPid) {
        try {
          rss.push({ x: driver.recorder.completed, y: readProcMemory(serverPid).rss });
        } catch {
          // server gone
        }
      }
    }, o.sampleSeconds * 1000);
    // Heap after a forced full GC every 10 s: flat when nothing leaks (RSS alone follows the collector's sizing).
    const heap: Array<{ x: number; y: number }> = [];
    const heapSampler = setInterval(() => {
      const x = driver.recorder.completed;
      void server?.heapAfterGc().then((y) => y !== undefined && heap.push({ x, y }));
    }, 10_000);
    log(o.downloads ? `measuring ${o.downloads} downloads …` : `measuring for ${o.durationSeconds} s …`);
    const deadline = o.downloads ? Infinity : t0 + o.durationSeconds * 1000;
    let lastReport = t0;
    while (performance.now() < deadline && !(o.downloads && driver.recorder.completed + driver.recorder.failed >= o.downloads) && !driver.exhausted) {
      await sleep(50);
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`  ${driver.recorder.completed} downloads, ${driver.recorder.failed} errors, ${((driver.recorder.completed * 1000) / (lastReport - t0)).toFixed(0)}/s`);
      }
      if (server && server.child.exitCode !== null) throw new Error(`the server exited during the run:\n${server.output()}`);
    }
    const t1 = performance.now();
    const completed = driver.recorder.completed;
    const server1 = serverPid ? totalCpuSeconds(processTree(serverPid)) : undefined;
    const usage1 = await server?.usage();
    const profileFile = server?.cpuProfileDir ? await server.profileStop(join(server.cpuProfileDir, 'measured.cpuprofile')) : undefined;
    const client1 = process.cpuUsage(client0);
    const clientProfile = await clientProfiler?.stop();
    const pg1 = pgPids.length ? pgCpu(pidsByComm(/^postgres/)) : new Map<number, number>();
    clearInterval(sampler);
    clearInterval(heapSampler);
    const final = serverPid ? readProcMemory(serverPid) : undefined;
    log('draining …');
    await driver.stop();

    const seconds = (t1 - t0) / 1000;
    let metrics: { requests: number; failures: number } | undefined;
    try {
      const m = await get(`${baseUrl}/metrics`, ca, o.insecure);
      if (m.status === 200) metrics = metricTotals(m.text);
    } catch {
      metrics = undefined;
    }

    const latencyMs: BenchResult['latencyMs'] = {};
    for (const fn of ES9_FUNCTIONS) latencyMs[fn] = driver.recorder.fn(fn).summary();
    for (const [fn, s] of driver.recorder.byFunction) if (!(fn in latencyMs)) latencyMs[fn] = s.summary();
    latencyMs['whole download'] = driver.recorder.download.summary();

    const serverCpu = server0 !== undefined && server1 !== undefined ? server1 - server0 : undefined;
    const cpuUsPerDownload = serverCpu !== undefined && completed ? (serverCpu * 1e6) / completed : undefined;
    let pgSeconds = 0;
    for (const [pid, c] of pg1) pgSeconds += c - (pg0.get(pid) ?? 0);
    const clientSeconds = (client1.user + client1.system) / 1e6;
    const measured = rss.filter((p) => p.x >= completed * 0.2);
    const growth = measured.length >= 3 ? slope(measured) * 1000 : undefined;
    const heapMeasured = heap.filter((p) => p.x >= completed * 0.2);
    const heapGrowth = heapMeasured.length >= 3 ? slope(heapMeasured) * 1000 : undefined;
    const errors = driver.recorder.failed;
    const dps = completed / seconds;
    const maxP99 = Math.max(...ES9_FUNCTIONS.map((f) => latencyMs[f].p99));

    const result: BenchResult = {
      startedAt,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: totalmem() / 2 ** 30, node: process.version, platform: `${process.platform} ${process.arch}` },
      setup: {
        target: baseUrl,
        startedServer: !o.target,
        server: o.target ? undefined : o.server,
        tls: baseUrl.startsWith('https:'),
        database: o.target ? 'target' : ws!.database.describe,
        curve: o.curve,
        concurrency: o.concurrency,
        profileBytes: template.length,
        serverEnv: o.serverEnv,
        logLevel: o.target ? undefined : o.logLevel,
        inventory: inventory && {
          orders: inventory.activationCodes.length,
          fillerProfiles: inventory.fillerProfiles,
          importSeconds: inventory.importSeconds,
          orderSeconds: inventory.orderSeconds,
          fillSeconds: inventory.fillSeconds,
          orderLatencyMs: inventory.orderLatency,
          orderLatencyBeforeFillMs: inventory.orderLatencyBeforeFill,
        },
      },
      run: {
        warmupSeconds: o.warmupSeconds,
        measuredSeconds: seconds,
        downloads: completed,
        downloadsPerSecond: dps,
        errors,
        errorKinds: [...driver.recorder.errors.entries()].map(([key, v]) => ({ key, ...v })).sort((a, b) => b.count - a.count),
        ordersExhausted: driver.exhausted,
      },
      latencyMs,
      server: {
        pid: serverPid,
        cpuSeconds: serverCpu,
        cpuUsPerDownload,
        cpuCores: serverCpu !== undefined ? serverCpu / seconds : undefined,
        idleRssBytes: idle?.rss,
        peakRssBytes: final?.hwm,
        finalRssBytes: final?.rss,
        bytesPerConcurrentSession: idle && final ? (final.hwm - idle.rss) / o.concurrency : undefined,
        rssGrowthBytesPer1000Downloads: growth,
        heapAfterGcBytes: heap.length ? { first: heap[0].y, last: heap[heap.length - 1].y, samples: heap.length } : undefined,
        heapAfterGcGrowthBytesPer1000Downloads: heapGrowth,
        metrics,
        eventLoopUtilization: usage0 && usage1 ? eluBetween(usage0.elu, usage1.elu) : undefined,
        cpuSplitUsPerDownload:
          usage0 && usage1 && completed
            ? { user: (usage1.cpu.user - usage0.cpu.user) / completed, system: (usage1.cpu.system - usage0.cpu.system) / completed }
            : undefined,
        queriesPerDownload: usage0 && usage1 && completed ? queriesPerDownload(usage0.queries, usage1.queries, completed) : undefined,
      },
      postgres: pgPids.length ? { cpuSeconds: pgSeconds, cpuUsPerDownload: completed ? (pgSeconds * 1e6) / completed : 0, processes: pg1.size } : undefined,
      client: { cpuSeconds: clientSeconds, cpuUsPerDownload: completed ? (clientSeconds * 1e6) / completed : 0, cpuCores: clientSeconds / seconds },
      floor,
      ratio: cpuUsPerDownload !== undefined ? { vsFloor: cpuUsPerDownload / floor.usPerDownload, vsFloorCached: cpuUsPerDownload / floor.usPerDownloadCached } : undefined,
      targets: [
        { name: 'complete downloads per second (60 s)', target: '≥ 300', value: `${dps.toFixed(1)} over ${seconds.toFixed(0)} s`, ok: dps >= 300 && seconds >= 59 ? true : dps >= 300 ? null : false },
        {
          name: 'server CPU per download vs floor',
          target: '≤ 2 ×',
          value: cpuUsPerDownload !== undefined ? `${(cpuUsPerDownload / floor.usPerDownload).toFixed(2)} ×` : 'unknown (no server pid)',
          ok: cpuUsPerDownload !== undefined ? cpuUsPerDownload <= 2 * floor.usPerDownload : null,
        },
        {
          name: 'p99 of every ES9+ function (64 sessions)',
          target: '≤ 50 ms',
          value: `${maxP99.toFixed(1)} ms at ${o.concurrency} sessions`,
          ok: o.concurrency === 64 ? maxP99 <= 50 : null,
        },
        { name: 'errors', target: '0', value: String(errors), ok: errors === 0 },
        {
          // Judged on the heap after a full collection (live objects) when the server exposes it; RSS also follows
          // the allocator's and the collector's sizing.
          name: 'memory growth (over 100,000 downloads)',
          target: 'flat',
          value:
            growth === undefined && heapGrowth === undefined
              ? 'not measured'
              : `${heapGrowth === undefined ? '' : `heap after GC ${(heapGrowth / 1024).toFixed(1)} KiB, `}RSS ${growth === undefined ? '?' : (growth / 1024).toFixed(1)} KiB per 1000 downloads over ${completed}`,
          ok: completed < 100_000 || (heapGrowth ?? growth) === undefined ? null : (heapGrowth ?? growth)! < 64 * 1024,
        },
      ],
    };

    if (clientProfile && ws) {
      const file = join(ws.dir, 'client.cpuprofile');
      writeFileSync(file, JSON.stringify(clientProfile));
      result.clientProfile = { file, ...summariseCpuProfile(clientProfile, 40) };
    }
    if (profileFile) {
      const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
      result.profile = { file: profileFile, ...summariseCpuProfile(profile, 40) };
    }
    if (server) {
      log('stopping the server …');
      await server.stop();
    }
    return result;
  } finally {
    if (server) await server.stop().catch(() => undefined);
    if (ws && !o.keep) {
      await ws.database.drop().catch((e) => log(`could not drop the bench database: ${(e as Error).message}`));
      if (!o.cpuProf && !o.clientCpuProf) removeWorkspace(ws);
      else log(`kept ${ws.dir} (CPU profile)`);
    } else if (ws) {
      log(`kept ${ws.dir} and ${ws.database.describe}`);
    }
  }
}

async function main(): Promise<number> {
  let o: BenchOptions | 'help';
  try {
    o = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof ArgsError) {
      process.stderr.write(`${e.message}\n\n${HELP}`);
      return 2;
    }
    throw e;
  }
  if (o === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const result = await run(o);
  process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderText(result)}\n`);
  return result.run.errors === 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
