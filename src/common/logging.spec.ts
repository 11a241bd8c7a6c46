import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { storage } from 'nestjs-pino/storage';
import type { Logger } from 'pino';
import { createRootLogger, installRequestLogging } from './logging';

/** A root logger like the server's, writing its JSON lines into `lines`. */
function capture(level: string): { lines: Array<Record<string, any>>; root: Logger } {
  const lines: Array<Record<string, any>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, root: createRootLogger({ logLevel: level as never }, stream) };
}

async function app(root: Logger) {
  const f = Fastify({ genReqId: (req) => String(req.headers['x-request-id'] ?? 'generated') });
  installRequestLogging(f, root);
  f.get('/ok', async () => {
    storage.getStore()?.logger.info({ step: 1 }, 'inside the handler');
    return { ok: true };
  });
  f.get('/boom', async () => {
    throw new Error('boom');
  });
  await f.ready();
  return f;
}

describe('request logging (Fastify hooks)', () => {
  it('lines written while serving a request carry it; each request ends with one line at its level', async () => {
    const { lines, root } = capture('info');
    const f = await app(root);
    await f.inject({ method: 'GET', url: '/ok', headers: { 'x-request-id': 'r-1', authorization: 'Bearer secret', 'user-agent': 'lpa' } });
    await f.inject({ method: 'GET', url: '/missing', headers: { 'x-request-id': 'r-2' } });
    await f.inject({ method: 'GET', url: '/boom', headers: { 'x-request-id': 'r-3' } });
    await f.close();
    const inside = lines.find((l) => l.msg === 'inside the handler')!;
    expect(inside.req).toMatchObject({ id: 'r-1', method: 'GET', url: '/ok', headers: { 'user-agent': 'lpa' } });
    expect(JSON.stringify(lines)).not.toContain('secret');
    const ends = lines.filter((l) => /^request (completed|errored)$/.test(l.msg)).map((l) => [l.req.id, l.level, l.msg, l.res.statusCode]);
    expect(ends).toEqual([
      ['r-1', 30, 'request completed', 200],
      ['r-2', 40, 'request completed', 404],
      ['r-3', 50, 'request errored', 500],
    ]);
  });

  it('at LOG_LEVEL=warn a successful request writes nothing', async () => {
    const { lines, root } = capture('warn');
    const f = await app(root);
    await f.inject({ method: 'GET', url: '/ok' });
    await f.inject({ method: 'GET', url: '/missing' });
    await f.close();
    expect(lines.map((l) => [l.msg, l.res?.statusCode])).toEqual([['request completed', 404]]);
  });
});
