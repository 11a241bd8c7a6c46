/**
 * `npm start`: validate the configuration, prepare certs/ (development PKI on first run), open the database
 * and run its migrations, seed the demo data (SEED_DEMO), then listen.
 *
 * WORKERS > 1 (PostgreSQL only; config.schema.ts refuses it with PGlite): node:cluster. The primary does the
 * one-time start-up work above once (certs, migrations, profile encryption key file, demo seed) with a full
 * boot that does not listen, closes it, then forks the workers; each worker boots the same application (its
 * migrations are then a no-op, no demo seed) and listens on the shared port. RSP sessions, orders and the
 * outbox are in PostgreSQL, so any worker serves any ES9+ step; the outbox workers claim with SKIP LOCKED.
 * A worker that dies after it started listening is replaced (logged); one that dies before stops the server
 * (a start-up error would only repeat). SIGTERM/SIGINT on the primary stops the workers, then the primary.
 */
import 'reflect-metadata';
import cluster, { Worker } from 'node:cluster';
import { Logger } from '@nestjs/common';
import pino from 'pino';
import { createApp } from './bootstrap/create-app';
import { Config, ConfigError, loadConfig, publicBaseUrl } from './config/config.schema';
import { describeDatabase } from './database/data-source';

/** How long the primary waits for its workers to close on SIGTERM before it kills them. */
const SHUTDOWN_GRACE_MS = 15_000;

/** Boots the application and listens (the whole server when WORKERS=1, one worker otherwise). */
async function serve(config: Config): Promise<void> {
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const scheme = config.tlsMode === 'on' ? 'https' : 'http';
  const log = new Logger('Bootstrap');
  const who = cluster.isWorker ? `worker ${cluster.worker!.id} (pid ${process.pid}) ` : '';
  log.log(`database: ${describeDatabase(config)}`);
  log.log(`SM-DP+ ${who}listening on ${scheme}://${config.host}:${config.port} — announced as ${publicBaseUrl(config)}, OpenAPI at /docs`);
}

/** The cluster primary: one-time start-up work, then N workers kept alive until SIGTERM/SIGINT. */
async function primary(config: Config): Promise<void> {
  const log = pino({ level: config.logLevel }).child({ context: 'Cluster' });
  // Certificates / development PKI, migrations, profile encryption key, demo seed: once, before any worker.
  const setup = await createApp(config);
  setup.flushLogs(); // buffered until listen(), which the primary never calls
  await setup.close();
  log.info(`start-up work done; starting ${config.workers} workers`);

  let stopping = false;
  const listening = new Set<number>();
  const start = (): Worker => {
    const w = cluster.fork();
    w.once('listening', () => listening.add(w.id));
    return w;
  };
  cluster.on('exit', (w, code, signal) => {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) return;
    if (!listening.has(w.id)) {
      log.error(`worker ${w.id} (pid ${w.process.pid}) exited during start-up (${how}); stopping`);
      void shutdown(1);
      return;
    }
    listening.delete(w.id);
    const next = start();
    log.error(`worker ${w.id} (pid ${w.process.pid}) exited (${how}); started worker ${next.id} (pid ${next.process.pid})`);
  });

  const shutdown = async (exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    log.info(`stopping ${workers.length} workers`);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => w.process.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
            w.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            w.process.kill('SIGTERM');
          }),
      ),
    );
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  for (let i = 0; i < config.workers; i++) start();
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  if (config.workers <= 1) return serve(config);
  if (cluster.isPrimary) return primary(config);
  // A worker: the primary already seeded the demo data (and printed its activation code).
  return serve({ ...config, seedDemo: false });
}

main().catch((err: unknown) => {
  console.error('start-up failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
