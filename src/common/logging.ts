/**
 * Structured JSON logs (pino via nestjs-pino). Every request gets an id: the caller's `X-Request-Id` when it
 * is a short token, else a random UUID; it is echoed in the response header and attached to every log line
 * written while serving the request. Request and response bodies are never logged, and only an allow-list
 * of headers is (no Authorization, cookies or API keys).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Params } from 'nestjs-pino';
import { Store, storage } from 'nestjs-pino/storage';
import pino, { DestinationStream, Logger } from 'pino';
import type { Config } from '../config/config.schema';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const LOGGED_HEADERS = ['user-agent', 'x-admin-protocol', 'content-type', 'content-length', REQUEST_ID_HEADER];

/** The id for a request (also stored on the raw request's `id`, which the request logger binds). */
export function requestIdFor(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string') return req.id;
  const h = req.headers[REQUEST_ID_HEADER];
  const given = Array.isArray(h) ? h[0] : h;
  const id = given && SAFE_ID.test(given) ? given : randomUUID();
  req.id = id;
  return id;
}

/** The process's root logger: JSON lines, the request serializers, redaction of secrets. */
export function createRootLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino({
    level: config.logLevel,
    serializers: {
      req: (req: { id: unknown; method: string; url: string; socket?: { remoteAddress?: string }; headers?: Record<string, unknown> }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remoteAddress: req.socket?.remoteAddress,
        headers: Object.fromEntries(LOGGED_HEADERS.filter((h) => req.headers?.[h] !== undefined).map((h) => [h, req.headers![h]])),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    // Belt and braces, should anything log these paths explicitly.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.body', 'res.body', 'body', 'privateKey', 'key'],
      censor: '[redacted]',
    },
  }, destination as DestinationStream);
}

/**
 * nestjs-pino over `root` (Nest's Logger, PinoLogger) without its HTTP middleware: requests are logged by
 * `installRequestLogging` instead.
 */
export function loggerParams(root: Logger): Params {
  return { pinoHttp: { logger: root }, forRoutes: [] };
}

const REQUEST_LOGGER = Symbol('requestLogger');

/**
 * Request logging as two Fastify hooks, in place of pino-http as a Nest middleware (issue 6: that ran through
 * @fastify/middie and cost ≈ 100 µs of CPU per request). Every line written while serving a request carries
 * it (`req`: id, method, URL, remote address, allow-listed headers) through nestjs-pino's async-local store;
 * each request ends with "request completed" (info; warn for 4xx) or "request errored" (error, 5xx) with its
 * status and response time — built only when that level is enabled.
 */
export function installRequestLogging(fastify: FastifyInstance, root: Logger): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    // The serializer reads the id from the raw request: Fastify's (genReqId) is the one.
    (request.raw as IncomingMessage & { id?: unknown }).id = request.id;
    const log = root.child({ req: request.raw });
    (request as FastifyRequest & { [REQUEST_LOGGER]?: Logger })[REQUEST_LOGGER] = log;
    storage.run(new Store(log), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const log = (request as FastifyRequest & { [REQUEST_LOGGER]?: Logger })[REQUEST_LOGGER] ?? root;
    const status = reply.statusCode;
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    if (log.isLevelEnabled(level)) {
      log[level]({ res: reply.raw, responseTime: Math.round(reply.elapsedTime) }, status >= 500 ? 'request errored' : 'request completed');
    }
    done();
  });
}
