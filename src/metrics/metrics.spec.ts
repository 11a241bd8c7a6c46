import { failureOf, Metrics, rspRouteOf } from './metrics';

describe('rspRouteOf', () => {
  it('names the interface and function of ES9+/ES2+ paths', () => {
    expect(rspRouteOf('/gsma/rsp2/es9plus/initiateAuthentication')).toEqual({ iface: 'es9plus', fn: 'initiateAuthentication' });
    expect(rspRouteOf('/gsma/rsp2/es9plus/getBoundProfilePackage?x=1')).toEqual({ iface: 'es9plus', fn: 'getBoundProfilePackage' });
    expect(rspRouteOf('/gsma/rsp2/es2plus/downloadOrder/')).toEqual({ iface: 'es2plus', fn: 'downloadOrder' });
  });

  it('bounds the label set: unknown function names become "unknown", other paths are not measured', () => {
    expect(rspRouteOf('/gsma/rsp2/es9plus/../../etc/passwd')).toEqual({ iface: 'es9plus', fn: 'unknown' });
    expect(rspRouteOf('/gsma/rsp2/es9plus/initiateAuthenticationX')).toEqual({ iface: 'es9plus', fn: 'unknown' });
    expect(rspRouteOf('/gsma/rsp2/es2plus/initiateAuthentication')).toEqual({ iface: 'es2plus', fn: 'unknown' });
    expect(rspRouteOf('/gsma/rsp2/es11/x')).toBeUndefined();
    expect(rspRouteOf('/gsma/rsp2/es9plus')).toBeUndefined();
    expect(rspRouteOf('/health')).toBeUndefined();
    expect(rspRouteOf('/metrics')).toBeUndefined();
    expect(rspRouteOf(undefined)).toBeUndefined();
  });
});

describe('failureOf', () => {
  it('reads statusCodeData of a Failed header (SGP.22 §6.5.1.4)', () => {
    const body = JSON.stringify({
      header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.10.1', reasonCode: '3.9', message: 'TransactionId unknown' } } },
    });
    expect(failureOf(body)).toEqual({ subjectCode: '8.10.1', reasonCode: '3.9' });
    expect(failureOf(Buffer.from(body))).toEqual({ subjectCode: '8.10.1', reasonCode: '3.9' });
  });

  it('reports Expired too, and a failure without codes with empty codes', () => {
    expect(failureOf('{"header":{"functionExecutionStatus":{"status":"Expired","statusCodeData":{"subjectCode":"8.2","reasonCode":"6.4"}}}}')).toEqual({
      subjectCode: '8.2',
      reasonCode: '6.4',
    });
    expect(failureOf('{"header":{"functionExecutionStatus":{"status":"Failed"}}}')).toEqual({ subjectCode: '', reasonCode: '' });
  });

  it('is undefined for success, for "Failed" outside the header status, and for no body', () => {
    expect(failureOf('{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"transactionId":"AB"}')).toBeUndefined();
    expect(failureOf('{"header":{"functionExecutionStatus":{"status":"Executed-Success"}},"profileName":"Failed"}')).toBeUndefined();
    expect(failureOf('')).toBeUndefined();
    expect(failureOf(undefined)).toBeUndefined();
  });
});

describe('Metrics', () => {
  it('exposes per-function counts, latency buckets, failures by code, downloads, installations and the outbox backlog', async () => {
    const m = new Metrics({ processMetrics: false, outboxBacklog: async () => 7, buckets: [0.01, 0.05] });
    const ia = { iface: 'es9plus' as const, fn: 'initiateAuthentication' };
    m.observe(ia, 0.004, 200, undefined);
    m.observe(ia, 0.03, 200, { subjectCode: '8.8.1', reasonCode: '3.8' });
    m.observe({ iface: 'es9plus', fn: 'unknown' }, 0.001, 404, undefined);
    m.downloadCompleted('op-1');
    m.downloadCompleted('op-1');
    m.installationResult('op-1', true);
    m.installationResult('op-1', false);
    const { contentType, body } = await m.exposition();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = body.split('\n');
    for (const line of [
      'smdp_function_requests_total{interface="es9plus",function="initiateAuthentication"} 2',
      'smdp_function_requests_total{interface="es9plus",function="unknown"} 1',
      'smdp_function_duration_seconds_bucket{le="0.01",interface="es9plus",function="initiateAuthentication"} 1',
      'smdp_function_duration_seconds_bucket{le="0.05",interface="es9plus",function="initiateAuthentication"} 2',
      'smdp_function_duration_seconds_count{interface="es9plus",function="initiateAuthentication"} 2',
      'smdp_function_failures_total{interface="es9plus",function="initiateAuthentication",subject_code="8.8.1",reason_code="3.8"} 1',
      'smdp_function_http_errors_total{interface="es9plus",function="unknown",status="404"} 1',
      'smdp_downloads_total{operator="op-1"} 2',
      'smdp_installations_total{operator="op-1",result="success"} 1',
      'smdp_installations_total{operator="op-1",result="failure"} 1',
      'smdp_outbox_pending 7',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('keeps separate registries: a second instance starts from zero', async () => {
    const a = new Metrics({ processMetrics: false });
    a.downloadCompleted('x');
    const b = new Metrics({ processMetrics: false });
    expect((await b.exposition()).body).not.toContain('smdp_downloads_total{operator="x"}');
    expect((await a.exposition()).body).toContain('smdp_downloads_total{operator="x"} 1');
  });

  it('keeps the last backlog value when the query fails, without failing the scrape', async () => {
    let fail = false;
    const m = new Metrics({
      processMetrics: false,
      outboxBacklog: async () => (fail ? Promise.reject(new Error('relation "outbox" does not exist')) : 3),
    });
    expect((await m.exposition()).body.split('\n')).toContain('smdp_outbox_pending 3');
    fail = true;
    expect((await m.exposition()).body.split('\n')).toContain('smdp_outbox_pending 3');
  });
});
