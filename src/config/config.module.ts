import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { Config, loadConfig } from './config.schema';

/** Global: every module can inject `AppConfig`. */
@Global()
@Module({})
export class ConfigModule {
  /** With no argument, validates process.env (throws ConfigError naming the bad variable). */
  static forRoot(config: Config = loadConfig(process.env)): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: AppConfig, useValue: config }],
      exports: [AppConfig],
    };
  }
}
