/** The benchmark's result document (`--json`) and its text rendering. */
import type { CryptoFloor } from './floor';
import type { ProfileSummary } from './profile';
import type { LatencySummary } from './stats';

export interface BenchResult {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
  setup: {
    target: string;
    startedServer: boolean;
    server?: 'ts' | 'dist';
    tls: boolean;
    database: string;
    curve: string;
    concurrency: number;
    profileBytes: number;
    serverEnv: Record<string, string>;
    logLevel?: string;
    inventory?: { orders: number; fillerProfiles: number; importSeconds: number; orderSeconds: number; fillSeconds: number; orderLatencyMs: LatencySummary; orderLatencyBeforeFillMs?: LatencySummary };
  };
  run: {
    warmupSeconds: number;
    measuredSeconds: number;
    downloads: number;
    downloadsPerSecond: number;
    errors: number;
    errorKinds: Array<{ key: string; count: number; example: string }>;
    ordersExhausted: boolean;
  };
  latencyMs: Record<string, LatencySummary>;
  server: {
    pid?: number;
    cpuSeconds?: number;
    /** CPU µs of the server process per completed download. */
    cpuUsPerDownload?: number;
    /** Share of one core the server used. */
    cpuCores?: number;
    idleRssBytes?: number;
    peakRssBytes?: number;
    finalRssBytes?: number;
    /** (peak − idle) / concurrency: memory per in-flight session. */
    bytesPerConcurrentSession?: number;
    /** Least-squares RSS growth over the measured phase, bytes per 1000 downloads. */
    rssGrowthBytesPer1000Downloads?: number;
    /** Heap in use after a forced full GC, first and last sample of the measured phase. */
    heapAfterGcBytes?: { first: number; last: number; samples: number };
    /** Least-squares slope of the heap after GC over the measured phase (past its first 20 %), bytes per 1000 downloads. */
    heapAfterGcGrowthBytesPer1000Downloads?: number;
    metrics?: { requests: number; failures: number };
    /** process.cpuUsage() of the server: user and kernel µs per download. */
    cpuSplitUsPerDownload?: { user: number; system: number };
    /** Share of the measured time the server's event loop was busy. */
    eventLoopUtilization?: number;
    /** Database statements (pg Client#query) per download, by kind. */
    queriesPerDownload?: { total: number; byKind: Record<string, number> };
  };
  postgres?: { cpuSeconds: number; cpuUsPerDownload: number; processes: number };
  client: { cpuSeconds: number; cpuUsPerDownload: number; cpuCores: number };
  floor: CryptoFloor;
  /** server CPU per download ÷ floor (all operations); and ÷ floor with certificate verifications cached. */
  ratio?: { vsFloor: number; vsFloorCached: number };
  targets: Array<{ name: string; target: string; value: string; ok: boolean | null }>;
  profile?: ProfileSummary & { file: string };
  clientProfile?: ProfileSummary & { file: string };
}

