/**
 * Bulk personalisation into the inventory, end to end: `npm run bench:import -- [--count 1000000] [--batch 500]
 * [--server postgres://postgres@127.0.0.1:5432] [--database bench_import] [--template file.der] [--keep]`.
 *
 * Creates a scratch PostgreSQL database (dropped again at the end unless --keep), migrates it, creates an
 * operator, and imports N profiles personalised from the TS.48 template through bulkImportPersonalised — the
 * path of `npm run cli -- inventory personalise` — each with its own ICCID, IMSI, Ki and OPc, generated lazily
 * (never an array of N). Prints profiles/s and RSS along the way (memory must stay flat in N), the peak RSS
 * (sampled every 100 ms), the database size, and spot-checks a few stored profiles by decrypting them.
 */
import 'reflect-metadata';
import { statfsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { bulkImportPersonalised, BulkImportRow } from '../src/inventory/bulk-import';
import { InventoryService } from '../src/inventory/inventory.service';
import { ProfileVault } from '../src/inventory/profile-vault';
import { openDataSource } from '../src/database/data-source';
import { OperatorsService } from '../src/operators/operators.service';
import { generateTestIccids, imsiFromEfFormat, decodeProfilePackage, findFiles, wholeContent, readProfileHeader } from '../src/saip';

function opt(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] && !process.argv[i + 1].startsWith('--') ? process.argv[i + 1] : def;
}

const count = Number(opt('count', '1000000'));
const batchSize = Number(opt('batch', '500'));
const server = opt('server', 'postgres://postgres@127.0.0.1:5432').replace(/\/+$/, '');
const database = opt('database', 'bench_import');
const keep = process.argv.includes('--keep');
const templatePath = opt('template', join(__dirname, '..', 'assets', 'profiles', 'ts48-SAIP2.3_NoBERTLV.der'));
if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error('--database must be a plain identifier');

const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
const gb = (n: number) => `${(n / 1073741824).toFixed(2)} GB`;
const hex32 = (n: number) => n.toString(16).padStart(32, '0');
const ICCID_PREFIX = '8900188';
const imsiOf = (i: number) => `00101${String(i).padStart(10, '0')}`;
const kiOf = (i: number) => hex32(i * 7919 + 1);
const opcOf = (i: number) => hex32(i * 104729 + 3);

function* rows(): Generator<BulkImportRow> {
  let i = 0;
  for (const iccid of generateTestIccids(ICCID_PREFIX, 0, count)) {
    yield { iccid, imsi: imsiOf(i), ki: kiOf(i), opc: opcOf(i) };
    i++;
  }
}

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: `${server}/postgres` });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const template = readFileSync(templatePath);
  const fs = statfsSync('/');
  const free = fs.bavail * fs.bsize;
  const need = count * template.length * 1.6; // rows + TOAST + WAL headroom
  console.log(`template ${templatePath} (${template.length} B); ${count} profiles, batches of ${batchSize}; disk free ${gb(free)}, estimated need ${gb(need)}`);
  if (need > free * 0.6) throw new Error(`not enough free disk for ${count} profiles (keep within 60% of what is free); lower --count`);

  await admin(`DROP DATABASE IF EXISTS ${database}`);
  await admin(`CREATE DATABASE ${database}`);
  const db = await openDataSource({ databaseUrl: `${server}/${database}`, databaseSchema: undefined, pgliteDir: '' });
  try {
    const [settings] = await db.query(
      `SELECT version(), current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync,
              current_setting('shared_buffers') AS shared_buffers, current_setting('max_wal_size') AS max_wal_size`,
    );
    console.log(`${String(settings.version).split(' on ')[0]}; fsync=${settings.fsync} synchronous_commit=${settings.sync} shared_buffers=${settings.shared_buffers} max_wal_size=${settings.max_wal_size}`);
    const operatorId = (await new OperatorsService(db).createOperator('bench')).operator.id;
    const vault = new ProfileVault(Buffer.alloc(32, 0x5a));

    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const marks = [0.01, 0.1, 0.25, 0.5, 0.75, 1].map((f) => Math.max(1, Math.round(f * count)));
    const t0 = performance.now();
    let lastT = t0;
    let lastN = 0;
    console.log('   imported   of N    profiles/s (overall / since last)   RSS      heap     peak RSS so far');
    const r = await bulkImportPersonalised({
      db, vault, operatorId, profileType: 'ts48', template, rows: rows(), batchSize,
      onProgress: (p) => {
        if (p.imported < marks[0]) return;
        while (marks.length && p.imported >= marks[0]) marks.shift();
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        const now = performance.now();
        const since = ((p.imported - lastN) * 1000) / (now - lastT);
        lastT = now;
        lastN = p.imported;
        console.log(
          `  ${String(p.imported).padStart(9)}  ${((100 * p.imported) / count).toFixed(0).padStart(4)}%   ` +
            `${Math.round(p.profilesPerSecond).toString().padStart(6)} / ${Math.round(since).toString().padStart(6)}        ` +
            `${mb(m.rss).padStart(7)}  ${mb(m.heapUsed).padStart(7)}  ${mb(peakRss).padStart(7)}`,
        );
      },
    });
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(
      `\n${r.imported} profiles imported in ${(r.elapsedMs / 1000).toFixed(1)} s: ${Math.round(r.profilesPerSecond)} profiles/s; ` +
        `peak RSS ${mb(peakRss)}; ${r.batches} batches, ${r.duplicates} duplicates`,
    );

    const [size] = await db.query(
      `SELECT pg_database_size(current_database()) AS db, pg_total_relation_size('profiles') AS profiles,
              pg_total_relation_size('profile_events') AS events, (SELECT count(*) FROM profiles WHERE state = 'Available') AS available,
              (SELECT count(*) FROM profile_events) AS nevents`,
    );
    console.log(
      `database ${gb(Number(size.db))} (profiles ${gb(Number(size.profiles))}, profile_events ${gb(Number(size.events))}); ` +
        `${size.available} Available profiles, ${size.nevents} audit events; ${(Number(size.db) / Math.max(1, r.imported) / 1024).toFixed(1)} KB per profile`,
    );

    // Spot checks: first, middle, last — the stored package decrypts to its own ICCID and IMSI.
    const inventory = new InventoryService(db, vault);
    for (const i of [0, Math.floor(count / 2), count - 1]) {
      const iccid = [...generateTestIccids(ICCID_PREFIX, i, 1)][0];
      const [p] = await db.query(`SELECT id::text AS id FROM profiles WHERE iccid = $1`, [iccid]);
      const der = await inventory.getProfilePackage(p.id);
      const imsi = imsiFromEfFormat(wholeContent(findFiles(decodeProfilePackage(der), 'usim', 'ef-imsi')[0].file)!.value);
      const ok = readProfileHeader(der).iccid === iccid && imsi === imsiOf(i);
      console.log(`  spot check #${i}: ICCID ${iccid} IMSI ${imsi} ${ok ? 'ok' : 'MISMATCH'}`);
      if (!ok) process.exitCode = 1;
    }
  } finally {
    await db.destroy();
    if (!keep) {
      await admin(`DROP DATABASE IF EXISTS ${database}`);
      console.log(`scratch database ${database} dropped`);
    } else console.log(`scratch database ${database} kept (--keep): DROP DATABASE ${database} when done`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
