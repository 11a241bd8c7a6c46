/**
 * Structured JSON logs (pino via nestjs-pino). Every request gets an id: the caller's `X-Request-Id` when it
 * is a short token, else a random UUID; it is echoed in the response header and attached to every log line
 * written while serving the request. Request and response bodies are never logged, and only an allow-list
 * of headers is (no Authorization, cookies or API keys).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { Config } from '../config/config.schema';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const LOGGED_HEADERS = ['user-agent', 'x-admin-protocol', 'content-type', 'content-length', REQUEST_ID_HEADER];

/** The id for a request (also stored on `req.id`, which pino-http picks up). */
export function requestIdFor(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string') return req.id;
  const h = req.headers[REQUEST_ID_HEADER];
  const given = Array.isArray(h) ? h[0] : h;
  const id = given && SAFE_ID.test(given) ? given : randomUUID();
  req.id = id;
  return id;
}

export function loggerParams(config: Pick<Config, 'logLevel'>): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req) => requestIdFor(req as IncomingMessage & { id?: unknown }),
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string; headers?: Record<string, unknown> }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
          headers: Object.fromEntries(LOGGED_HEADERS.filter((h) => req.headers?.[h] !== undefined).map((h) => [h, req.headers![h]])),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // Belt and braces, should anything log these paths explicitly.
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.body', 'res.body', 'body', 'privateKey', 'key'],
        censor: '[redacted]',
      },
    },
  };
}
