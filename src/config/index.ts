export { AppConfig } from './app-config';
export type { Config } from './config.schema';
export { ConfigError, loadConfig, publicBaseUrl } from './config.schema';
export { ConfigModule } from './config.module';
