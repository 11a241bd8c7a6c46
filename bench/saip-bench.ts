/**
 * Personalisation throughput and memory: `npm run bench:saip -- [--count 1000000] [--source generated|csv]
 * [--sink hash|null] [--template file.der]`.
 *
 * Personalises N profiles from a TS.48 template through the same streaming path the CLI uses
 * (rows → personaliseBatch → sink), never holding more than one profile: `generated` rows come straight from
 * generateTestIccids; `csv` rows are CSV text produced on the fly and parsed by readPersonalisationCsv. Every
 * profile gets its own ICCID, IMSI, Ki, OPc, PIN1, PUK1 and ADM1. The sink hashes every byte (SHA-256) or
 * just counts. Prints profiles/s and RSS at regular points (memory must stay flat in N) and the peak RSS.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  compilePersonalisationTemplate, generateTestIccids, personaliseBatch, PersonalisationRow, readPersonalisationCsv,
  validateProfilePackage,
} from '../src/saip';

function opt(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : def;
}

const count = Number(opt('count', '1000000'));
const source = opt('source', 'generated');
const sinkKind = opt('sink', 'hash');
const templatePath = opt('template', join(__dirname, '..', 'test', 'fixtures', 'ts48', 'SAIP2.3_BERTLV_SUCI.der'));

const hex32 = (n: number) => n.toString(16).padStart(32, '0');

function* generatedRows(): Generator<PersonalisationRow> {
  let i = 0;
  for (const iccid of generateTestIccids('8900019', 0, count)) {
    yield {
      line: i + 1,
      iccid,
      imsi: String(1010000000000 + i).padStart(15, '0'),
      ki: hex32(i * 7919 + 1),
      opc: hex32(i * 104729 + 3),
      pin1: String(1000 + (i % 9000)),
      puk1: String(10000000 + (i % 90000000)),
      adm1: String(20000000 + (i % 80000000)),
    };
    i++;
  }
}

/** The same rows as CSV text, produced lazily in 1,000-row chunks. */
function csvText(): Readable {
  return Readable.from(
    (function* () {
      yield 'ICCID,IMSI,KI,OPC,PIN1,PUK1,ADM1\n';
      let chunk = '';
      let n = 0;
      for (const r of generatedRows()) {
        chunk += `${r.iccid},${r.imsi},${r.ki},${r.opc},${r.pin1},${r.puk1},${r.adm1}\n`;
        if (++n % 1000 === 0) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    })(),
  );
}

async function main(): Promise<void> {
  const templateDer = readFileSync(templatePath);
  const template = compilePersonalisationTemplate(templateDer);
  console.log(`template ${templatePath} (${template.size} B, ICCID ${template.iccid}), ${count} profiles, source ${source}, sink ${sinkKind}`);
  const hash = createHash('sha256');
  let bytes = 0;
  let peakRss = 0;
  let done = 0;
  let lastDer: Buffer | undefined;
  const t0 = process.hrtime.bigint();
  const step = Math.max(1, Math.floor(count / 10));
  const report = () => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(
      `${String(done).padStart(9)} profiles  ${s.toFixed(1).padStart(6)} s  ${Math.round(done / s).toString().padStart(7)} profiles/s  rss ${(rss / 2 ** 20).toFixed(0)} MiB  heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
    );
  };
  const rows = source === 'csv' ? readPersonalisationCsv(csvText()) : generatedRows();
  await personaliseBatch(template, rows, (der) => {
    if (sinkKind === 'hash') hash.update(der);
    bytes += der.length;
    done++;
    if (done === count) lastDer = der;
    if (done % step === 0) report();
    else if ((done & 0x3fff) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  if (lastDer) {
    const v = validateProfilePackage(lastDer);
    console.log(`last profile: ICCID ${v.summary.iccid}, IMSI ${v.summary.imsi}, valid ${v.ok}`);
  }
  console.log(
    `done: ${done} profiles, ${(bytes / 2 ** 30).toFixed(2)} GiB in ${secs.toFixed(1)} s = ${Math.round(done / secs)} profiles/s; ` +
      `peak rss sampled ${(peakRss / 2 ** 20).toFixed(0)} MiB, maxRSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB` +
      (sinkKind === 'hash' ? `; sha256 ${hash.digest('hex').slice(0, 16)}…` : ''),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
