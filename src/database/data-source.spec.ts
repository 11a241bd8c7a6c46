import { DataSource } from 'typeorm';
import { createTestDataSource, TestDataSource, truncateAll } from '../../test/support/database';
import { createDataSourceOptions, describeDatabase, discoverMigrations } from './data-source';

describe('data source', () => {
  let db: TestDataSource;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDataSource();
    ds = db.dataSource;
  });
  afterAll(() => db?.close());

  it('discovers every migration file', () => {
    const names = discoverMigrations().map((m) => m.name);
    expect(names).toContain('SchemaInfo1700000000000');
  });

  it(`runs the migrations at start-up (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, async () => {
    expect(db.kind).toBe(process.env.DATABASE_URL ? 'postgres' : 'pglite');
    const done: { name: string }[] = await ds.query(`SELECT name FROM migrations ORDER BY id`);
    expect(done[0].name).toBe('SchemaInfo1700000000000');
    expect(done.map((d) => d.name)).toEqual(discoverMigrations().map((m) => m.name).sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13))));
    expect(await ds.query(`SELECT value FROM schema_info WHERE key = 'application'`)).toEqual([{ value: 'open-smdpp' }]);
    expect(await ds.showMigrations()).toBe(false);
  });

  it('keeps RSP sessions out of the write-ahead log and encrypted columns uncompressed (issue 6)', async () => {
    const [t] = await ds.query(`SELECT relpersistence FROM pg_class WHERE relname = 'rsp_sessions'`);
    expect(t.relpersistence).toBe('u');
    const cols = await ds.query(
      `SELECT c.relname || '.' || a.attname AS col, a.attstorage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE (c.relname, a.attname) IN (('rsp_sessions', 'bpp'), ('profiles', 'package_ciphertext'), ('profiles', 'ppk_protected'))
        ORDER BY 1`,
    );
    expect(cols).toEqual([
      { col: 'profiles.package_ciphertext', attstorage: 'e' },
      { col: 'profiles.ppk_protected', attstorage: 'e' },
      { col: 'rsp_sessions.bpp', attstorage: 'e' },
    ]);
  });

  it('returns pg value types on both back ends (int8 string, bytea Buffer, affected rows)', async () => {
    await ds.query(`CREATE TABLE t_values (id int8 PRIMARY KEY, blob bytea, flag boolean)`);
    await ds.query(`INSERT INTO t_values VALUES ($1, $2, $3), (2, NULL, false)`, ['9007199254740993', Buffer.from('0102ff', 'hex'), true]);
    const rows = await ds.query(`SELECT id, blob, flag FROM t_values ORDER BY id`);
    expect(rows[0].id).toBe('2');
    expect(rows[1].id).toBe('9007199254740993');
    expect(Buffer.isBuffer(rows[1].blob)).toBe(true);
    expect((rows[1].blob as Buffer).toString('hex')).toBe('0102ff');
    expect(rows[1].flag).toBe(true);
    const qr = ds.createQueryRunner();
    const upd = await qr.query(`UPDATE t_values SET flag = $1 WHERE id > $2`, [true, 0], true);
    await qr.release();
    expect(upd.affected).toBe(2);
    await truncateAll(ds);
    expect(await ds.query(`SELECT count(*)::int AS n FROM t_values`)).toEqual([{ n: 0 }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM schema_info`)).toEqual([{ n: 1 }]);
    await ds.query(`DROP TABLE t_values`);
  });

  it('keeps concurrent transactions apart', async () => {
    await ds.query(`CREATE TABLE t_tx (id int PRIMARY KEY)`);
    const failing = ds.transaction(async (em) => {
      await em.query(`INSERT INTO t_tx VALUES (1)`);
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('roll me back');
    });
    const ok = ds.transaction(async (em) => {
      await em.query(`INSERT INTO t_tx VALUES (2)`);
    });
    await expect(failing).rejects.toThrow('roll me back');
    await ok;
    expect(await ds.query(`SELECT id FROM t_tx ORDER BY id`)).toEqual([{ id: 2 }]);
    await ds.query(`DROP TABLE t_tx`);
  });

  it('builds options without opening anything', () => {
    const pg = createDataSourceOptions({ databaseUrl: 'postgres://u:secret@db:5432/smdp', databaseSchema: 's1', pgliteDir: '' }, { entities: [] });
    expect(pg).toMatchObject({ type: 'postgres', url: 'postgres://u:secret@db:5432/smdp', schema: 's1', synchronize: false, migrationsRun: true });
    expect(describeDatabase({ databaseUrl: 'postgres://u:secret@db:5432/smdp', pgliteDir: '' })).toBe('PostgreSQL db:5432/smdp');
    expect(describeDatabase({ pgliteDir: '/d/pglite' })).toBe('embedded PGlite at /d/pglite');
  });
});
