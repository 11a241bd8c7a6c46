/**
 * `npm run cli -- inventory import <file|dir>... --operator <name> [--profile-type X]` — imports unprotected
 * profile packages (DER; a directory: every *.der in it) into an operator's inventory, encrypted at rest.
 * `inventory personalise --operator <name> [--template <der>] (--csv <file> | --count N --iccid-prefix <digits>)`
 * — personalises a template once per CSV row / generated ICCID, streaming straight into the inventory
 * (src/inventory/bulk-import.ts).
 * `inventory types --operator <name>` · `inventory show <iccid> --operator <name>`
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { RspError } from '../../common/rsp-error';
import { BulkImportError, bulkImportPersonalised, BulkImportProgress, BulkImportRow, DuplicateIccid } from '../../inventory/bulk-import';
import { CliContext, openCliContext, parseArgs, str } from '../../inventory/cli-context';
import { ProfileVault } from '../../inventory/profile-vault';
import { assetPath } from '../../inventory/seed';
import { resolveProfileEncryptionKey } from '../../keys/profile-encryption-key';
import { generateTestIccids, readPersonalisationCsv, SaipError } from '../../saip';

export const summary =
  'profile inventory: import <file|dir>... | personalise --template <der> (--csv <file> | --count N --iccid-prefix <digits>) | types | show <iccid>';

const TS48_TEMPLATE = 'ts48-SAIP2.3_NoBERTLV.der';

const USAGE = `usage:
  npm run cli -- inventory import <file.der|dir>... --operator <name> [--profile-type <type>]
  npm run cli -- inventory personalise --operator <name> [--template <file.der>|ts48] [--profile-type <type>]
        (--csv <file>|- | --count <N> --iccid-prefix <digits> [--iccid-start <serial>] [--iccid-length 19|20]
         [--imsi-prefix <digits>]) [--batch 500] [--on-duplicate skip|fail]
      template: default ts48 = assets/profiles/${TS48_TEMPLATE} (GSMA TS.48 test profile)
      --csv: CSV (ICCID, IMSI, KI, OPC, PIN1, PUK1, ADM1, … columns) or the SIM vendors' .out file; '-' = stdin
      --count: N test profiles with unique Luhn-valid ICCIDs <prefix><serial><check digit>; with --imsi-prefix
               each also gets IMSI <prefix><serial> (15 digits)
      --on-duplicate: skip (default: report each duplicate ICCID with its line, import the rest — re-running
               an interrupted import is safe) or fail (stop; the batch holding it is not written)
  npm run cli -- inventory types --operator <name>
  npm run cli -- inventory show <iccid> --operator <name>`;

function packageFiles(paths: string[]): string[] {
  return paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.toLowerCase().endsWith('.der'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

const mb = (bytes: number) => `${Math.round(bytes / 1048576)} MB`;

/** `--template`: a file, or ts48 / a file name in assets/profiles/; default the TS.48 test profile. */
function templateFile(v: string | undefined): string {
  if (!v || v.toLowerCase() === 'ts48') return assetPath(TS48_TEMPLATE);
  if (existsSync(v)) return v;
  try {
    return assetPath(v);
  } catch {
    throw new Error(`template ${v} not found (a DER file, or ts48 for assets/profiles/${TS48_TEMPLATE})`);
  }
}

