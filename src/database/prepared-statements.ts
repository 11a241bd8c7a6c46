/**
 * Named prepared statements for the hot path (issue 6). PostgreSQL plans every unnamed statement anew:
 * ≈ 0.2 ms of planning for each of the download flow's CTE statements, as much as executing them. A statement
 * text marked with `prepared()` runs as a named prepared statement instead — parsed and planned once per
 * connection — when the data source is PostgreSQL (`PreparingClient` is the pool's client class); with PGlite
 * the mark changes nothing. Only fixed texts (and a few variants) are marked: each one stays prepared on
 * every pooled connection for the connection's life, so the set is bounded.
 */
import { Client } from 'pg';

const MAX_PREPARED = 200;
const names = new Map<string, string>();

/** Marks `sql` as a hot statement and returns it unchanged. */
export function prepared(sql: string): string {
  if (!names.has(sql) && names.size < MAX_PREPARED) names.set(sql, `smdp_${names.size + 1}`);
  return sql;
}

/** The statement name `sql` runs under (tests). */
export function preparedName(sql: string): string | undefined {
  return names.get(sql);
}

/** A pg client that runs marked statement texts as named prepared statements. */
export class PreparingClient extends Client {
  // pg's query() has many overloads; TypeORM calls query(text, values) and expects a promise.
  override query(...args: any[]): any {
    const [text, values] = args;
    if (typeof text === 'string' && args.length <= 2 && (values === undefined || Array.isArray(values))) {
      const name = names.get(text);
      if (name) return super.query({ name, text, values });
    }
    return (super.query as (...a: any[]) => any)(...args);
  }
}
