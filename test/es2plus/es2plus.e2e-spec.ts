/**
 * ES2+ end to end over HTTPS with mutual TLS (issue 3 "done when"): an operator with a client certificate from
 * the operator CA imports profiles, runs DownloadOrder → ConfirmOrder → ReleaseProfile, and gets the
 * activation code and its QR (PNG, SVG). Plus: authentication failures, functionRequesterIdentifier check,
 * X-Admin-Protocol echo, API-key access, isolation between operators over HTTP.
 */
import { startTestApp, TestApp } from '../support/app';
import { strangerClientCertificate } from '../support/tls';
import { qrPng, qrSvg } from '../../src/inventory/activation-code';
import { personaliseIccid } from '../../src/inventory/profile-package';
import { OperatorsService } from '../../src/operators/operators.service';
import { issueOperatorCertificate } from '../../src/pki/dev-pki';
import { EID1, iccid, ts48 } from './helpers';

let t: TestApp;
let alpha: { cert: string; key: string; apiKey: string };
let beta: { cert: string; key: string; apiKey: string };

const header = (fri: string, n = 1) => ({ functionRequesterIdentifier: fri, functionCallIdentifier: `call-${n}` });

beforeAll(async () => {
  t = await startTestApp({ env: { SMDP_ADDRESS: 'smdp.example.com' } });
  const ops = t.app.get(OperatorsService);
  const mk = async (name: string) => {
    const c = await ops.createOperator(name, { issueCertificate: async (n) => issueOperatorCertificate(t.certsDir, n) });
    return { cert: c.certPem!, key: c.keyPem!, apiKey: c.apiKey };
  };
  alpha = await mk('alpha');
  beta = await mk('beta');
}, 120_000);
afterAll(() => t?.close());

const es2 = (fn: string, body: unknown, tls?: { cert: string; key: string }, headers: Record<string, string> = {}) =>
  t.request(`/gsma/rsp2/es2plus/${fn}`, { body, tls, headers: { 'X-Admin-Protocol': 'gsma/rsp/v2.2.0', ...headers } });