const f1 = (n: number | undefined, d = 1) => (n === undefined || Number.isNaN(n) ? '—' : n.toFixed(d));
const mib = (b: number | undefined) => (b === undefined ? '—' : `${(b / 1048576).toFixed(1)} MiB`);
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function renderText(r: BenchResult): string {
  const out: string[] = [];
  const s = r.setup;
  out.push(`open-smdpp benchmark — ${r.startedAt}`);
  out.push(`machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB.toFixed(1)} GiB, Node ${r.machine.node} (${r.machine.platform})`);
  out.push(
    `target: ${s.target}${s.startedServer ? ` (started here from ${s.server === 'dist' ? 'a tsc build' : 'sources via ts-node'}, LOG_LEVEL=${s.logLevel})` : ''}; ` +
      `TLS ${s.tls ? 'on' : 'OFF (plain HTTP)'}; database ${s.database}; curve ${s.curve}; ${s.concurrency} concurrent eUICCs; profile ${s.profileBytes} B`,
  );
  if (Object.keys(s.serverEnv).length) out.push(`server env: ${Object.entries(s.serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (s.inventory) {
    const i = s.inventory;
    out.push(
      `inventory: ${i.orders} released orders (import ${f1(i.importSeconds)} s, ES2+ DownloadOrder+ConfirmOrder ${f1(i.orderSeconds)} s, ` +
        `p50 ${f1(i.orderLatencyMs.p50, 2)} ms p99 ${f1(i.orderLatencyMs.p99, 2)} ms)` +
        (i.fillerProfiles ? `; ${i.fillerProfiles} filler profiles (${f1(i.fillSeconds)} s)` : ''),
    );
    if (i.orderLatencyBeforeFillMs) {
      const b = i.orderLatencyBeforeFillMs;
      out.push(
        `scale: DownloadOrder+ConfirmOrder with ${i.orders} profiles in the inventory p50 ${f1(b.p50, 2)} ms p99 ${f1(b.p99, 2)} ms; ` +
          `with ${i.orders + i.fillerProfiles}: p50 ${f1(i.orderLatencyMs.p50, 2)} ms p99 ${f1(i.orderLatencyMs.p99, 2)} ms`,
      );
    }
  }
  out.push('');
  const run = r.run;
  out.push(`downloads: ${run.downloads} in ${f1(run.measuredSeconds)} s (after ${run.warmupSeconds} s warm-up) → ${f1(run.downloadsPerSecond)} downloads/s`);
  out.push(`errors: ${run.errors}${run.ordersExhausted ? ' (ran out of prepared orders: use --orders)' : ''}`);
  for (const e of run.errorKinds.slice(0, 10)) out.push(`  ${e.count} × ${e.key} — ${e.example}`);
  out.push('');
  out.push(`${pad('latency (ms)', 26)}${['count', 'p50', 'p95', 'p99', 'max'].map((h) => lpad(h, 9)).join('')}`);
  for (const [name, l] of Object.entries(r.latencyMs)) {
    out.push(`${pad(name, 26)}${lpad(String(l.count), 9)}${[l.p50, l.p95, l.p99, l.max].map((v) => lpad(f1(v, 2), 9)).join('')}`);
  }
  out.push('');
  const sv = r.server;
  out.push(
    `server CPU: ${f1(sv.cpuUsPerDownload, 0)} µs/download (${f1(sv.cpuCores, 2)} cores); memory: idle ${mib(sv.idleRssBytes)}, peak ${mib(sv.peakRssBytes)}, ` +
      `${mib(sv.bytesPerConcurrentSession)} per concurrent session, growth ${sv.rssGrowthBytesPer1000Downloads === undefined ? '—' : mib(sv.rssGrowthBytesPer1000Downloads)} per 1000 downloads`,
  );
  if (sv.heapAfterGcBytes) {
    out.push(
      `server heap after full GC: ${mib(sv.heapAfterGcBytes.first)} → ${mib(sv.heapAfterGcBytes.last)} over the run (${sv.heapAfterGcBytes.samples} samples), ` +
        `slope ${sv.heapAfterGcGrowthBytesPer1000Downloads === undefined ? '—' : mib(sv.heapAfterGcGrowthBytesPer1000Downloads)} per 1000 downloads`,
    );
  }
  if (sv.cpuSplitUsPerDownload) out.push(`server CPU split: user ${f1(sv.cpuSplitUsPerDownload.user, 0)} µs + kernel ${f1(sv.cpuSplitUsPerDownload.system, 0)} µs per download`);
  if (sv.eventLoopUtilization !== undefined) out.push(`server event loop busy: ${f1(sv.eventLoopUtilization * 100, 0)} % (near 100 %: the server is the bottleneck, or is waiting for a CPU)`);
  if (sv.queriesPerDownload && sv.queriesPerDownload.total > 0) {
    const q = sv.queriesPerDownload;
    out.push(`database statements per download: ${q.total} (${Object.entries(q.byKind).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')})`);
  }
  if (r.postgres) out.push(`PostgreSQL CPU: ${f1(r.postgres.cpuUsPerDownload, 0)} µs/download (${r.postgres.processes} processes)`);
  out.push(`client (eUICCs + LPAs) CPU: ${f1(r.client.cpuUsPerDownload, 0)} µs/download (${f1(r.client.cpuCores, 2)} cores)`);
  out.push('');
  out.push(`cryptographic floor (${r.floor.curve}, per download, this machine):`);
  for (const o of r.floor.ops) out.push(`  ${pad(o.name, 44)}${lpad(f1(o.usPerOp, 0), 7)} µs${o.cacheable ? '  (cacheable)' : ''}`);
  out.push(`  ${pad('total', 44)}${lpad(f1(r.floor.usPerDownload, 0), 7)} µs  (${f1(r.floor.usPerDownloadCached, 0)} µs with certificate checks cached)`);
  if (r.ratio) out.push(`server CPU ÷ floor: ${f1(r.ratio.vsFloor, 2)} (÷ cached floor: ${f1(r.ratio.vsFloorCached, 2)})`);
  out.push('');
  out.push('issue 6 targets:');
  for (const t of r.targets) out.push(`  [${t.ok === null ? ' n/a' : t.ok ? ' ok ' : 'MISS'}] ${pad(t.name, 40)} ${pad(t.target, 12)} ${t.value}`);
  for (const [who, p] of [['server', r.profile], ['client', r.clientProfile]] as const) {
    if (!p) continue;
    out.push('');
    out.push(`${who} CPU profile (${p.file}): ${f1(p.totalUs / 1000, 0)} ms sampled`);
    out.push('  by component (self time):');
    for (const c of p.components.slice(0, 15)) out.push(`    ${lpad(f1(c.share * 100, 1), 5)} %  ${c.name}`);
    out.push('  by component (inclusive: the component and everything it called):');
    for (const c of p.componentsInclusive.slice(0, 15)) out.push(`    ${lpad(f1(c.share * 100, 1), 5)} %  ${c.name}`);
    out.push('  our functions (inclusive):');
    for (const c of p.oursInclusive.slice(0, 25)) out.push(`    ${lpad(f1(c.share * 100, 1), 5)} %  ${c.name}`);
    out.push('  top functions (self time):');
    for (const c of p.functions.slice(0, 25)) out.push(`    ${lpad(f1(c.share * 100, 1), 5)} %  ${c.name}`);
  }
  return out.join('\n');
}
