/**
 * `npm run cli -- profile <command>`: profile packages (TCA eUICC Profile Package: Interoperable Format).
 *
 *   inspect <file> [--json]              readable summary (ICCID, IMSI, type, version, elements, applications,
 *                                        keys present — never their values) and the validation result
 *   validate <file>                      errors and warnings; exit code 1 when the package is not valid
 *   personalise --template <der> --csv <file> --out <dir> [--skip-errors]
 *                                        one <iccid>.der per row of a CSV or vendor ".out" file (streamed)
 *   generate --template <der> --count N --iccid-prefix <digits> --out <dir>
 *            [--start S] [--length 19|20] [--imsi-start <digits>]
 *                                        N test profiles with unique Luhn-valid ICCIDs (and consecutive IMSIs)
 * The inventory import lives with the inventory commands; it uses src/saip's validator.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  compilePersonalisationTemplate, generateTestIccids, personaliseBatch, PersonalisationRow, readPersonalisationCsv,
  SaipError, validateProfilePackage, ProfileValidationResult,
} from '../../saip';

export const summary = 'profile packages: inspect | validate | personalise | generate';

const USAGE = `usage:
  npm run cli -- profile inspect <file.der> [--json]
  npm run cli -- profile validate <file.der>
  npm run cli -- profile personalise --template <file.der> --csv <rows.csv|.out> --out <dir> [--skip-errors]
  npm run cli -- profile generate --template <file.der> --count <N> --iccid-prefix <digits> --out <dir>
                                  [--start <serial>] [--length 19|20] [--imsi-start <digits>]`;

function parseArgs(args: string[]): { positional: string[]; opts: Record<string, string | true> } {
  const positional: string[] = [];
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2);
      if (v !== undefined) opts[k] = v;
      else if (i + 1 < args.length && !args[i + 1].startsWith('--')) opts[k] = args[++i];
      else opts[k] = true;
    } else positional.push(a);
  }
  return { positional, opts };
}

function need(opts: Record<string, string | true>, k: string): string {
  const v = opts[k];
  if (typeof v !== 'string' || !v) throw new SaipError(`--${k} is required\n${USAGE}`);
  return v;
}

function printSummary(file: string, r: ProfileValidationResult): void {
  const s = r.summary;
  const line = (k: string, v: unknown) => console.log(`${k.padEnd(15)}${v ?? '-'}`);
  line('File', file);
  line('ICCID', s.iccid);
  line('IMSI', s.imsi);
  line('Profile type', s.profileType);
  line('Version', s.version);
  line('Size', `${s.size} bytes`);
  line('Services', s.mandatoryServices.join(', '));
  console.log(`Elements (${s.elements.length})`);
  for (const e of s.elements) {
    const id = e.identification !== undefined ? `id ${e.identification}` : '';
    const extra = [e.templateId ? `template ${e.templateId}` : '', e.mandated ? 'mandated' : ''].filter(Boolean).join(' ');
    console.log(`  #${String(e.index).padEnd(3)} ${e.type.padEnd(22)} ${id.padEnd(7)} ${String(e.length).padStart(6)} B  ${extra}`.trimEnd());
  }
  console.log('Applications');
  for (const a of s.applications) console.log(`  ${a.kind.padEnd(15)} ${a.aid}${a.label ? `  ${a.label}` : ''}`);
  console.log('Keys (present; values not shown)');
  for (const k of s.keys.aka) {
    console.log(`  akaParameter id ${k.identification}: ${k.algorithm}${k.keyLength ? `, key ${k.keyLength} B, opc ${k.opcLength} B` : ''}`);
  }
  if (s.keys.cdmaAuthenticationKey) console.log('  cdmaParameter: authenticationKey');
  console.log(`  PINs: ${s.keys.pins.join(', ') || '-'}`);
  console.log(`  PUKs: ${s.keys.puks.join(', ') || '-'}`);
  for (const k of s.keys.securityDomain) {
    console.log(`  securityDomain key version ${k.keyVersionNumber} id ${k.keyIdentifier}: usage ${k.keyUsageQualifier}, type ${k.keyType}, ${k.keyLength} B`);
  }
  printResult(r);
}

function printResult(r: ProfileValidationResult): void {
  console.log(r.ok ? 'Validation     OK' : `Validation     FAILED (${r.errors.length} error(s))`);
  for (const e of r.errors) console.log(`  error: ${e}`);
  for (const w of r.warnings) console.log(`  warning: ${w}`);
}

async function inspect(positional: string[], opts: Record<string, string | true>): Promise<number> {
  if (!positional[0]) throw new SaipError(USAGE);
  const r = validateProfilePackage(await readFile(positional[0]));
  if (opts.json) console.log(JSON.stringify({ file: positional[0], ...r }, null, 2));
  else printSummary(positional[0], r);
  return r.ok ? 0 : 1;
}

async function validate(positional: string[]): Promise<number> {
  if (!positional[0]) throw new SaipError(USAGE);
  const r = validateProfilePackage(await readFile(positional[0]));
  printResult(r);
  return r.ok ? 0 : 1;
}

async function personalise(opts: Record<string, string | true>): Promise<number> {
  const template = compilePersonalisationTemplate(await readFile(need(opts, 'template')));
  const out = need(opts, 'out');
  await mkdir(out, { recursive: true });
  let warnedKi = false;
  const started = Date.now();
  const r = await personaliseBatch(
    template,
    readPersonalisationCsv(createReadStream(need(opts, 'csv'))),
    async (der, row: PersonalisationRow) => {
      if (!row.ki && !warnedKi) {
        console.error(`warning: line ${row.line} has no KI; such profiles keep the template's Ki/OPc`);
        warnedKi = true;
      }
      await writeFile(join(out, `${row.iccid}.der`), der);
    },
    opts['skip-errors'] ? (err) => console.error(`skipped: ${err.message}`) : undefined,
  );
  console.log(`${r.count} profile(s) written to ${out}${r.skipped ? `, ${r.skipped} row(s) skipped` : ''} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r.skipped ? 1 : 0;
}

async function generate(opts: Record<string, string | true>): Promise<number> {
  const template = compilePersonalisationTemplate(await readFile(need(opts, 'template')));
  const count = Number(need(opts, 'count'));
  const start = opts.start ? Number(opts.start) : 1;
  const length = opts.length ? Number(opts.length) : 20;
  const out = need(opts, 'out');
  const imsiStart = typeof opts['imsi-start'] === 'string' ? opts['imsi-start'] : undefined;
  if (imsiStart !== undefined && !/^[0-9]{6,15}$/.test(imsiStart)) throw new SaipError('--imsi-start must be 6 to 15 digits');
  const iccids = generateTestIccids(need(opts, 'iccid-prefix'), start, count, length); // validates before any write
  const first = iccids.next();
  await mkdir(out, { recursive: true });
  function* rows(): Generator<PersonalisationRow> {
    let i = 0;
    for (let r = first; !r.done; r = iccids.next(), i++) {
      const imsi = imsiStart === undefined ? undefined : (BigInt(imsiStart) + BigInt(i)).toString().padStart(imsiStart.length, '0');
      if (imsi !== undefined && imsi.length > imsiStart!.length) throw new SaipError(`IMSI overflow after ${imsiStart}`);
      yield { iccid: r.value, imsi, line: i + 1 };
    }
  }
  const r = await personaliseBatch(template, rows(), (der, row) => writeFile(join(out, `${row.iccid}.der`), der));
  console.log(`${r.count} test profile(s) from template ${template.iccid} written to ${out}`);
  return 0;
}

export async function run(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const { positional, opts } = parseArgs(rest);
  try {
    switch (cmd) {
      case 'inspect': return await inspect(positional, opts);
      case 'validate': return await validate(positional);
      case 'personalise':
      case 'personalize': return await personalise(opts);
      case 'generate': return await generate(opts);
      default:
        console.error(USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof SaipError) {
      console.error(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
