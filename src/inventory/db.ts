/**
 * Raw-SQL helpers shared by the inventory, operators, ES2+ and outbox services.
 *
 * The services speak plain SQL through TypeORM's DataSource/EntityManager (`query`), so the same statements
 * run on PostgreSQL and on embedded PGlite. Two driver differences are absorbed here:
 *  - UPDATE/DELETE results: pg returns [rows, count], PGlite rows → every data-changing statement that
 *    needs rows back is written as `WITH x AS (UPDATE … RETURNING …) SELECT * FROM x`, so `query` always
 *    yields rows;
 *  - (PGlite being one session, src/database/pglite-driver.ts serialises query runners; inside a transaction
 *    every statement must go through the transaction's EntityManager.)
 */
import { DataSource, EntityManager } from 'typeorm';

export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>;
}

export type Db = DataSource | EntityManager;

/** Runs `fn` in one transaction (a new one on a DataSource; the caller's when given an EntityManager). */
export async function inTransaction<T>(db: Db, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  let ds: DataSource;
  if (db instanceof EntityManager) {
    if (db.queryRunner?.isTransactionActive) return fn(db);
    ds = db.dataSource;
  } else {
    ds = db as DataSource;
  }
  return ds.transaction(fn);
}

/** Buffer from a bytea column (pg: Buffer, PGlite: Uint8Array). */
export function buf(v: unknown): Buffer | undefined {
  if (v === null || v === undefined) return undefined;
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError('not a bytea value');
}

/** Date from a timestamptz column. */
export function date(v: unknown): Date | undefined {
  if (v === null || v === undefined) return undefined;
  return v instanceof Date ? v : new Date(String(v));
}

/** SQLSTATE of a failed query (TypeORM wraps the driver error). */
export function sqlState(e: unknown): string | undefined {
  const x = e as { code?: string; driverError?: { code?: string } };
  return x?.driverError?.code ?? x?.code;
}

export const UNIQUE_VIOLATION = '23505';
