/**
 * Embedded PostgreSQL (PGlite, WebAssembly) behind the `pg` driver interface TypeORM's postgres driver uses
 * (`options.driver = { Pool }`), so the same entities, migrations and SQL run on both.
 *
 * Why not `typeorm-pglite` as is: it keeps one process-wide instance, hands every query runner the same
 * session without locking (two concurrent transactions would interleave their statements in ONE PostgreSQL
 * transaction), and returns PGlite's value types. This adapter:
 *  - serialises sessions: `Pool.connect` hands out the single PGlite session to one query runner at a time
 *    (TypeORM acquires a connection per query runner and releases it after each query or transaction);
 *    a waiter that is not served within `acquireTimeoutMs` fails with a clear error (a query issued outside
 *    the transaction's EntityManager while that transaction is open would otherwise wait forever);
 *  - returns values like `pg` does: int8 as string, bytea as Buffer;
 *  - runs parameterless text through the simple-query protocol, so a migration may hold several statements.
 */
import { EventEmitter } from 'node:events';
import type { PGlite, PGliteOptions } from '@electric-sql/pglite';

type Callback<T> = (err: Error | null, value?: T) => void;

interface PgResult {
  rows: unknown[];
  rowCount: number;
  command?: string;
  fields: unknown[];
}

/** A FIFO mutex around the single PGlite session. */
class SessionLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  acquire(timeoutMs: number): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(
          new Error(
            `embedded database busy for ${timeoutMs} ms: is a query running outside the open transaction's EntityManager?`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(grant);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

export interface PGliteDriverOptions {
  /** Folder of the database files (persisted); omit for an in-memory database. */
  dataDir?: string;
  /** How long a query runner may wait for the session (default 30 s). */
  acquireTimeoutMs?: number;
  /** Extra PGlite options (extensions, …). */
  pglite?: Omit<PGliteOptions, 'dataDir'>;
}

async function createPGlite(options: PGliteDriverOptions): Promise<PGlite> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  const byteaParser = types.parsers?.[types.BYTEA];
  return PGlite.create({
    ...options.pglite,
    dataDir: options.dataDir,
    parsers: {
      // Same value types as `pg`: 64-bit integers stay strings, bytea is a Buffer.
      [types.INT8]: (v: string) => v,
      [types.BYTEA]: (v: string) => {
        const u8 = (byteaParser ? byteaParser(v, types.BYTEA) : Buffer.from(v.slice(2), 'hex')) as Uint8Array;
        return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
      },
      ...options.pglite?.parsers,
    },
    serializers: {
      // TypeORM passes JS booleans (and sometimes 1/0) for boolean columns.
      [types.BOOL]: (v: unknown) => (v === true || v === 1 || v === 'true' ? 't' : v === false || v === 0 || v === 'false' ? 'f' : String(v)),
      ...options.pglite?.serializers,
    },
  });
}

/**
 * Returns a `pg`-compatible module (`{ Pool }`) bound to one PGlite database. Pass it as TypeORM's
 * `driver` option with `type: 'postgres'`. `pglite()` gives the underlying instance once connected.
 */
export function createPGliteDriver(options: PGliteDriverOptions = {}): {
  Pool: new (config?: unknown) => EventEmitter;
  pglite(): Promise<PGlite>;
} {
  const acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
  let instance: Promise<PGlite> | undefined;
  const lock = new SessionLock();
  const db = () => (instance ??= createPGlite(options));

  async function run(sql: string, params?: unknown[]): Promise<PgResult> {
    const pg = await db();
    if (params && params.length > 0) {
      const r = await pg.query(sql, params);
      return toPg(r);
    }
    const all = await pg.exec(sql);
    const last = all[all.length - 1];
    return last ? toPg(last) : { rows: [], rowCount: 0, fields: [] };
  }

  class PGliteClient extends EventEmitter {
    query(sql: string | { text: string; values?: unknown[] }, params?: unknown[] | Callback<PgResult>, cb?: Callback<PgResult>): Promise<PgResult> | void {
      const text = typeof sql === 'string' ? sql : sql.text;
      let values = typeof sql === 'string' ? undefined : sql.values;
      let callback = cb;
      if (typeof params === 'function') callback = params;
      else if (params) values = params;
      const p = run(text, values);
      if (callback) {
        p.then((r) => callback!(null, r), (e: Error) => callback!(e));
        return;
      }
      return p;
    }
    release(): void {
      lock.release();
    }
  }

  class PGlitePool extends EventEmitter {
    private ended = false;
    constructor(_config?: unknown) {
      super();
    }

    connect(callback?: (err: Error | null, client?: PGliteClient, release?: (err?: unknown) => void) => void): Promise<PGliteClient> | void {
      const p = (async () => {
        if (this.ended) throw new Error('embedded database pool has ended');
        await lock.acquire(acquireTimeoutMs);
        try {
          await db();
        } catch (e) {
          lock.release();
          throw e;
        }
        return new PGliteClient();
      })();
      if (!callback) return p;
      p.then(
        (client) => {
          let released = false;
          callback(null, client, () => {
            if (!released) {
              released = true;
              client.release();
            }
          });
        },
        (e: Error) => callback(e),
      );
    }

    async query(sql: string, params?: unknown[]): Promise<PgResult> {
      await lock.acquire(acquireTimeoutMs);
      try {
        return await run(sql, params);
      } finally {
        lock.release();
      }
    }

    end(callback?: (err?: Error | null) => void): Promise<void> | void {
      this.ended = true;
      const p = (async () => {
        if (instance) {
          const pg = await instance;
          instance = undefined;
          if (!pg.closed) await pg.close();
        }
      })();
      if (!callback) return p;
      p.then(() => callback(null), (e: Error) => callback(e));
    }
  }

  return { Pool: PGlitePool, pglite: db };
}

function toPg(r: { rows: unknown[]; fields: unknown[]; affectedRows?: number; rowCount?: number; command?: string }): PgResult {
  // pg: rowCount = rows affected by INSERT/UPDATE/DELETE, rows returned by SELECT.
  const rowCount = r.command && r.command !== 'SELECT' ? (r.affectedRows ?? r.rowCount ?? 0) : r.rows.length;
  return { rows: r.rows, rowCount, command: r.command, fields: r.fields };
}
