import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InventoryModule } from '../inventory/inventory.module';
import { OperatorsModule } from '../operators/operators.module';
import { Es2PlusController } from './es2plus.controller';
import { OperatorApiController } from './operator-api.controller';

/** ES2+ (SGP.22 §5.3) and the operator API over HTTP. */
@Module({
  imports: [OperatorsModule, InventoryModule],
  controllers: [Es2PlusController, OperatorApiController],
})
export class Es2PlusModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Profile packages may be POSTed as raw DER (application/octet-stream). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as
      | { hasContentTypeParser?(t: string): boolean; addContentTypeParser?(t: string, o: object, fn: (req: unknown, body: Buffer, done: (e: Error | null, b?: Buffer) => void) => void): void }
      | undefined;
    if (!fastify?.addContentTypeParser || fastify.hasContentTypeParser?.('application/octet-stream')) return;
    fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
}
