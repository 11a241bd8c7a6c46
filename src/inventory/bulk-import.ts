/**
 * Bulk personalisation straight into the inventory (issue 5 §3): rows of personalisation data (a CSV / vendor
 * ".out" stream from src/saip readPersonalisationCsv, or generated test ICCIDs) → one profile package each,
 * personalised from a template validated once (src/saip compilePersonalisationTemplate, digest §7
 * "personalisation touch points") → AES-256-GCM at rest (ProfileVault, AAD `profile:<ICCID>` as in
 * InventoryService.importProfile) → multi-row INSERTs, a batch at a time.
 *
 * Memory stays flat in the number of rows: rows are pulled from the (async) iterable only while a batch is
 * being filled, and at most two batches exist at once — the one being inserted and the next one being
 * prepared (personalised, sealed) meanwhile, which keeps the CPU and the database busy together. Nothing
 * grows with N: duplicates inside the stream are found by the database's unique index on `profiles.iccid`
 * (earlier batches are committed), not by an in-memory set of every ICCID.
 *
 * One batch = ONE statement (a data-modifying CTE inserting the `profiles` rows and their `profile_events`
 * audit rows), hence one transaction: a batch lands whole or not at all.
 *
 * Duplicate ICCIDs (within the input, or against the inventory — any operator's, `profiles.iccid` is unique):
 *  - `duplicates: 'skip'` (default): the row is not imported, the rest of its batch is; each one is reported
 *    (`onDuplicate`, and the first `maxReported` in the result) with its ICCID, its line and why — repeated
 *    in this input (with the line that first had it) or already in the inventory. This makes re-running an
 *    interrupted import with the same file safe: the rows already imported are skipped, the others added.
 *  - `duplicates: 'fail'`: the batch holding the duplicate is not written (earlier batches are), and
 *    BulkImportError names the ICCID and line.
 * A row that cannot be personalised (bad IMSI, Ki of the wrong length…) or whose ProfileHeader does not carry
 * its ICCID always stops the import with BulkImportError naming the line; earlier batches stay committed.
 */
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { compilePersonalisationTemplate, PersonalisationData, PersonalisationTemplate } from '../saip/personalise';
import { readProfileHeader } from '../saip/profile-package';
import { SaipError } from '../saip/errors';
import { Db, inTransaction } from './db';
import { ProfileVault } from './profile-vault';

/** A row to personalise; `line` (1-based, from readPersonalisationCsv) is used in reports, else its ordinal. */
export type BulkImportRow = PersonalisationData & { line?: number };

export interface DuplicateIccid {
  iccid: string;
  line: number;
  reason: 'repeated-in-input' | 'already-in-inventory';
  /** For `repeated-in-input`: the line of this input that first had the ICCID. */
  firstLine?: number;
}

export interface BulkImportProgress {
  /** Rows read from the input so far. */
  read: number;
  imported: number;
  duplicates: number;
  batches: number;
  elapsedMs: number;
  /** imported / elapsed. */
  profilesPerSecond: number;
  /** Line of the last row of the last committed batch. */
  line: number;
}

export interface BulkImportResult extends BulkImportProgress {
  /** Recorded in each audit event (`detail.bulkImport.run`). */
  runId: string;
  profileType: string;
  /** The first `maxReported` duplicates (all of them go to `onDuplicate`). */
  duplicateReports: DuplicateIccid[];
}

export interface BulkImportOptions {
  db: Db;
  vault: ProfileVault;
  operatorId: string;
  /** Default: the template's ProfileHeader profileType, else 'default'. */
  profileType?: string;
  /** The template package (DER, compiled here) or an already compiled template. */
  template: Buffer | PersonalisationTemplate;
  rows: AsyncIterable<BulkImportRow> | Iterable<BulkImportRow>;
  /** Profiles per INSERT (default 500; 1..5000). */
  batchSize?: number;
  duplicates?: 'skip' | 'fail';
  /** Audit actor (default 'bulk-import'). */
  actor?: string;
  onProgress?: (p: BulkImportProgress) => void;
  onDuplicate?: (d: DuplicateIccid) => void;
  /** Duplicates kept in the result (default 100). */
  maxReported?: number;
}

