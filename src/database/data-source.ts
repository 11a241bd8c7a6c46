/**
 * The TypeORM data source: PostgreSQL from DATABASE_URL, else the embedded PGlite database in DATA_DIR/pglite.
 * Versioned migrations (never `synchronize`) run when the data source initialises, identically on both.
 *
 * Entities and migrations are discovered by file name, so a module only has to add files:
 *  - entities: any `src/**\/*.entity.ts` (compiled: `dist/**\/*.entity.js`) exporting a class;
 *  - migrations: every file in `src/database/migrations/` (timestamped: `<ms>-<Name>.ts`, class `<Name><ms>`).
 * Discovery uses `require`, which works both under ts-jest (TypeScript sources) and in dist/ (JavaScript).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { Config } from '../config/config.schema';
import { createPGliteDriver } from './pglite-driver';
import { PreparingClient } from './prepared-statements';
import { TypeOrmLogger } from './typeorm-logger';

/** src/ (or dist/) root: entity discovery starts here. */
const SOURCE_ROOT = join(__dirname, '..');
const MIGRATIONS_DIR = join(__dirname, 'migrations');

const isCode = (f: string) => /\.(ts|js)$/.test(f) && !/\.d\.ts$/.test(f) && !/\.(spec|int-spec|e2e-spec)\.(ts|js)$/.test(f);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

type Ctor = new (...args: never[]) => unknown;

function classesOf(file: string): Ctor[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as Record<string, unknown>;
  return Object.values(mod).filter((v): v is Ctor => typeof v === 'function' && /^class\s/.test(Function.prototype.toString.call(v)));
}

/** Every entity class in `*.entity.{ts,js}` under src/ (or dist/). */
export function discoverEntities(root = SOURCE_ROOT): Ctor[] {
  const files = walk(root).filter((f) => /\.entity\.(ts|js)$/.test(f) && isCode(f)).sort();
  return [...new Set(files.flatMap(classesOf))];
}

/** Every migration class in src/database/migrations (order: TypeORM sorts by the class name's timestamp). */
export function discoverMigrations(dir = MIGRATIONS_DIR): Ctor[] {
  const files = readdirSync(dir).filter(isCode).sort();
  return files.flatMap((f) => classesOf(join(dir, f)));
}

/** Quotes a validated identifier (config restricts schemas to [a-z_][a-z0-9_]*). */
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export interface DataSourceFactoryOptions {
  /** Override the entity list (default: discovered). */
  entities?: DataSourceOptions['entities'];
  /** Run migrations during initialize() (default true). */
  migrationsRun?: boolean;
  /** Use this PGlite folder instead of config.pgliteDir; `null` = in-memory. */
  pgliteDir?: string | null;
}

/** TypeORM options for the configured database. Pure: opens nothing. */
export function createDataSourceOptions(
  config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'pgliteDir'>,
  opts: DataSourceFactoryOptions = {},
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: opts.entities ?? discoverEntities(),
    migrations: discoverMigrations(),
    migrationsRun: opts.migrationsRun ?? true,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: ['error' as const, 'warn' as const, 'migration' as const],
    logger: new TypeOrmLogger(),
    maxQueryExecutionTime: 2000,
  };
  if (config.databaseUrl) {
    return {
      ...common,
      url: config.databaseUrl,
      ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
      // pg Pool options: the client class that prepares the hot statements (prepared-statements.ts).
      extra: {
        Client: PreparingClient,
        ...(config.databaseSchema ? { options: `-c search_path=${config.databaseSchema}` } : {}),
      },
    };
  }
  const dataDir = opts.pgliteDir === null ? undefined : (opts.pgliteDir ?? config.pgliteDir);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return { ...common, driver: createPGliteDriver({ dataDir }) } as DataSourceOptions;
}

/** Creates DATABASE_SCHEMA on the server when set (before TypeORM sets search_path to it). */
export async function ensureDatabaseSchema(config: Pick<Config, 'databaseUrl' | 'databaseSchema'>): Promise<void> {
  if (!config.databaseUrl || !config.databaseSchema) return;
  const client = new Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(config.databaseSchema)}`);
  } finally {
    await client.end();
  }
}

/** Opens the configured database and brings its schema up to date (runs pending migrations). */
export async function openDataSource(
  config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'pgliteDir'>,
  opts: DataSourceFactoryOptions = {},
): Promise<DataSource> {
  await ensureDatabaseSchema(config);
  return new DataSource(createDataSourceOptions(config, opts)).initialize();
}

/** Human description for logs, without credentials. */
export function describeDatabase(config: Pick<Config, 'databaseUrl' | 'databaseSchema' | 'pgliteDir'>): string {
  if (!config.databaseUrl) return `embedded PGlite at ${config.pgliteDir}`;
  try {
    const u = new URL(config.databaseUrl);
    return `PostgreSQL ${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}${config.databaseSchema ? ` (schema ${config.databaseSchema})` : ''}`;
  } catch {
    return 'PostgreSQL';
  }
}
