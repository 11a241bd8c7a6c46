/**
 * Boots the whole application for end-to-end tests: a fresh database (PostgreSQL schema when DATABASE_URL is
 * set, else PGlite in a temp folder), a temp certs/ folder, HTTPS on a random port of 127.0.0.1.
 *
 *   let t: TestApp;
 *   beforeAll(async () => { t = await startTestApp(); });
 *   afterAll(() => t.close());
 *   const res = await t.request('/health');
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap/create-app';
import { Config, loadConfig } from '../../src/config/config.schema';
import type { LoadedPki } from '../../src/keys/tokens';
import { testDatabaseConfig, TestDatabaseConfig } from './database';
import { send, TestRequest, TestResponse } from './http';
import { TestTls, writeTestTls } from './tls';

export interface TestAppOptions {
  /** Environment overrides, e.g. { TLS_MODE: 'off', BODY_LIMIT: '2kb' } (LOG_LEVEL defaults to silent). */
  env?: Record<string, string>;
  /**
   * The PKI to use. Default: a stand-in with one P-256 key `dp/test/dpauth` and no CI. Pass 'load' to run the
   * real start-up path on the temp certs folder (development PKI generation + cert store).
   */
  pki?: LoadedPki | 'load';
  /** Reuse a database (e.g. to restart on the same data); default: a fresh one, removed by close(). */
  database?: TestDatabaseConfig;
  extraModules?: Array<Type | DynamicModule>;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: Config;
  baseUrl: string;
  /** TLS material in use (undefined with TLS_MODE=off). */
  tls?: TestTls;
  certsDir: string;
  database: TestDatabaseConfig;
  /** HTTP(S) request to the app; trusts the test server certificate. */
  request(path: string, req?: TestRequest): Promise<TestResponse>;
  /** Stops the app; drops the database and temp folders unless `keepDatabase`. */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

export function standInPki(): LoadedPki {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { store: {}, privateKeys: new Map([['dp/test/dpauth', privateKey]]), ciCount: 0 };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const work = mkdtempSync(join(tmpdir(), 'smdp-app-'));
  const certsDir = join(work, 'certs');
  const database = options.database ?? testDatabaseConfig();
  const env = { LOG_LEVEL: 'silent', SEED_DEMO: 'false', PORT: '8443', HOST: '127.0.0.1', ...options.env };
  const base = loadConfig({ ...env, CERTS_DIR: certsDir, DATA_DIR: join(work, 'data') });
  const config: Config = { ...base, ...database.config, port: 0 };
  const tls = config.tlsMode === 'on' ? await writeTestTls(certsDir) : undefined;
  const pki = options.pki === 'load' ? undefined : (options.pki ?? standInPki());
  const app = await createApp(config, { pki, quiet: env.LOG_LEVEL === 'silent', extraModules: options.extraModules });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `${config.tlsMode === 'on' ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    app,
    config,
    baseUrl,
    tls,
    certsDir,
    database,
    request: (path, req = {}) => send(baseUrl, path, { ...req, tls: { ca: tls?.serverCa, ...req.tls } }),
    close: async ({ keepDatabase = false } = {}) => {
      await app.close();
      if (!keepDatabase) await database.cleanup();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
