/**
 * Test databases, the same API on both back ends:
 *  - DATABASE_URL set (CI): a fresh schema on that server for each call (unique per jest worker, process and
 *    call, so parallel workers never collide), dropped again by `close()`;
 *  - otherwise: an embedded PGlite (in memory for `createTestDataSource`, in a temp folder for a booted app).
 * Starting PGlite takes a few seconds: create one per test file (beforeAll), reset rows with `truncateAll`.
 *
 *   let db: TestDataSource;
 *   beforeAll(async () => { db = await createTestDataSource(); });
 *   afterAll(() => db.close());
 *   // db.dataSource.getRepository(Order) …
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Config } from '../../src/config/config.schema';
import { DataSourceFactoryOptions, openDataSource } from '../../src/database/data-source';

export interface TestDataSource {
  dataSource: DataSource;
  /** 'postgres' when DATABASE_URL is set, else 'pglite'. */
  kind: 'postgres' | 'pglite';
  /** The schema created for this test (PostgreSQL only). */
  schema?: string;
  close(): Promise<void>;
}

/** Database settings for an isolated test database, plus the cleanup to run afterwards. */
export interface TestDatabaseConfig {
  config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'pgliteDir'>;
  kind: 'postgres' | 'pglite';
  cleanup(): Promise<void>;
}

export const usingPostgres = (): boolean => !!process.env.DATABASE_URL?.trim();

function uniqueSchemaName(): string {
  return `test_w${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Settings for a fresh database: on PostgreSQL a new schema (created when the app opens it), on PGlite a
 * temporary folder (`embedded: true` forces PGlite even when DATABASE_URL is set). Use it to boot the whole app (see test/support/app.ts); call `cleanup()` afterwards.
 */
export function testDatabaseConfig(opts: { embedded?: boolean } = {}): TestDatabaseConfig {
  const url = opts.embedded ? undefined : process.env.DATABASE_URL?.trim();
  if (url) {
    const schema = uniqueSchemaName();
    return {
      kind: 'postgres',
      config: { databaseUrl: url, databaseSchema: schema, pgliteDir: '' },
      cleanup: () => dropSchema(url, schema),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'smdp-pglite-'));
  return {
    kind: 'pglite',
    config: { databaseUrl: undefined, databaseSchema: undefined, pgliteDir: dir },
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A migrated, empty database (all migrations in src/database/migrations applied). */
export async function createTestDataSource(opts: DataSourceFactoryOptions = {}): Promise<TestDataSource> {
  const url = process.env.DATABASE_URL?.trim();
  if (url) {
    const schema = uniqueSchemaName();
    const dataSource = await openDataSource({ databaseUrl: url, databaseSchema: schema, pgliteDir: '' }, opts);
    return {
      dataSource,
      kind: 'postgres',
      schema,
      close: async () => {
        if (dataSource.isInitialized) await dataSource.destroy();
        await dropSchema(url, schema);
      },
    };
  }
  const dataSource = await openDataSource({ pgliteDir: '' }, { pgliteDir: null, ...opts });
  return {
    dataSource,
    kind: 'pglite',
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}

/** Empties every table except the migration bookkeeping (fast reset between tests). */
export async function truncateAll(dataSource: DataSource): Promise<void> {
  const rows: { name: string }[] = await dataSource.query(
    `SELECT quote_ident(tablename) AS name FROM pg_tables
      WHERE schemaname = current_schema() AND tablename NOT IN ('migrations', 'schema_info')`,
  );
  if (rows.length) await dataSource.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} RESTART IDENTITY CASCADE`);
}
