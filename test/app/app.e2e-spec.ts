/**
 * The application end to end over real HTTPS on a random port: TLS profile, /health, /docs, the exception
 * filter (RspError, malformed JSON, oversized body, unexpected errors), X-Admin-Protocol, request ids and the
 * ES2+ client-certificate helper. Database: PostgreSQL when DATABASE_URL is set, else PGlite.
 */
import { Body, Controller, Get, Module, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { getVerifiedClientCertificate } from '../../src/common/client-certificate';
import { RspError } from '../../src/common/rsp-error';
import { RspFunction, rspSuccess } from '../../src/common/rsp-response';
import { startTestApp, TestApp } from '../support/app';
import { strangerClientCertificate } from '../support/tls';

@Controller()
class ProbeController {
  @Post('gsma/rsp2/probe/echo')
  @RspFunction()
  echo(@Body() body: { fail?: string; crash?: boolean }) {
    if (body.fail) throw new RspError('8.1.1', '3.8', `refused: ${body.fail}`);
    if (body.crash) throw new Error('secret internal detail');
    return rspSuccess({ got: body });
  }

  @Post('admin-probe')
  adminEcho(@Body() body: { crash?: boolean }) {
    if (body.crash) throw new Error('secret internal detail');
    return { ok: true };
  }

  @Get('gsma/rsp2/probe/client')
  @RspFunction()
  client(@Req() req: FastifyRequest) {
    const cert = getVerifiedClientCertificate(req);
    return rspSuccess({ subject: cert?.subject ?? null });
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const ES9 = { 'x-admin-protocol': 'gsma/rsp/v2.2.2' };

describe('application (HTTPS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { BODY_LIMIT: '4kb' }, extraModules: [ProbeModule] });
  });
  afterAll(() => t?.close());

  it('GET /health → 200 with database up and the loaded keys', async () => {
    const res = await t.request('/health');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok', database: 'up', keys: ['dp/brp/dpauth', 'dp/brp/dppb', 'dp/nist/dpauth', 'dp/nist/dppb'], cis: 2 });
    expect(res.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
  });

  it('negotiates TLS 1.2 with TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 and refuses TLS 1.1', async () => {
    const res = await t.request('/health', { tls: { maxVersion: 'TLSv1.2' } });
    expect(res.tls).toEqual({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    await expect(t.request('/health', { tls: { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' } })).rejects.toThrow();
    await expect(t.request('/health', { tls: { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' } })).rejects.toThrow();
  });

  it('serves the OpenAPI document at /docs-json and the UI at /docs', async () => {
    const json = await t.request('/docs-json');
    expect(json.status).toBe(200);
    expect(json.json.openapi).toMatch(/^3\./);
    expect(json.json.tags.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(['es9plus', 'es2plus', 'admin']));
    expect(Object.keys(json.json.paths)).toContain('/health');
    const ui = await t.request('/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers an RSP function with Executed-Success, the SGP.22 content type and X-Admin-Protocol', async () => {
    const res = await t.request('/gsma/rsp2/probe/echo', { headers: ES9, body: { a: 1 } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.headers['x-admin-protocol']).toBe('gsma/rsp/v2.2.2');
    expect(res.json).toEqual({ header: { functionExecutionStatus: { status: 'Executed-Success' } }, got: { a: 1 } });
  });

  it('renders an RspError as Failed with statusCodeData, HTTP 200', async () => {
    const res = await t.request('/gsma/rsp2/probe/echo', { headers: ES9, body: { fail: 'EID' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.text).toBe(
      '{"header":{"functionExecutionStatus":{"status":"Failed","statusCodeData":{"subjectCode":"8.1.1","reasonCode":"3.8","message":"refused: EID"}}}}',
    );
  });

  it('answers malformed JSON on an RSP path with 1.6/2.1, never 500', async () => {
    const res = await t.request('/gsma/rsp2/probe/echo', { headers: ES9, body: '{"transactionId": ' });
    expect(res.status).toBe(200);
    expect(res.json.header.functionExecutionStatus).toEqual({
      status: 'Failed',
      statusCodeData: { subjectCode: '1.6', reasonCode: '2.1', message: 'Invalid parameter: request body is not valid JSON' },
    });
  });

  it('answers malformed JSON elsewhere with 400', async () => {
    const res = await t.request('/admin-probe', { body: '{nope' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ statusCode: 400, message: 'request body is not valid JSON' });
  });

  it('answers an oversized body with 413', async () => {
    const big = { blob: 'A'.repeat(8 * 1024) };
    expect((await t.request('/gsma/rsp2/probe/echo', { headers: ES9, body: big })).status).toBe(413);
    expect((await t.request('/admin-probe', { body: big })).status).toBe(413);
  });

  it('hides unexpected errors: 1.2/4.2 on RSP paths, 500 elsewhere, no internals', async () => {
    const rsp = await t.request('/gsma/rsp2/probe/echo', { headers: ES9, body: { crash: true } });
    expect(rsp.status).toBe(200);
    expect(rsp.json.header.functionExecutionStatus.statusCodeData).toEqual({
      subjectCode: '1.2',
      reasonCode: '4.2',
      message: 'Execution error in the function provider',
    });
    const admin = await t.request('/admin-probe', { body: { crash: true }, headers: { 'x-request-id': 'req-42' } });
    expect(admin.status).toBe(500);
    expect(admin.json).toEqual({ statusCode: 500, message: 'Internal server error', requestId: 'req-42' });
    expect(rsp.text + admin.text).not.toContain('secret');
  });

  it('negotiates X-Admin-Protocol: echo v2.x / v3.x, default v2.5.0, refuse others with 1.3.2/3.1', async () => {
    const v3 = await t.request('/gsma/rsp2/probe/echo', { headers: { 'x-admin-protocol': 'gsma/rsp/v3.1.0' }, body: {} });
    expect(v3.headers['x-admin-protocol']).toBe('gsma/rsp/v3.1.0');
    const none = await t.request('/gsma/rsp2/probe/echo', { body: {} });
    expect(none.headers['x-admin-protocol']).toBe('gsma/rsp/v2.5.0');
    const old = await t.request('/gsma/rsp2/probe/echo', { headers: { 'x-admin-protocol': 'gsma/rsp/v1.0.0' }, body: {} });
    expect(old.status).toBe(200);
    expect(old.json).toEqual({
      header: {
        functionExecutionStatus: {
          status: 'Failed',
          statusCodeData: { subjectCode: '1.3.2', reasonCode: '3.1', message: 'Unsupported X-Admin-Protocol version: gsma/rsp/v1.0.0' },
        },
      },
    });
  });

  it('echoes a caller request id, or generates one', async () => {
    expect((await t.request('/health', { headers: { 'x-request-id': 'abc-123' } })).headers['x-request-id']).toBe('abc-123');
    const generated = (await t.request('/health', { headers: { 'x-request-id': 'bad id with spaces' } })).headers['x-request-id'];
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('exposes an operator-CA client certificate to the ES2+ guard, and nothing else', async () => {
    const withOperator = await t.request('/gsma/rsp2/probe/client', { tls: t.operatorClient('operator-1') });
    expect(withOperator.json.subject).toMatch(/CN=operator-1/);
    const stranger = await t.request('/gsma/rsp2/probe/client', { tls: strangerClientCertificate() });
    expect(stranger.json.subject).toBeNull();
    const anonymous = await t.request('/gsma/rsp2/probe/client');
    expect(anonymous.json.subject).toBeNull();
  });

  it('returns 404 for unknown routes', async () => {
    expect((await t.request('/gsma/rsp2/es9plus/nothingHere', { body: {} })).status).toBe(404);
  });
});
