/**
 * Child process of concurrency.int-spec.ts: opens the test schema on PostgreSQL, prints "ready", waits for a
 * line on stdin (the parent's start signal, so that all processes fire together), fires N DownloadOrders at
 * once (one pooled connection each), then prints the outcomes as one JSON line.
 * argv: <databaseUrl> <schema> <operatorId> <orders> <profileType>
 */
import 'reflect-metadata';
import { openDataSource } from '../../src/database/data-source';
import { RspError } from '../../src/common/rsp-error';
import { services } from './helpers';

async function main(): Promise<void> {
  const [url, schema, operatorId, n, profileType] = process.argv.slice(2);
  const ds = await openDataSource({ databaseUrl: url, databaseSchema: schema, pgliteDir: '' }, { migrationsRun: false, entities: [] });
  const s = services(ds);
  await ds.query('SELECT 1'); // warm the pool
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const results = await Promise.all(
    Array.from({ length: Number(n) }, async () => {
      try {
        return (await s.orders.downloadOrder({ operatorId, actor: `pid:${process.pid}` }, { profileType })).iccid;
      } catch (e) {
        return e instanceof RspError ? `error:${e.code}` : `crash:${(e as Error).message}`;
      }
    }),
  );
  await ds.destroy();
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e));
  process.exit(1);
});