/** The import stopped: a bad row, a duplicate under `duplicates: 'fail'`, or bad options. `result` = what landed. */
export class BulkImportError extends Error {
  constructor(
    message: string,
    readonly result: BulkImportResult,
    readonly line?: number,
    readonly iccid?: string,
    readonly duplicates: DuplicateIccid[] = [],
  ) {
    super(message);
    this.name = 'BulkImportError';
  }
}

interface Prepared {
  iccid: string;
  line: number;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  sha256: Buffer;
}

/** Thrown inside the batch transaction to roll it back (duplicates under the 'fail' policy). */
const ROLLBACK = Symbol('rollback');

const PER_ROW = 5; // iccid, ciphertext, iv, tag, sha256
const FIXED = 9; // $1 operator, $2 type, $3 major, $4 minor, $5 size, $6 actor, $7 run, $8 iccids[], $9 lines[]

/**
 * One statement per batch: the profiles (state Available, the column default) and one audit event each
 * (from_state NULL → Available, detail.bulkImport = {run, line, profileType, size}). A row whose ICCID is
 * taken is left out (ON CONFLICT DO NOTHING); the rows inserted come back, so the caller sees which were not.
 */
function batchSql(n: number): string {
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = FIXED + 1 + i * PER_ROW;
    values.push(`($1, $${p}, $2, $3, $4, $${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $5)`);
  }
  return `WITH ins AS (
  INSERT INTO profiles (operator_id, iccid, profile_type, major_version, minor_version,
                        package_ciphertext, package_iv, package_tag, package_sha256, package_size)
  VALUES ${values.join(',\n         ')}
  ON CONFLICT (iccid) DO NOTHING
  RETURNING id, iccid
), ev AS (
  INSERT INTO profile_events (profile_id, to_state, actor, detail)
  SELECT ins.id, 'Available', $6::text,
         jsonb_build_object('bulkImport', jsonb_build_object('run', $7::text, 'line', l.line, 'profileType', $2::text, 'size', $5::int))
    FROM ins JOIN unnest($8::text[], $9::int[]) AS l(iccid, line) ON l.iccid = ins.iccid
   ORDER BY ins.id
)
SELECT iccid FROM ins`;
}

