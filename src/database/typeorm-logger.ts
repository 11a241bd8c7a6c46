import { Logger as NestLogger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';

/**
 * TypeORM → the app's JSON log. Failed queries are logged with their SQL text but never their parameters
 * (they may carry profile data or secrets); migrations and schema messages at info level.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new NestLogger('TypeORM');

  logQuery(): void {}
  logQueryError(error: string | Error, query: string): void {
    this.logger.warn({ query: query.slice(0, 2000) }, `query failed: ${error instanceof Error ? error.message : error}`);
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query: query.slice(0, 2000), ms: time }, 'slow query');
  }
  logSchemaBuild(message: string): void {
    this.logger.log(message);
  }
  logMigration(message: string): void {
    this.logger.log(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}
