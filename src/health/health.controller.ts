import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { KEY_OPERATIONS, KeyOperations } from '../keys/key-operations';
import { PKI_SUMMARY, PkiSummary } from '../keys/tokens';

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status: 'ok' | 'unavailable';
  @ApiProperty({ enum: ['up', 'down'] }) database: 'up' | 'down';
  @ApiProperty({ type: [String], example: ['dp/nist/dpauth', 'dp/nist/dppb'] }) keys: string[];
  @ApiProperty({ description: 'number of trusted CI certificates' }) cis: number;
}

/** Liveness/readiness: the database answers and signing keys are loaded (503 otherwise). */
@ApiTags('admin')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KEY_OPERATIONS) private readonly keys: KeyOperations,
    @Inject(PKI_SUMMARY) private readonly pki: PkiSummary,
  ) {}

  @Get()
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    let database: HealthDto['database'] = 'down';
    try {
      await this.dataSource.query('SELECT 1');
      database = 'up';
    } catch {
      database = 'down';
    }
    const keys = this.keys.keyIds();
    const ok = database === 'up' && keys.length > 0;
    reply.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', database, keys, cis: this.pki.cis };
  }
}
