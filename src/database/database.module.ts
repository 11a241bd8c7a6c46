import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { createDataSourceOptions, ensureDatabaseSchema } from './data-source';

/**
 * TypeORM for the whole app (PostgreSQL from DATABASE_URL, else embedded PGlite); migrations run before the
 * app accepts requests. Modules use `TypeOrmModule.forFeature([MyEntity])` as usual; entity classes are
 * discovered from `*.entity.ts` files (see data-source.ts), so nothing needs registering here.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ ...createDataSourceOptions(config), retryAttempts: 2, retryDelay: 1000 }),
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const o = options as DataSourceOptions & { url?: string; schema?: string };
        await ensureDatabaseSchema({ databaseUrl: o.url, databaseSchema: o.schema });
        return new DataSource(o).initialize();
      },
    }),
  ],
})
export class DatabaseModule {}