function positiveInt(v: string | true | undefined, what: string, def?: number): number {
  if (v === undefined && def !== undefined) return def;
  const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${what} must be a whole number`);
  return n;
}

/** Rows for --count: generated ICCIDs (unique, Luhn-valid), optionally an IMSI with the same serial. */
function* generatedRows(prefix: string, start: number, count: number, length: number, imsiPrefix?: string): Generator<BulkImportRow> {
  let serial = start;
  for (const iccid of generateTestIccids(prefix, start, count, length)) {
    yield imsiPrefix ? { iccid, imsi: imsiPrefix + String(serial++).padStart(15 - imsiPrefix.length, '0') } : { iccid };
  }
}

async function personalise(ctx: CliContext, opts: Record<string, string | true>): Promise<number> {
  const op = await ctx.operator(str(opts.operator));
  const path = templateFile(str(opts.template));
  const csv = str(opts.csv);
  let rows: AsyncIterable<BulkImportRow> | Iterable<BulkImportRow>;
  let source: string;
  if (csv && opts.count !== undefined) throw new Error('give either --csv or --count, not both');
  if (csv) {
    rows = readPersonalisationCsv(csv === '-' ? process.stdin : createReadStream(csv));
    source = csv === '-' ? 'stdin' : csv;
  } else if (opts.count !== undefined) {
    const count = positiveInt(opts.count, '--count');
    const prefix = str(opts['iccid-prefix']);
    if (!prefix) throw new Error('--count needs --iccid-prefix <digits> (e.g. 8900199, the issuer identification)');
    const length = positiveInt(opts['iccid-length'], '--iccid-length', 20);
    const imsiPrefix = str(opts['imsi-prefix']);
    if (imsiPrefix !== undefined && !/^[0-9]{5,14}$/.test(imsiPrefix)) throw new Error('--imsi-prefix must be 5 to 14 digits (MCC MNC …)');
    const start = positiveInt(opts['iccid-start'], '--iccid-start', 0);
    if (imsiPrefix && count > 0 && String(start + count - 1).length > 15 - imsiPrefix.length) {
      throw new Error(`serials ${start}..${start + count - 1} do not fit in the IMSI after prefix ${imsiPrefix}`);
    }
    rows = generatedRows(prefix, start, count, length, imsiPrefix);
    source = `${count} generated ICCIDs ${prefix}…`;
  } else {
    throw new Error('give --csv <file> or --count <N> --iccid-prefix <digits>');
  }
  const policy = str(opts['on-duplicate']) ?? 'skip';
  if (policy !== 'skip' && policy !== 'fail') throw new Error('--on-duplicate must be skip or fail');
  const vault = new ProfileVault(resolveProfileEncryptionKey(ctx.config).key);
  console.log(`personalising ${path} for operator '${op.name}' from ${source}`);

  let lastPrint = 0;
  let lastShown = -1;
  let peakRss = 0;
  const progress = (p: BulkImportProgress, force = false) => {
    const rss = process.memoryUsage().rss;
    peakRss = Math.max(peakRss, rss);
    if (force ? lastShown === p.imported + p.duplicates : p.elapsedMs - lastPrint < 2000) return;
    lastPrint = p.elapsedMs;
    lastShown = p.imported + p.duplicates;
    console.log(
      `  ${String(p.imported).padStart(9)} imported  ${String(p.duplicates).padStart(6)} duplicates  ` +
        `${Math.round(p.profilesPerSecond).toString().padStart(6)} profiles/s  RSS ${mb(rss)}  (line ${p.line})`,
    );
  };
  let shown = 0;
  const duplicate = (d: DuplicateIccid) => {
    if (shown++ < 20) {
      console.log(
        `  DUPLICATE line ${d.line}: ICCID ${d.iccid} ${d.reason === 'repeated-in-input' ? `(already on line ${d.firstLine} of this input)` : '(already in the inventory)'}` +
          (policy === 'skip' ? ', skipped' : ''),
      );
    } else if (shown === 21) console.log('  … (further duplicates counted, not shown)');
  };
  try {
    const r = await bulkImportPersonalised({
      db: ctx.db, vault, operatorId: op.id, profileType: str(opts['profile-type']), template: readFileSync(path), rows,
      batchSize: positiveInt(opts.batch, '--batch', 500), duplicates: policy, actor: 'cli', onProgress: progress, onDuplicate: duplicate,
    });
    progress(r, true);
    console.log(
      `${r.imported} profiles of type '${r.profileType}' imported (Available), ${r.duplicates} duplicate ICCIDs skipped, ` +
        `${r.read} rows read in ${(r.elapsedMs / 1000).toFixed(1)} s: ${Math.round(r.profilesPerSecond)} profiles/s, peak RSS ${mb(peakRss)}`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof BulkImportError)) throw e;
    console.error(`STOPPED: ${e.message}`);
    console.error(`${e.result.imported} profiles imported before it (up to line ${e.result.line}); fix the input and run again: rows already imported are then skipped as duplicates (--on-duplicate skip, the default)`);
    return 1;
  }
}

export async function run(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const { positional, opts } = parseArgs(rest);
  if (cmd === 'personalise' || cmd === 'personalize') {
    if (positional.length) {
      console.error(USAGE);
      return 2;
    }
    const ctx = await openCliContext();
    try {
      return await personalise(ctx, opts);
    } catch (e) {
      console.error(e instanceof RspError ? `${e.message} (${e.code})` : e instanceof SaipError || e instanceof Error ? e.message : String(e));
      return 1;
    } finally {
      await ctx.close();
    }
  }
  if (!cmd || !['import', 'types', 'show'].includes(cmd) || (cmd !== 'types' && !positional.length)) {
    console.error(USAGE);
    return 2;
  }
  const ctx = await openCliContext();
  try {
    const op = await ctx.operator(str(opts.operator));
    if (cmd === 'types') {
      for (const t of await ctx.inventory.listProfileTypes(op.id)) console.log(`${t.name.padEnd(40)} available ${t.available} / ${t.total}`);
      return 0;
    }
    if (cmd === 'show') {
      console.log(JSON.stringify(await ctx.inventory.getProfile(op.id, positional[0]), null, 2));
      return 0;
    }
    const files = packageFiles(positional);
    const results = await ctx.inventory.importProfiles(
      op.id,
      files.map((f) => ({ name: basename(f), der: readFileSync(f) })),
      { profileType: str(opts['profile-type']), actor: 'cli' },
    );
    for (const r of results) {
      if (r.ok) console.log(`imported  ${r.name}: ICCID ${r.iccid}, type '${r.profileType}', SAIP v${r.majorVersion}.${r.minorVersion}`);
      else console.log(`REFUSED   ${r.name}: ${r.error} (${r.code})`);
    }
    const ok = results.filter((r) => r.ok).length;
    console.log(`${ok} imported, ${results.length - ok} refused`);
    return ok === results.length ? 0 : 1;
  } catch (e) {
    console.error(e instanceof RspError ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e));
    return 1;
  } finally {
    await ctx.close();
  }
}
