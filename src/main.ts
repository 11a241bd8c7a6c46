/**
 * `npm start`: validate the configuration, prepare certs/ (development PKI on first run), open the database
 * and run its migrations, seed the demo data (SEED_DEMO), then listen.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap/create-app';
import { ConfigError, loadConfig, publicBaseUrl } from './config/config.schema';
import { describeDatabase } from './database/data-source';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const scheme = config.tlsMode === 'on' ? 'https' : 'http';
  const log = new Logger('Bootstrap');
  log.log(`database: ${describeDatabase(config)}`);
  log.log(`SM-DP+ listening on ${scheme}://${config.host}:${config.port} — announced as ${publicBaseUrl(config)}, OpenAPI at /docs`);
}

main().catch((err: unknown) => {
  console.error('start-up failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
