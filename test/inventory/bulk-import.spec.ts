/**
 * bulkImportPersonalised without a database: a fake Db records each statement, so the tests see exactly what
 * a batch sends (parameters, sealed packages) and that the input is read no faster than the database takes
 * batches (back-pressure: at most one batch in flight and one being filled).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchParameterCount, BulkImportError, bulkImportPersonalised, BulkImportRow } from '../../src/inventory/bulk-import';
import { Db } from '../../src/inventory/db';
import { ProfileVault } from '../../src/inventory/profile-vault';
import { compilePersonalisationTemplate, generateTestIccids, PersonalisationTemplate, readProfileHeader } from '../../src/saip';

const TEMPLATE = readFileSync(join(__dirname, '..', 'fixtures', 'ts48', 'SAIP2.3_NoBERTLV.der'));
const OP = '11111111-2222-3333-4444-555555555555';
let ivCounter = 0;
const vault = new ProfileVault(Buffer.alloc(32, 1), (n) => Buffer.alloc(n, ++ivCounter));

interface Call {
  sql: string;
  params: unknown[];
}

/** A Db whose batch INSERT waits for `release()` (or answers at once when `auto`). */
function fakeDb(opts: { auto?: boolean; taken?: string[] } = {}) {
  const calls: Call[] = [];
  const waiting: Array<() => void> = [];
  const taken = new Set(opts.taken ?? []);
  const db = {
    query: async (sql: string, params: unknown[] = []) => {
      calls.push({ sql, params });
      if (sql.startsWith('SELECT name FROM operators')) return params[0] === OP ? [{ name: 'acme' }] : [];
      if (sql.startsWith('WITH ins AS')) {
        if (!opts.auto) await new Promise<void>((r) => waiting.push(r));
        const iccids = params[7] as string[];
        const fresh = iccids.filter((i) => !taken.has(i));
        fresh.forEach((i) => taken.add(i));
        return fresh.map((iccid) => ({ iccid }));
      }
      if (sql.includes('FROM profiles p')) return (params[0] as string[]).map((iccid) => ({ iccid, detail: null }));
      return [];
    },
  };
  return { db: db as unknown as Db, calls, release: () => waiting.shift()?.(), pending: () => waiting.length };
}

const batches = (calls: Call[]) => calls.filter((c) => c.sql.startsWith('WITH ins AS'));
const tick = () => new Promise((r) => setImmediate(r));

