import { DynamicModule, Module, Type } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { DemoSeedModule } from './bootstrap/demo-seed';
import { createRootLogger, loggerParams } from './common/logging';
import type { Logger } from 'pino';
import { ConfigModule } from './config/config.module';
import type { Config } from './config/config.schema';
import { DatabaseModule } from './database/database.module';
import { Es2PlusModule } from './es2plus/es2plus.module';
import { Es9PlusModule } from './es9plus/es9plus.module';
import { InventoryModule } from './inventory/inventory.module';
import { OperatorsModule } from './operators/operators.module';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { MetricsModule } from './metrics/metrics.module';
import type { LoadedPki } from './keys/tokens';

/**
 * Feature modules. To plug yours in, add ONE line here (and your migration file in src/database/migrations).
 * Config (AppConfig), TypeORM, KEY_OPERATIONS, CERT_STORE and PROFILE_ENCRYPTION_KEY are global.
 */
export const FEATURE_MODULES: Array<Type | DynamicModule> = [
  HealthModule,
  OperatorsModule,
  InventoryModule,
  Es2PlusModule,
  Es9PlusModule,
  MetricsModule,
];

@Module({})
export class AppModule {
  static forRoot(options: { config: Config; pki: LoadedPki; extraModules?: Array<Type | DynamicModule>; logger?: Logger }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        LoggerModule.forRoot(loggerParams(options.logger ?? createRootLogger(options.config))),
        DatabaseModule,
        KeysModule.forRoot(options.pki),
        DemoSeedModule,
        ...FEATURE_MODULES,
        ...(options.extraModules ?? []),
      ],
    };
  }
}