/** Why each of `iccids` is already in `profiles`: imported earlier by this run (which line) or before. */
async function explainExisting(db: Db, runId: string, batch: Prepared[], iccids: string[]): Promise<DuplicateIccid[]> {
  const rows: Array<{ iccid: string; detail: unknown }> = await db.query(
    `SELECT p.iccid, e.detail FROM profiles p
       LEFT JOIN LATERAL (SELECT detail FROM profile_events WHERE profile_id = p.id ORDER BY id LIMIT 1) e ON true
      WHERE p.iccid = ANY($1::text[])`,
    [iccids],
  );
  const firstLine = new Map<string, number | undefined>();
  for (const r of rows) {
    const d = (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as { bulkImport?: { run?: string; line?: number } } | null;
    firstLine.set(String(r.iccid), d?.bulkImport?.run === runId ? Number(d.bulkImport.line) : undefined);
  }
  return batch
    .filter((p) => firstLine.has(p.iccid))
    .map((p) => {
      const first = firstLine.get(p.iccid);
      return first !== undefined
        ? { iccid: p.iccid, line: p.line, reason: 'repeated-in-input' as const, firstLine: first }
        : { iccid: p.iccid, line: p.line, reason: 'already-in-inventory' as const };
    });
}

function describe(d: DuplicateIccid): string {
  return d.reason === 'repeated-in-input'
    ? `line ${d.line}: duplicate ICCID ${d.iccid} (already on line ${d.firstLine} of this input)`
    : `line ${d.line}: duplicate ICCID ${d.iccid} (already in the inventory)`;
}

/** A bulk import of at least this many profiles refreshes the planner statistics of `profiles`. */
const ANALYZE_AFTER = 1000;

/**
 * Personalises every row into its own profile and imports it (state Available, audit event), `batchSize`
 * profiles per statement, reading the input only as fast as the database takes it. See the file comment for
 * the duplicate policy. Throws BulkImportError (with what landed in `.result`) when it stops early.
 */
export async function bulkImportPersonalised(o: BulkImportOptions): Promise<BulkImportResult> {
  const t0 = performance.now();
  const batchSize = o.batchSize ?? 500;
  const skip = (o.duplicates ?? 'skip') === 'skip';
  const maxReported = o.maxReported ?? 100;
  const actor = o.actor ?? 'bulk-import';
  const runId = randomUUID();
  const template = Buffer.isBuffer(o.template) ? compilePersonalisationTemplate(o.template) : o.template;
  const header = readProfileHeader(template.personalise({ iccid: template.iccid }));
  const profileType = (o.profileType ?? header.profileType ?? 'default').trim();

  const state: BulkImportResult = {
    runId, profileType, read: 0, imported: 0, duplicates: 0, batches: 0, elapsedMs: 0, profilesPerSecond: 0, line: 0, duplicateReports: [],
  };
  const snapshot = (): BulkImportResult => {
    state.elapsedMs = performance.now() - t0;
    state.profilesPerSecond = state.elapsedMs > 0 ? (state.imported * 1000) / state.elapsedMs : 0;
    return { ...state, duplicateReports: [...state.duplicateReports] };
  };
  const fail = (message: string, line?: number, iccid?: string, dups: DuplicateIccid[] = []) =>
    new BulkImportError(message, snapshot(), line, iccid, dups);

  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw fail(`batch size must be 1..5000, got ${o.batchSize}`);
  if (!profileType || profileType.length > 128) throw fail('profile type must be 1..128 characters');
  const [op] = await o.db.query(`SELECT name FROM operators WHERE id = $1`, [o.operatorId]);
  if (!op) throw fail(`operator ${o.operatorId} unknown`);
  // As importProfile: the type exists with default metadata unless the operator set it.
  await o.db.query(
    `INSERT INTO profile_types (operator_id, name, service_provider_name, profile_name)
     SELECT $1, $2, o.name, $2 FROM operators o WHERE o.id = $1
     ON CONFLICT (operator_id, name) DO NOTHING`,
    [o.operatorId, profileType],
  );

  const report = (d: DuplicateIccid) => {
    state.duplicates++;
    if (state.duplicateReports.length < maxReported) state.duplicateReports.push(d);
    o.onDuplicate?.(d);
  };

  const sqlFull = batchSql(batchSize);
  const insert = async (batch: Prepared[]): Promise<void> => {
    const params: unknown[] = [
      o.operatorId, profileType, header.majorVersion, header.minorVersion, template.size, actor, runId,
      batch.map((p) => p.iccid), batch.map((p) => p.line),
    ];
    for (const p of batch) params.push(p.iccid, p.ciphertext, p.iv, p.tag, p.sha256);
    const sql = batch.length === batchSize ? sqlFull : batchSql(batch.length);
    let inserted: Array<{ iccid: string }>;
    if (skip) {
      inserted = await o.db.query(sql, params);
    } else {
      // All of the batch or none of it: roll back when a row met an existing ICCID.
      let dups: DuplicateIccid[] = [];
      try {
        inserted = await inTransaction(o.db, async (m) => {
          const r: Array<{ iccid: string }> = await m.query(sql, params);
          if (r.length !== batch.length) {
            const got = new Set(r.map((x) => String(x.iccid)));
            dups = await explainExisting(m, runId, batch, batch.filter((p) => !got.has(p.iccid)).map((p) => p.iccid));
            throw ROLLBACK;
          }
          return r;
        });
      } catch (e) {
        if (e !== ROLLBACK) throw e;
        dups.forEach(report);
        const first = dups[0];
        throw fail(
          `${describe(first)}; the batch of lines ${batch[0].line}..${batch[batch.length - 1].line} was not imported`,
          first.line, first.iccid, dups,
        );
      }
    }
    if (skip && inserted.length !== batch.length) {
      const got = new Set(inserted.map((r) => String(r.iccid)));
      const missing = batch.filter((p) => !got.has(p.iccid)).map((p) => p.iccid);
      (await explainExisting(o.db, runId, batch, missing)).forEach(report);
    }
    state.imported += inserted.length;
    state.batches++;
    state.line = batch[batch.length - 1].line;
    o.onProgress?.(snapshot());
  };

  // One batch in flight while the next is prepared; its failure is picked up before the next insert.
  let inFlight: Promise<void> | undefined;
  let flightError: unknown;
  const settle = async () => {
    if (inFlight) await inFlight;
    inFlight = undefined;
    if (flightError !== undefined) throw flightError;
  };

  let batch: Prepared[] = [];
  let seen = new Map<string, number>(); // ICCID → line, this batch only
  let ordinal = 0;
  const hash = (b: Buffer) => createHash('sha256').update(b).digest();
  try {
    for await (const row of o.rows) {
      ordinal++;
      state.read++;
      const line = row.line ?? ordinal;
      let der: Buffer;
      try {
        der = template.personalise(row);
      } catch (e) {
        if (e instanceof SaipError) throw fail(`line ${line}: ${e.message}`, line, typeof row.iccid === 'string' ? row.iccid : undefined);
        throw e;
      }
      // The template was validated once; per profile, the ICCID the patch wrote into the ProfileHeader.
      const iccid = readProfileHeader(der).iccid;
      const expected = row.iccid.replace(/[Ff]+$/, '');
      if (iccid !== expected) throw fail(`line ${line}: the ProfileHeader carries ICCID ${iccid}, not ${expected}`, line, expected);
      const firstLine = seen.get(iccid);
      if (firstLine !== undefined) {
        const d: DuplicateIccid = { iccid, line, reason: 'repeated-in-input', firstLine };
        report(d);
        if (!skip) throw fail(`${describe(d)}; the batch holding it was not imported`, line, iccid, [d]);
        continue;
      }
      seen.set(iccid, line);
      const box = o.vault.seal(der, `profile:${iccid}`);
      batch.push({ iccid, line, ciphertext: box.ciphertext, iv: box.iv, tag: box.tag, sha256: hash(der) });
      if (batch.length === batchSize) {
        await settle(); // back-pressure: no third batch before the database took the first
        const b = batch;
        inFlight = insert(b).catch((e) => {
          flightError = e;
        });
        batch = [];
        seen = new Map();
      }
    }
    await settle();
    if (batch.length) await insert(batch);
    // Fresh planner statistics after a bulk load (issue 6): with stale ones PostgreSQL may serve allocation
    // (ES2+ DownloadOrder by profile type) by sorting every Available row instead of reading the partial index
    // in order, until autovacuum gets to the table (or never, where it is turned off).
    if (state.imported >= ANALYZE_AFTER) await o.db.query('ANALYZE profiles');
  } catch (e) {
    if (inFlight) await inFlight; // never leave a statement running behind the caller's back
    if (e instanceof BulkImportError) throw new BulkImportError(e.message, snapshot(), e.line, e.iccid, e.duplicates);
    if (e instanceof SaipError) throw fail(e.message); // the reader's own errors name their line
    throw e;
  }
  return snapshot();
}

/** Number of parameters a batch of `n` uses (PostgreSQL allows 65,535). */
export const batchParameterCount = (n: number): number => FIXED + n * PER_ROW;
