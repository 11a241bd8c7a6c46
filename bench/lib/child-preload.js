/*
 * Preloaded into the SM-DP+ process the benchmark starts (node -r), never into a production server:
 *  - lets the benchmark ask it to exit normally over the IPC channel, so `--cpu-prof` gets written (a signal
 *    would kill it before that);
 *  - counts the database round trips (pg Client#query calls, by statement kind) so the report can show
 *    queries per download — the overhead issue 6 asks to squeeze;
 *  - answers usage queries (CPU, memory, event-loop utilisation, query counts) from inside the process;
 *  - profiles the CPU of the measured phase only (inspector Profiler between 'profile-start' and
 *    'profile-stop'), so start-up and warm-up stay out of the hotspot list.
 */
'use strict';
const { writeFileSync } = require('node:fs');
let profiler;
const queries = { total: 0, byKind: {} };
try {
  const pg = require('pg');
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function countedQuery(config, ...rest) {
    const text = typeof config === 'string' ? config : config && typeof config.text === 'string' ? config.text : '';
    const kind = (/^\s*(\w+)/.exec(text) || [, 'other'])[1].toUpperCase();
    queries.total++;
    queries.byKind[kind] = (queries.byKind[kind] || 0) + 1;
    return original.call(this, config, ...rest);
  };
} catch {
  // pg not installed (a server without PostgreSQL): nothing to count.
}
process.on('message', (m) => {
  if (!m || typeof m !== 'object') return;
  if (m.type === 'exit') process.exit(0);
  if (m.type === 'profile-start') {
    const inspector = require('node:inspector');
    profiler = new inspector.Session();
    profiler.connect();
    profiler.post('Profiler.enable', () =>
      profiler.post('Profiler.setSamplingInterval', { interval: m.intervalUs || 1000 }, () =>
        profiler.post('Profiler.start', () => process.send({ type: 'profile-started' })),
      ),
    );
  }
  if (m.type === 'profile-stop') {
    if (!profiler) return process.send({ type: 'profile-stopped', error: 'not profiling' });
    profiler.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(m.file, JSON.stringify(result.profile));
      profiler.disconnect();
      profiler = undefined;
      process.send({ type: 'profile-stopped', file: err ? undefined : m.file, error: err ? String(err) : undefined });
    });
  }
  if (m.type === 'heap') {
    // Heap in use right after a full collection (the server runs with --expose-gc under the benchmark): the
    // figure that shows a leak, unlike RSS, which follows the collector's sizing decisions.
    if (typeof global.gc === 'function') global.gc();
    return process.send({ type: 'heap', heapUsed: process.memoryUsage().heapUsed, collected: typeof global.gc === 'function' });
  }
  if (m.type === 'usage') {
    const own = {
      type: 'usage',
      cpu: process.cpuUsage(),
      memory: process.memoryUsage(),
      elu: performance.eventLoopUtilization(),
      queries: { total: queries.total, byKind: { ...queries.byKind } },
    };
    // A cluster primary (WORKERS>1): add up its workers' counters (each worker has this preload too).
    const cluster = require('node:cluster');
    const workers = cluster.isPrimary ? Object.values(cluster.workers || {}).filter((w) => w && w.isConnected()) : [];
    if (!workers.length) return process.send(own);
    Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => done(undefined), 5000);
            const on = (r) => r && r.type === 'usage' && done(r);
            const done = (r) => {
              clearTimeout(timer);
              w.off('message', on);
              resolve(r);
            };
            w.on('message', on);
            w.send({ type: 'usage' });
          }),
      ),
    ).then((rs) => {
      // The event-loop figures are the workers' (the primary only hands out connections).
      const sum = { ...own, elu: { idle: 0, active: 0, utilization: 0 } };
      sum.cpu = { ...own.cpu };
      sum.queries = { total: own.queries.total, byKind: { ...own.queries.byKind } };
      for (const r of rs) {
        if (!r) continue;
        sum.cpu.user += r.cpu.user;
        sum.cpu.system += r.cpu.system;
        sum.elu.idle += r.elu.idle;
        sum.elu.active += r.elu.active;
        sum.queries.total += r.queries.total;
        for (const [k, v] of Object.entries(r.queries.byKind)) sum.queries.byKind[k] = (sum.queries.byKind[k] || 0) + v;
      }
      sum.elu.utilization = sum.elu.active / (sum.elu.idle + sum.elu.active || 1);
      process.send(sum);
    });
  }
});
