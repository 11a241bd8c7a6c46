/**
 * bulkImportPersonalised against the database (PGlite, or PostgreSQL when DATABASE_URL is set): a CSV stream
 * personalised from the TS.48 template lands exactly its ICCIDs, each decrypting to its own package; duplicate
 * ICCIDs (in the input, against the inventory) are reported with their line under both policies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createTestDataSource, TestDataSource, truncateAll } from '../support/database';
import { BulkImportError, bulkImportPersonalised, DuplicateIccid } from '../../src/inventory/bulk-import';
import { InventoryService } from '../../src/inventory/inventory.service';
import { ProfileVault } from '../../src/inventory/profile-vault';
import { OperatorsService } from '../../src/operators/operators.service';
import {
  decodeProfilePackage, findFiles, generateTestIccids, iccidFromEfFormat, imsiFromEfFormat, readPersonalisationCsv,
  readProfileHeader, validateProfilePackage, wholeContent,
} from '../../src/saip';

const TEMPLATE = readFileSync(join(__dirname, '..', 'fixtures', 'ts48', 'SAIP2.3_NoBERTLV.der'));
const vault = new ProfileVault(Buffer.alloc(32, 7));
const N = 1200;

const imsiOf = (i: number) => `00101${String(i).padStart(10, '0')}`;
const kiOf = (i: number) => (i + 1).toString(16).padStart(32, '0');
const opcOf = (i: number) => (0xabc000 + i).toString(16).padStart(32, 'f');
const iccids = [...generateTestIccids('8900042', 0, N)];

/** The CSV as a stream of 100-row text chunks, made lazily (header on line 1, row i on line i + 2). */
function csvStream(lines: Iterable<string>): Readable {
  return Readable.from(
    (function* () {
      yield 'ICCID,IMSI,KI,OPC,PIN1\n';
      let chunk = '';
      let n = 0;
      for (const l of lines) {
        chunk += l + '\n';
        if (++n % 100 === 0) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    })(),
  );
}
const rowText = (iccid: string, i: number) => `${iccid},${imsiOf(i)},${kiOf(i)},${opcOf(i)},${String(1000 + i).slice(-4)}`;

let db: TestDataSource;
let opId: string;
let inventory: InventoryService;
beforeAll(async () => {
  db = await createTestDataSource();
  inventory = new InventoryService(db.dataSource, vault);
});
afterAll(() => db?.close());
beforeEach(async () => {
  await truncateAll(db.dataSource);
  opId = (await new OperatorsService(db.dataSource).createOperator('acme')).operator.id;
});

describe('bulkImportPersonalised', () => {
  it(`imports ${N} rows of a CSV stream: exactly those ICCIDs, Available, one audit event each, each its own package`, async () => {
    const progress: number[] = [];
    const r = await bulkImportPersonalised({
      db: db.dataSource, vault, operatorId: opId, profileType: 'gold', template: TEMPLATE, batchSize: 500,
      rows: readPersonalisationCsv(csvStream(iccids.map(rowText))),
      onProgress: (p) => progress.push(p.imported),
    });
    expect(r).toMatchObject({ read: N, imported: N, duplicates: 0, batches: 3, line: N + 1, profileType: 'gold' });
    expect(progress).toEqual([500, 1000, 1200]);
    expect(r.profilesPerSecond).toBeGreaterThan(0);

    const rows: Array<{ iccid: string; state: string; profile_type: string; major_version: number; minor_version: number; package_size: number }> =
      await db.dataSource.query(`SELECT iccid, state, profile_type, major_version, minor_version, package_size FROM profiles ORDER BY iccid`);
    expect(rows.map((x) => x.iccid)).toEqual([...iccids].sort());
    expect(new Set(rows.map((x) => `${x.state}|${x.profile_type}|${x.major_version}.${x.minor_version}|${x.package_size}`))).toEqual(
      new Set([`Available|gold|2.3|${TEMPLATE.length}`]),
    );
    const [ev] = await db.dataSource.query(
      `SELECT count(*)::int AS n, count(DISTINCT profile_id)::int AS profiles,
              min((detail->'bulkImport'->>'line')::int) AS first, max((detail->'bulkImport'->>'line')::int) AS last
         FROM profile_events WHERE to_state = 'Available' AND from_state IS NULL AND actor = 'bulk-import'
          AND detail->'bulkImport'->>'run' = $1`,
      [r.runId],
    );
    expect(ev).toEqual({ n: N, profiles: N, first: 2, last: N + 1 });
    expect(await inventory.listProfileTypes(opId)).toEqual([{ name: 'gold', available: N, total: N }]);

    // Spot checks: the stored package decrypts to the template personalised with this row's values.
    for (const i of [0, 1, 499, 500, 777, N - 1]) {
      const [p] = await db.dataSource.query(`SELECT id::text AS id FROM profiles WHERE iccid = $1`, [iccids[i]]);
      const der = await inventory.getProfilePackage(p.id);
      expect(der.length).toBe(TEMPLATE.length);
      expect(validateProfilePackage(der).errors).toEqual([]);
      const pkg = decodeProfilePackage(der);
      expect(readProfileHeader(der).iccid).toBe(iccids[i]);
      expect(iccidFromEfFormat(wholeContent(findFiles(pkg, 'mf', 'ef-iccid')[0].file)!.value)).toBe(iccids[i]);
      expect(imsiFromEfFormat(wholeContent(findFiles(pkg, 'usim', 'ef-imsi')[0].file)!.value)).toBe(imsiOf(i));
      const akas = pkg.elements.filter((e) => e.aka?.key);
      expect(akas.length).toBeGreaterThan(0);
      for (const a of akas) {
        expect(a.aka!.key!.value.toString('hex')).toBe(kiOf(i));
        expect(a.aka!.opc!.value.toString('hex')).toBe(opcOf(i));
      }
    }
    const view = await inventory.getProfile(opId, iccids[777]);
    expect(view.state).toBe('Available');
    expect(view.events).toHaveLength(1);
  });

  it('skip policy: a repeated ICCID and one already in the inventory are reported with their lines, the rest land', async () => {
    await bulkImportPersonalised({ db: db.dataSource, vault, operatorId: opId, template: TEMPLATE, rows: [{ iccid: iccids[9] }] });
    // 30 rows, batches of 8 (lines 2-9, 10-17, …): line 2+i holds iccids[i]; line 8 repeats line 5 (same batch),
    // line 27 repeats line 3 (an earlier, committed batch), line 11 holds iccids[9] imported above.
    const lines = iccids.slice(0, 30).map(rowText);
    lines[6] = rowText(iccids[3], 6);
    lines[25] = rowText(iccids[1], 25);
    const dups: DuplicateIccid[] = [];
    const r = await bulkImportPersonalised({
      db: db.dataSource, vault, operatorId: opId, profileType: 'gold', template: TEMPLATE, batchSize: 8,
      rows: readPersonalisationCsv(csvStream(lines)), onDuplicate: (d) => dups.push(d),
    });
    expect(dups).toEqual([
      { iccid: iccids[3], line: 8, reason: 'repeated-in-input', firstLine: 5 },
      { iccid: iccids[9], line: 11, reason: 'already-in-inventory' },
      { iccid: iccids[1], line: 27, reason: 'repeated-in-input', firstLine: 3 },
    ]);
    expect(r).toMatchObject({ read: 30, imported: 27, duplicates: 3, duplicateReports: dups });
    const [n] = await db.dataSource.query(`SELECT count(*)::int AS n FROM profiles`);
    expect(n.n).toBe(28);
    // The duplicate kept its first import (the template header's profile type, not 'gold').
    expect((await inventory.getProfile(opId, iccids[9])).profileType).not.toBe('gold');

    // Re-running the same input imports nothing new and reports every row as already in the inventory.
    const again = await bulkImportPersonalised({
      db: db.dataSource, vault, operatorId: opId, profileType: 'gold', template: TEMPLATE, batchSize: 8,
      rows: readPersonalisationCsv(csvStream(lines)),
    });
    expect(again).toMatchObject({ read: 30, imported: 0, duplicates: 30 });
  });

  it('fail policy: the batch holding a duplicate is not written, earlier batches are, the error names ICCID and line', async () => {
    const lines = iccids.slice(0, 20).map(rowText);
    lines[13] = rowText(iccids[2], 13); // line 15 repeats line 4, in the second batch of 10
    const err = await bulkImportPersonalised({
      db: db.dataSource, vault, operatorId: opId, template: TEMPLATE, batchSize: 10, duplicates: 'fail',
      rows: readPersonalisationCsv(csvStream(lines)),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(BulkImportError);
    expect(err.message).toBe(
      `line 15: duplicate ICCID ${iccids[2]} (already on line 4 of this input); the batch of lines 12..21 was not imported`,
    );
    expect(err).toMatchObject({ line: 15, iccid: iccids[2] });
    expect(err.result).toMatchObject({ imported: 10, batches: 1, duplicates: 1 });
    const rows = await db.dataSource.query(`SELECT iccid FROM profiles ORDER BY iccid`);
    expect(rows.map((x: { iccid: string }) => x.iccid)).toEqual(iccids.slice(0, 10));
    const [ev] = await db.dataSource.query(`SELECT count(*)::int AS n FROM profile_events`);
    expect(ev.n).toBe(10);
  });

  it('a row that cannot be personalised stops the import naming its line; committed batches stay', async () => {
    const lines = iccids.slice(0, 12).map(rowText);
    lines[7] = `${iccids[7]},12345,${kiOf(7)},${opcOf(7)},1234`; // IMSI too short, line 9
    const err = await bulkImportPersonalised({
      db: db.dataSource, vault, operatorId: opId, template: TEMPLATE, batchSize: 5, rows: readPersonalisationCsv(csvStream(lines)),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(BulkImportError);
    expect(err.message).toBe("line 9: IMSI must be 6 to 15 digits, got '12345'");
    expect(err.line).toBe(9);
    expect(err.result).toMatchObject({ imported: 5, read: 8 });
    const [n] = await db.dataSource.query(`SELECT count(*)::int AS n FROM profiles`);
    expect(n.n).toBe(5);
  });
});
