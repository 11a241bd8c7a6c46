/**
 * MetricsModule: GET /metrics (Prometheus text exposition) and Fastify hooks that measure every ES9+/ES2+
 * function call. Global: any module may inject `Metrics` (or the `DOWNLOAD_METRICS` port) to report
 * downloads and installations.
 *
 * Measured in the HTTP layer (onSend → onResponse), so the latency includes body parsing, the
 * exception filter and serialisation, and failures are read from the response header actually sent
 * (statusCodeData of header.functionExecutionStatus, SGP.22 §6.5.1.4) whoever produced it.
 */
import { Controller, Get, Global, Header, Injectable, Module, OnModuleInit, Optional, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { failureOf, Metrics, rspRouteOf, RspRoute, StatusCodeData } from './metrics';

/** Injection token of the `DownloadMetrics` port (the same `Metrics` instance). */
export const DOWNLOAD_METRICS = Symbol('DOWNLOAD_METRICS');

/** SQL of the outbox backlog gauge: served by the partial index outbox_pending_idx (status = 'pending'). */
export const OUTBOX_BACKLOG_SQL = `SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`;

const ROUTE = Symbol('smdpMetricsRoute');
const FAILURE = Symbol('smdpMetricsFailure');
type Measured = FastifyRequest & { [ROUTE]?: RspRoute; [FAILURE]?: StatusCodeData };

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await this.metrics.exposition();
    reply.header('Content-Type', contentType);
    return body;
  }
}

/** Installs the measuring hooks on the Fastify instance once the application is assembled. */
@Injectable()
export class MetricsHooks implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost?.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify || typeof fastify.addHook !== 'function') return;
    installMetricsHooks(fastify, this.metrics);
  }
}

/**
 * onSend: classify the path and read the status code data of the body; onResponse: count and time it
 * (reply.elapsedTime runs from the moment Fastify received the request). No onRequest hook: an earlier
 * onRequest hook may answer by itself (the X-Admin-Protocol check does), and those answers count too.
 */
export function installMetricsHooks(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    const r = request as Measured;
    const route = rspRouteOf(request.url);
    if (route) {
      r[ROUTE] = route;
      r[FAILURE] = failureOf(payload);
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const r = request as Measured;
    const route = r[ROUTE] ?? rspRouteOf(request.url);
    if (route) metrics.observe(route, reply.elapsedTime / 1000, reply.statusCode, r[FAILURE]);
    done();
  });
}

@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: Metrics,
      inject: [{ token: DataSource, optional: true }],
      useFactory: (db?: DataSource) =>
        new Metrics({
          outboxBacklog: db
            ? async () => {
                const rows = (await db.query(OUTBOX_BACKLOG_SQL)) as Array<{ n: number | string }>;
                return Number(rows[0]?.n ?? 0);
              }
            : undefined,
        }),
    },
    { provide: DOWNLOAD_METRICS, useExisting: Metrics },
    MetricsHooks,
  ],
  exports: [Metrics, DOWNLOAD_METRICS],
})
export class MetricsModule {}
