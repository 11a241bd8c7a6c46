/**
 * Builds the Nest application on Fastify (used by main.ts and by end-to-end tests):
 * certs (dev PKI on first run) → HTTPS options → Nest (config, logs, database + migrations, keys, modules)
 * → global filter, X-Admin-Protocol and request-id hooks, OpenAPI at /docs. Does not listen.
 */
import { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import pino from 'pino';
import { AppModule } from '../app.module';
import { ADMIN_PROTOCOL_HEADER, negotiateAdminProtocol } from '../common/admin-protocol';
import { createRootLogger, installRequestLogging, REQUEST_ID_HEADER, requestIdFor } from '../common/logging';
import { RspError } from '../common/rsp-error';
import { isRspPath, RspExceptionFilter } from '../common/rsp-exception.filter';
import { RSP_CONTENT_TYPE, rspFailure } from '../common/rsp-response';
import type { Config } from '../config/config.schema';
import { preparePki } from '../keys/pki-loader';
import type { LoadedPki } from '../keys/tokens';
import { tlsServerOptions } from './tls';

export interface CreateAppOptions {
  /** Use this PKI instead of loading certs/ (tests). */
  pki?: LoadedPki;
  /** Keep Nest's own start-up messages quiet (tests). Default: follow LOG_LEVEL. */
  quiet?: boolean;
  /** Modules added after FEATURE_MODULES (tests: a probe controller). */
  extraModules?: Array<Type | DynamicModule>;
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  // Before Nest exists: the same JSON lines as nestjs-pino writes later.
  const bootLog = pino({ level: options.quiet ? 'silent' : config.logLevel }).child({ context: 'Bootstrap' });
  const pki = options.pki ?? (await preparePki(config, (m) => bootLog.info(m)));

  const adapter = new FastifyAdapter({
    ...(config.tlsMode === 'on' ? { https: tlsServerOptions(pki.store) } : {}),
    bodyLimit: config.bodyLimit,
    logger: false,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => requestIdFor(req as IncomingMessage & { id?: unknown }),
    // Behind a TLS-terminating proxy (TLS_MODE=off) the client address comes from X-Forwarded-For.
    trustProxy: config.tlsMode === 'off',
  });

  const logger = createRootLogger(config);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, pki, extraModules: options.extraModules, logger }), adapter, {
    bufferLogs: true,
    abortOnError: false,
    logger: options.quiet ? false : undefined,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new RspExceptionFilter());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  installRequestLogging(fastify, logger);
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (!isRspPath(request.url)) return;
    try {
      reply.header(ADMIN_PROTOCOL_HEADER, negotiateAdminProtocol(request.headers[ADMIN_PROTOCOL_HEADER]));
    } catch (e) {
      // SGP.22 §6.1.1: unsupported version → 1.3.2/3.1, HTTP 200.
      await reply.status(200).header('content-type', RSP_CONTENT_TYPE).send(rspFailure(e as RspError));
      return reply;
    }
  });

  setupOpenApi(app);
  await app.init();
  return app;
}

/** OpenAPI: UI at /docs, JSON at /docs-json. Controllers fill it in with @ApiTags / @ApiProperty. */
export function setupOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('open-smdpp')
      .setDescription('GSMA SGP.22 SM-DP+: ES9+ (LPA), ES2+ (operators, mutual TLS) and administration')
      .setVersion('0.1.0')
      .addTag('es9plus', 'SGP.22 §5.6 / §6.5.2 — LPAd ↔ SM-DP+ (POST /gsma/rsp2/es9plus/…)')
      .addTag('es2plus', 'SGP.22 §5.3 — operator ↔ SM-DP+ (POST /gsma/rsp2/es2plus/…, mutual TLS)')
      .addTag('admin', 'health and administration')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
