/**
 * GET /metrics on the booted application (PGlite, or PostgreSQL when DATABASE_URL is set): the hooks count
 * and time ES9+/ES2+ calls, failures are labelled with the statusCodeData that went on the wire, the outbox
 * gauge counts pending rows, and a second boot in the same process starts from zero.
 */
import { Body, Controller, Module, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RspError } from '../common/rsp-error';
import { RspFunction, rspSuccess } from '../common/rsp-response';
import { startTestApp, TestApp } from '../../test/support/app';
import { Metrics } from './metrics';
import { MetricsModule } from './metrics.module';

/** handleDownloadProgressInfo is served by operators, never by the SM-DP+: free for a probe route. */
@Controller()
class ProbeController {
  @Post('gsma/rsp2/es2plus/handleDownloadProgressInfo')
  @RspFunction()
  probe(@Body() body: { fail?: boolean }) {
    if (body.fail) throw new RspError('8.2.1', '3.9', 'probe refused');
    return rspSuccess({});
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

const ES2 = { 'x-admin-protocol': 'gsma/rsp/v2.2.2' };
const lines = (text: string) => text.split('\n');
const FN = 'interface="es2plus",function="handleDownloadProgressInfo"';

/** Boots with MetricsModule whether or not app.module.ts lists it already. */
async function boot(): Promise<TestApp> {
  const { FEATURE_MODULES } = await import('../app.module');
  const extra = FEATURE_MODULES.includes(MetricsModule) ? [ProbeModule] : [MetricsModule, ProbeModule];
  return startTestApp({ env: { TLS_MODE: 'off' }, extraModules: extra });
}

describe('MetricsModule', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await boot();
  });
  afterAll(() => t?.close());

  it('counts and times a function call, and labels a failure with its subject and reason codes', async () => {
    expect((await t.request('/gsma/rsp2/es2plus/handleDownloadProgressInfo', { headers: ES2, body: {} })).status).toBe(200);
    const failed = await t.request('/gsma/rsp2/es2plus/handleDownloadProgressInfo', { headers: ES2, body: { fail: true } });
    expect(failed.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '8.2.1', reasonCode: '3.9' });

    const res = await t.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = lines(res.text);
    expect(body).toContain(`smdp_function_requests_total{${FN}} 2`);
    expect(body).toContain(`smdp_function_duration_seconds_count{${FN}} 2`);
    expect(body).toContain(`smdp_function_failures_total{${FN},subject_code="8.2.1",reason_code="3.9"} 1`);
    expect(body).toContain('smdp_outbox_pending 0');
    // /metrics and /health are not ES9+/ES2+ functions.
    expect(res.text).not.toContain('function="metrics"');
  });

  it('labels the failure the X-Admin-Protocol hook answers before any controller runs (1.3.2/3.1)', async () => {
    const r = await t.request('/gsma/rsp2/es2plus/handleDownloadProgressInfo', { headers: { 'x-admin-protocol': 'gsma/rsp/v9.9.9' }, body: {} });
    expect(r.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '1.3.2', reasonCode: '3.1' });
    expect(lines((await t.request('/metrics')).text)).toContain(`smdp_function_failures_total{${FN},subject_code="1.3.2",reason_code="3.1"} 1`);
  });

  it('the outbox gauge counts pending rows only', async () => {
    const db = t.app.get(DataSource);
    const [op] = await db.query(`INSERT INTO operators (name) VALUES ('metrics-op') RETURNING id`);
    await db.query(
      `INSERT INTO outbox (operator_id, ordering_key, payload, status) VALUES ($1, 'k', '{}', 'pending'), ($1, 'k', '{}', 'pending'), ($1, 'k', '{}', 'delivered')`,
      [op.id],
    );
    expect(lines((await t.request('/metrics')).text)).toContain('smdp_outbox_pending 2');
  });

  it('downloads and installations reported by the domain appear per operator', async () => {
    const m = t.app.get(Metrics);
    m.downloadCompleted('op-a');
    m.installationResult('op-a', true);
    const body = lines((await t.request('/metrics')).text);
    expect(body).toContain('smdp_downloads_total{operator="op-a"} 1');
    expect(body).toContain('smdp_installations_total{operator="op-a",result="success"} 1');
  });

  it('a second application in the same process has its own registry, starting from zero', async () => {
    const t2 = await boot();
    try {
      await t2.request('/gsma/rsp2/es2plus/handleDownloadProgressInfo', { headers: ES2, body: {} });
      expect(lines((await t2.request('/metrics')).text)).toContain(`smdp_function_requests_total{${FN}} 1`);
      expect(lines((await t.request('/metrics')).text)).toContain(`smdp_function_requests_total{${FN}} 3`);
    } finally {
      await t2.close();
    }
  });
});
