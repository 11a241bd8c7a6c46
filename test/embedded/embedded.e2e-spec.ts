/**
 * The embedded path, always on PGlite (even when DATABASE_URL is set): the app boots on a PGlite data folder,
 * runs the migrations once, keeps its data across a restart, reuses its generated profile encryption key,
 * runs the demo seeders, and serves plain HTTP with TLS_MODE=off. `.ci/run` runs this folder without
 * DATABASE_URL after the PostgreSQL run.
 */
import { Injectable, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DemoSeed, DemoSeeder } from '../../src/bootstrap/demo-seed';
import { PROFILE_ENCRYPTION_KEY } from '../../src/keys/tokens';
import { startTestApp, TestApp } from '../support/app';
import { testDatabaseConfig } from '../support/database';

const seeded: string[] = [];

@DemoSeeder({ order: 20 })
@Injectable()
class SecondSeed implements DemoSeed {
  async seed() {
    seeded.push('second');
  }
}

@DemoSeeder({ order: 10 })
@Injectable()
class FirstSeed implements DemoSeed {
  constructor(private readonly dataSource: DataSource) {}
  async seed() {
    // Idempotent, as every seeder must be: insert once.
    await this.dataSource.query(`INSERT INTO schema_info (key, value) VALUES ('demo', 'seeded') ON CONFLICT (key) DO NOTHING`);
    seeded.push('first');
  }
}

@Injectable()
class BrokenSeed implements DemoSeed {
  async seed() {
    throw new Error('demo data unavailable');
  }
}
DemoSeeder({ order: 15 })(BrokenSeed);

@Module({ providers: [FirstSeed, SecondSeed, BrokenSeed] })
class SeedProbeModule {}

describe('embedded database (PGlite in DATA_DIR)', () => {
  const database = testDatabaseConfig({ embedded: true });
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await database.cleanup();
  });

  it('boots over plain HTTP (TLS_MODE=off), migrates, seeds, and survives a restart', async () => {
    first = await startTestApp({ database, env: { TLS_MODE: 'off', SEED_DEMO: 'true' }, extraModules: [SeedProbeModule] });
    expect(first.baseUrl).toMatch(/^http:\/\//);
    expect(existsSync(join(database.config.pgliteDir, 'PG_VERSION'))).toBe(true);

    const health = await first.request('/health');
    expect(health.status).toBe(200);
    expect(health.json.database).toBe('up');

    // Seeders ran in `order`; the failing one was reported without stopping the others or the server.
    expect(seeded).toEqual(['first', 'second']);
    const ds = first.app.get<DataSource>(getDataSourceToken());
    const migrations = (await ds.query(`SELECT name FROM migrations`)).length;
    expect(migrations).toBeGreaterThanOrEqual(1);
    await ds.query(`INSERT INTO schema_info (key, value) VALUES ('restart-probe', 'kept')`);

    const key: Buffer = first.app.get(PROFILE_ENCRYPTION_KEY);
    expect(key.length).toBe(32);
    expect(readFileSync(join(first.dataDir, 'profile-encryption.key'), 'utf8').trim()).toBe(key.toString('hex'));

    await first.close({ keep: true });
    second = await startTestApp({
      database,
      certsDir: first.certsDir,
      dataDir: first.dataDir,
      env: { TLS_MODE: 'off', SEED_DEMO: 'true' },
      extraModules: [SeedProbeModule],
    });
    first = undefined;
    const ds2 = second.app.get<DataSource>(getDataSourceToken());
    expect(await ds2.query(`SELECT value FROM schema_info WHERE key IN ('restart-probe', 'demo') ORDER BY key`)).toEqual([
      { value: 'seeded' },
      { value: 'kept' },
    ]);
    expect((await ds2.query(`SELECT name FROM migrations`)).length).toBe(migrations);
    expect((second.app.get(PROFILE_ENCRYPTION_KEY) as Buffer).equals(key)).toBe(true);
    expect((await second.request('/health')).json.keys).toEqual(['dp/brp/dpauth', 'dp/brp/dppb', 'dp/nist/dpauth', 'dp/nist/dppb']);
  });
});