describe('ES2+ over mutual TLS', () => {
  it('imports profiles, DownloadOrder → ConfirmOrder → ReleaseProfile, activation code and QR', async () => {
    const tls = { cert: alpha.cert, key: alpha.key };
    // Import: raw DER and base64 JSON, over mutual TLS.
    const i1 = iccid(1, '899900200');
    const i2 = iccid(2, '899900200');
    const r1 = await t.request('/api/v1/profiles?profileType=gold', {
      body: personaliseIccid(ts48(2), i1),
      headers: { 'content-type': 'application/octet-stream' },
      tls,
    });
    expect(r1.status).toBe(201);
    expect(r1.json).toMatchObject({ iccid: i1, profileType: 'gold', majorVersion: 2, minorVersion: 3 });
    const r2 = await t.request('/api/v1/profiles', { body: { der: personaliseIccid(ts48(2), i2).toString('base64'), profileType: 'gold' }, tls });
    expect(r2.status).toBe(201);
    const dup = await t.request('/api/v1/profiles', { body: { der: personaliseIccid(ts48(2), i2).toString('base64') }, tls });
    expect(dup.status).toBe(409);
    expect(dup.json.message).toMatch(/^Duplicate ICCID \d+: .* \(8\.2\.1\/3\.3\)$/);

    const meta = await t.request('/api/v1/profile-types/gold', {
      method: 'PUT',
      body: { serviceProviderName: 'Alpha', profileName: 'Gold plan', profileClass: 'operational', pprIds: ['ppr1'] },
      tls,
    });
    expect(meta.status).toBe(200);

    const d = await es2('downloadOrder', { header: header('alpha', 1), profileType: 'gold' }, tls);
    expect(d.status).toBe(200);
    expect(d.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(d.headers['x-admin-protocol']).toBe('gsma/rsp/v2.2.0');
    expect(d.json).toEqual({ header: { functionExecutionStatus: { status: 'Executed-Success' } }, iccid: i1 });

    const c = await es2('confirmOrder', { header: header('alpha', 2), iccid: i1, releaseFlag: false, eid: EID1 }, tls);
    expect(c.json.header).toEqual({ functionExecutionStatus: { status: 'Executed-Success' } });
    expect(c.json.eid).toBe(EID1);
    expect(c.json.smdpAddress).toBe('smdp.example.com');
    const matchingId: string = c.json.matchingId;
    expect(matchingId).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}$/);

    const rel = await es2('releaseProfile', { header: header('alpha', 3), iccid: i1 }, tls);
    expect(rel.json).toEqual({ header: { functionExecutionStatus: { status: 'Executed-Success' } } });
    const again = await es2('releaseProfile', { header: header('alpha', 4), iccid: i1 }, tls);
    expect(again.status).toBe(200);
    expect(again.json.header.functionExecutionStatus).toMatchObject({
      status: 'Failed',
      statusCodeData: { subjectCode: '8.2.1', reasonCode: '3.5' },
    });
    expect(again.json.iccid).toBeUndefined();

    const order = await t.request(`/api/v1/orders/${matchingId}`, { tls });
    expect(order.json).toMatchObject({ iccid: i1, eid: EID1, state: 'Released', activationCode: `LPA:1$smdp.example.com$${matchingId}` });
    const png = await t.request(`/api/v1/orders/${matchingId}/qr.png`, { tls });
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    const svg = await t.request(`/api/v1/orders/${matchingId}/qr.svg`, { tls });
    expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(svg.text).toBe(await qrSvg(`LPA:1$smdp.example.com$${matchingId}`));

    const view = await t.request(`/api/v1/profiles/${i1}`, { tls });
    expect(view.json.state).toBe('Released');
    expect(view.json.events.map((e: { to: string }) => e.to)).toEqual(['Available', 'Allocated', 'Confirmed', 'Released']);
    expect(view.json.events[1].actor).toBe('es2plus:alpha');
    expect(view.json.events[1].detail).toMatchObject({ function: 'DownloadOrder', functionCallIdentifier: 'call-1' });
  });

  it('the PNG QR is exactly the activation code rendered by qrcode', async () => {
    const tls = { cert: alpha.cert, key: alpha.key };
    const i3 = iccid(3, '899900200');
    await t.request('/api/v1/profiles?profileType=png', { body: personaliseIccid(ts48(2), i3), headers: { 'content-type': 'application/octet-stream' }, tls });
    await es2('downloadOrder', { header: header('alpha'), iccid: i3 }, tls);
    const c = await es2('confirmOrder', { header: header('alpha'), iccid: i3, releaseFlag: true, confirmationCode: '12345678' }, tls);
    const res = await new Promise<Buffer>((resolve, reject) => {
      // Binary body: read raw bytes.
      const https = require('node:https');
      const u = new URL(`/api/v1/orders/${c.json.matchingId}/qr.png`, t.baseUrl);
      https
        .get({ host: u.hostname, port: u.port, path: u.pathname, ...tls, ca: require('node:fs').readFileSync(require('node:path').join(t.certsDir, 'ci', 'nist.pem')), servername: 'localhost', agent: false }, (r: import('node:http').IncomingMessage) => {
          const chunks: Buffer[] = [];
          r.on('data', (x: Buffer) => chunks.push(x));
          r.on('end', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    expect(res.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(res.equals(await qrPng(`LPA:1$smdp.example.com$${c.json.matchingId}$$1`))).toBe(true);
  });

  it('refuses unauthenticated callers with 1.1/1.1, a wrong functionRequesterIdentifier with 1.1/1.2', async () => {
    const none = await es2('downloadOrder', { header: header('alpha'), profileType: 'gold' });
    expect(none.status).toBe(200);
    expect(none.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '1.1', reasonCode: '1.1' });
    const stranger = await strangerClientCertificate();
    const s = await es2('downloadOrder', { header: header('alpha'), profileType: 'gold' }, stranger);
    expect(s.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '1.1', reasonCode: '1.1' });
    const wrong = await es2('downloadOrder', { header: header('beta'), profileType: 'gold' }, { cert: alpha.cert, key: alpha.key });
    expect(wrong.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '1.1', reasonCode: '1.2' });
    const noHeader = await es2('downloadOrder', { profileType: 'gold' }, { cert: alpha.cert, key: alpha.key });
    expect(noHeader.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '1.6', reasonCode: '2.2' });
    const api = await t.request('/api/v1/operator');
    expect(api.status).toBe(401);
    const badProto = await es2('downloadOrder', { header: header('alpha'), profileType: 'gold' }, { cert: alpha.cert, key: alpha.key }, { 'X-Admin-Protocol': 'gsma/rsp/v1.0.0' });
    expect(badProto.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '1.3.2', reasonCode: '3.1' });
  });

  it('accepts the X-Api-Key header instead of a client certificate', async () => {
    const who = await t.request('/api/v1/operator', { headers: { 'X-Api-Key': beta.apiKey } });
    expect(who.json).toMatchObject({ name: 'beta' });
    const d = await es2('downloadOrder', { header: header('beta'), profileType: 'nothing-here' }, undefined, { 'X-Api-Key': beta.apiKey });
    expect(d.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '8.2.5', reasonCode: '3.9' });
    const bad = await t.request('/api/v1/operator', { headers: { 'X-Api-Key': beta.apiKey + 'x' } });
    expect(bad.status).toBe(401);
  });

  it('operator beta can neither see nor change alpha’s profiles over HTTP', async () => {
    const tls = { cert: beta.cert, key: beta.key };
    const i1 = iccid(1, '899900200');
    expect((await t.request(`/api/v1/profiles/${i1}`, { tls })).status).toBe(403);
    const d = await es2('cancelOrder', { header: header('beta'), iccid: i1, finalProfileStatusIndicator: 'Available' }, tls);
    expect(d.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '8.2.1', reasonCode: '1.2' });
    const c = await es2('downloadOrder', { header: header('beta'), profileType: 'gold' }, tls);
    expect(c.json.header.functionExecutionStatus.statusCodeData).toMatchObject({ subjectCode: '8.2.5', reasonCode: '1.2' });
    const alphaView = await t.request(`/api/v1/profiles/${i1}`, { tls: { cert: alpha.cert, key: alpha.key } });
    expect(alphaView.json.state).toBe('Released');
  });

  it('sets the callback URL', async () => {
    const r = await t.request('/api/v1/operator/callback', { method: 'PUT', body: { url: 'https://op.example.com/rsp' }, headers: { 'X-Api-Key': alpha.apiKey } });
    expect(r.json).toEqual({ callbackUrl: 'https://op.example.com/rsp' });
    expect((await t.request('/api/v1/operator', { headers: { 'X-Api-Key': alpha.apiKey } })).json.callbackUrl).toBe('https://op.example.com/rsp');
    const bad = await t.request('/api/v1/operator/callback', { method: 'PUT', body: { url: 'ftp://x' }, headers: { 'X-Api-Key': alpha.apiKey } });
    expect(bad.status).toBe(400);
  });
});
