/**
 * Boots the whole application for end-to-end tests: a fresh database (PostgreSQL schema when DATABASE_URL is
 * set, else PGlite in a temp folder), a temp certs/ folder filled by the real start-up path (development PKI:
 * CIs nist+brp, dp/nist + dp/brp, CERT.DP.TLS for localhost, operator CA, test eUICCs in certs/euicc),
 * HTTPS on a random port of 127.0.0.1.
 *
 *   let t: TestApp;
 *   beforeAll(async () => { t = await startTestApp(); });
 *   afterAll(() => t.close());
 *   const res = await t.request('/health');
 *   const es2 = await t.request('/gsma/rsp2/es2plus/downloadOrder', { body, tls: t.operatorClient('op1') });
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/bootstrap/create-app';
import { Config, loadConfig } from '../../src/config/config.schema';
import type { LoadedPki } from '../../src/keys/tokens';
import { issueOperatorCertificate } from '../../src/pki/dev-pki';
import { testDatabaseConfig, TestDatabaseConfig } from './database';
import { send, TestRequest, TestResponse } from './http';

export interface TestAppOptions {
  /** Environment overrides, e.g. { TLS_MODE: 'off', BODY_LIMIT: '2kb' } (LOG_LEVEL defaults to silent, SEED_DEMO to false). */
  env?: Record<string, string>;
  /** Use this PKI instead of generating one in the temp certs folder. */
  pki?: LoadedPki;
  /** Reuse a certs folder (e.g. to restart); default: a fresh temp folder. */
  certsDir?: string;
  /** Reuse a database (e.g. to restart on the same data); default: a fresh one, removed by close(). */
  database?: TestDatabaseConfig;
  /** Reuse a data folder (profile encryption key); default: a fresh temp folder. */
  dataDir?: string;
  extraModules?: Array<Type | DynamicModule>;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: Config;
  baseUrl: string;
  certsDir: string;
  dataDir: string;
  database: TestDatabaseConfig;
  /** HTTP(S) request to the app; trusts the development CI that issued CERT.DP.TLS. */
  request(path: string, req?: TestRequest): Promise<TestResponse>;
  /** TLS client options presenting an ES2+ client certificate for `operatorName` (issued by the operator CA). */
  operatorClient(operatorName: string): { cert: string; key: string };
  /** Stops the app; removes the database and temp folders unless `keep`. */
  close(options?: { keep?: boolean }): Promise<void>;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const work = mkdtempSync(join(tmpdir(), 'smdp-app-'));
  const certsDir = options.certsDir ?? join(work, 'certs');
  const dataDir = options.dataDir ?? join(work, 'data');
  const database = options.database ?? testDatabaseConfig();
  const env = { LOG_LEVEL: 'silent', SEED_DEMO: 'false', HOST: '127.0.0.1', SMDP_ADDRESS: 'localhost', ...options.env };
  const base = loadConfig({ ...env, CERTS_DIR: certsDir, DATA_DIR: dataDir });
  const config: Config = { ...base, ...database.config, port: 0 };
  const app = await createApp(config, { pki: options.pki, quiet: env.LOG_LEVEL === 'silent', extraModules: options.extraModules });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const https = config.tlsMode === 'on';
  const baseUrl = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const ca = https ? readFileSync(join(certsDir, 'ci', 'nist.pem'), 'utf8') : undefined;
  return {
    app,
    config,
    baseUrl,
    certsDir,
    dataDir,
    database,
    request: (path, req = {}) => send(baseUrl, path, { ...req, tls: { ca, servername: 'localhost', ...req.tls } }),
    operatorClient: (name) => {
      const c = issueOperatorCertificate(certsDir, name);
      return { cert: c.certPem, key: c.keyPem };
    },
    close: async ({ keep = false } = {}) => {
      await app.close();
      if (!keep) {
        await database.cleanup();
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}