describe('bulkImportPersonalised (fake database)', () => {
  it('reads at most two batches ahead of the database: one in flight, one filled', async () => {
    let pulled = 0;
    function* rows(): Generator<BulkImportRow> {
      for (const iccid of generateTestIccids('8900042', 0, 50)) {
        pulled++;
        yield { iccid };
      }
    }
    const f = fakeDb();
    const done = bulkImportPersonalised({ db: f.db, vault, operatorId: OP, template: TEMPLATE, rows: rows(), batchSize: 10 });
    for (let i = 0; i < 20; i++) await tick();
    expect(f.pending()).toBe(1);
    expect(pulled).toBe(20); // batch 1 (rows 1-10) in flight, batch 2 (11-20) waiting for it
    f.release();
    for (let i = 0; i < 20; i++) await tick();
    expect(f.pending()).toBe(1);
    expect(pulled).toBe(30);
    while (f.pending() || batches(f.calls).length < 5) {
      f.release();
      await tick();
    }
    const r = await done;
    expect(r).toMatchObject({ read: 50, imported: 50, batches: 5, duplicates: 0, line: 50 });
    expect(batches(f.calls).map((c) => (c.params[7] as string[]).length)).toEqual([10, 10, 10, 10, 10]);
  });

  it('sends each profile sealed under its ICCID, with the header values and the last short batch', async () => {
    ivCounter = 0;
    const f = fakeDb({ auto: true });
    const iccids = [...generateTestIccids('8944', 7, 7)];
    const r = await bulkImportPersonalised({
      db: f.db, vault, operatorId: OP, profileType: 'gold', template: TEMPLATE, batchSize: 4, actor: 'cli',
      rows: iccids.map((iccid, i) => ({ iccid, imsi: `0010100000000${i}`, line: 100 + i })),
    });
    expect(r).toMatchObject({ read: 7, imported: 7, batches: 2, line: 106, profileType: 'gold' });
    const b = batches(f.calls);
    expect(b.map((c) => c.params.length)).toEqual([batchParameterCount(4), batchParameterCount(3)]);
    expect(batchParameterCount(4)).toBe(29);
    expect(b[1].sql.match(/\(\$1, \$\d+, \$2/g)).toHaveLength(3);
    expect(b[0].params.slice(0, 7)).toEqual([OP, 'gold', 2, 3, TEMPLATE.length, 'cli', r.runId]);
    expect(b[0].params[7]).toEqual(iccids.slice(0, 4));
    expect(b[0].params[8]).toEqual([100, 101, 102, 103]);
    const t = compilePersonalisationTemplate(TEMPLATE);
    for (let i = 0; i < 7; i++) {
      const c = b[i < 4 ? 0 : 1].params;
      const at = 9 + (i % 4) * 5;
      const [iccid, ciphertext, iv, tag, sha] = c.slice(at, at + 5) as [string, Buffer, Buffer, Buffer, Buffer];
      expect(iccid).toBe(iccids[i]);
      expect(iv).toEqual(Buffer.alloc(12, i + 1));
      const der = vault.open({ ciphertext, iv, tag }, `profile:${iccids[i]}`);
      expect(der.equals(t.personalise({ iccid: iccids[i], imsi: `0010100000000${i}` }))).toBe(true);
      expect(sha.equals(createHash('sha256').update(der).digest())).toBe(true);
      expect(() => vault.open({ ciphertext, iv, tag }, `profile:${iccids[(i + 1) % 7]}`)).toThrow();
    }
    // profile type created (default metadata) before any profile
    expect(f.calls[1].sql).toMatch(/^INSERT INTO profile_types/);
    expect(f.calls[1].params).toEqual([OP, 'gold']);
  });

  it('defaults the profile type to the template header', async () => {
    const f = fakeDb({ auto: true });
    const r = await bulkImportPersonalised({ db: f.db, vault, operatorId: OP, template: TEMPLATE, rows: [{ iccid: '89440000000000000016' }] });
    expect(r.profileType).toBe(readProfileHeader(TEMPLATE).profileType);
    expect(r.profileType).toBe('GSMA Generic eUICC Test Profile');
  });

  it('refuses bad options and an unknown operator before reading any row', async () => {
    const f = fakeDb({ auto: true });
    const rows = { [Symbol.iterator]: () => { throw new Error('read'); } } as Iterable<BulkImportRow>;
    await expect(bulkImportPersonalised({ db: f.db, vault, operatorId: OP, template: TEMPLATE, rows, batchSize: 0 })).rejects.toThrow(
      new BulkImportError('batch size must be 1..5000, got 0', {} as never),
    );
    await expect(bulkImportPersonalised({ db: f.db, vault, operatorId: OP, template: TEMPLATE, rows, batchSize: 5001 })).rejects.toThrow(
      'batch size must be 1..5000, got 5001',
    );
    await expect(
      bulkImportPersonalised({ db: f.db, vault, operatorId: '00000000-0000-0000-0000-000000000000', template: TEMPLATE, rows }),
    ).rejects.toThrow('operator 00000000-0000-0000-0000-000000000000 unknown');
  });

  it('stops when a package does not carry its row ICCID in the ProfileHeader (line named)', async () => {
    const real = compilePersonalisationTemplate(TEMPLATE);
    const broken: PersonalisationTemplate = { ...real, iccid: real.iccid, size: real.size, fields: real.fields, sites: real.sites,
      personalise: (d) => (d.iccid === '89440000000000000024' ? real.personalise({ iccid: '89440000000000000016' }) : real.personalise(d)),
      personaliseInto: real.personaliseInto.bind(real) };
    const f = fakeDb({ auto: true });
    const err = await bulkImportPersonalised({
      db: f.db, vault, operatorId: OP, template: broken, rows: [{ iccid: '89440000000000000016', line: 2 }, { iccid: '89440000000000000024', line: 3 }],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(BulkImportError);
    expect(err.message).toBe('line 3: the ProfileHeader carries ICCID 89440000000000000016, not 89440000000000000024');
    expect(err.line).toBe(3);
    expect(batches(f.calls)).toHaveLength(0);
  });

  it('a repeated ICCID inside one batch: skipped and reported (skip), or the import stops before that batch (fail)', async () => {
    const rows = () => [{ iccid: '89440000000000000016', line: 2 }, { iccid: '89440000000000000024', line: 3 }, { iccid: '89440000000000000016', line: 4 }];
    const f = fakeDb({ auto: true });
    const r = await bulkImportPersonalised({ db: f.db, vault, operatorId: OP, template: TEMPLATE, rows: rows() });
    expect(r).toMatchObject({ read: 3, imported: 2, duplicates: 1 });
    expect(r.duplicateReports).toEqual([{ iccid: '89440000000000000016', line: 4, reason: 'repeated-in-input', firstLine: 2 }]);

    const g = fakeDb({ auto: true });
    const err = await bulkImportPersonalised({ db: g.db, vault, operatorId: OP, template: TEMPLATE, rows: rows(), duplicates: 'fail' }).catch((e) => e);
    expect(err.message).toBe('line 4: duplicate ICCID 89440000000000000016 (already on line 2 of this input); the batch holding it was not imported');
    expect(err.result).toMatchObject({ imported: 0, duplicates: 1 });
    expect(batches(g.calls)).toHaveLength(0);
  });

  it('an ICCID already in the inventory: reported with its line', async () => {
    const f = fakeDb({ auto: true, taken: ['89440000000000000024'] });
    const seen: unknown[] = [];
    const r = await bulkImportPersonalised({
      db: f.db, vault, operatorId: OP, template: TEMPLATE, onDuplicate: (d) => seen.push(d),
      rows: [{ iccid: '89440000000000000016' }, { iccid: '89440000000000000024' }, { iccid: '89440000000000000032' }],
    });
    expect(seen).toEqual([{ iccid: '89440000000000000024', line: 2, reason: 'already-in-inventory' }]);
    expect(r).toMatchObject({ imported: 2, duplicates: 1 });
  });
});
