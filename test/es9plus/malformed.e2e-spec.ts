/**
 * Malformed input on every ES9+ function (SGP.22 §6.5, digest §1): bad JSON, wrong shapes and content types,
 * oversized bodies, broken BER-TLV — never a 5xx and never the internal-error code, always a GSMA code at
 * HTTP 200 (or 413 / 204 for HandleNotification), and the server stays healthy. Then a bounded, seeded fuzz
 * of authenticateServerResponse, prepareDownloadResponse and pendingNotification. Also the X-Admin-Protocol
 * negotiation (SGP.22 §6.1.1).
 */
import { randomBytes } from 'node:crypto';
import { encodeProfileInstallationResult, encodeProfileInstallationResultData, encodeNotificationMetadata } from '../../src/asn1/rsp';
import { signRaw } from '../../src/crypto/ecdsa';
import { startTestApp, TestApp } from '../support/app';
import type { TestResponse } from '../support/http';
import { codeOf, craftedEuicc, devIssuers, ES9_FUNCTIONS, Es9Function, Flow, mutate, notify, okOf, post, seeded } from './attack';
import { es9World, Es9World, profileState } from './support';

/**
 * Bytes after the top-level TLV are ignored on purpose (an LPA has been seen appending the APDU status word
 * 9000, digest §2.1), so a mutation that only appends leaves the signed message intact: not a mutation.
 */
function onlyAppended(valid: Buffer, m: Buffer): boolean {
  return m.length >= valid.length && m.subarray(0, valid.length).equals(valid);
}

const INTERNAL_ERROR = '1.2/4.2';
const b64 = (b: Buffer) => b.toString('base64');

/**
 * The answer to a malformed request: HTTP 200 + Failed with a GSMA code other than the internal error, or
 * 413 for an oversized body, or 204 from HandleNotification. Returns a short label of the outcome.
 */
function outcome(res: TestResponse): string {
  expect(res.status).toBeLessThan(500);
  if (res.status === 413) return '413';
  if (res.status === 204) {
    expect(res.text).toBe('');
    return '204';
  }
  const code = codeOf(res);
  expect(code).not.toBe(INTERNAL_ERROR);
  return code;
}

describe('ES9+ malformed input, fuzzing and X-Admin-Protocol (SGP.22 §6.5, §6.1.1)', () => {
  let t: TestApp;
  let w: Es9World;

  beforeAll(async () => {
    t = await startTestApp();
    w = await es9World(t);
  });
  afterAll(() => t?.close());

  afterEach(async () => {
    const health = await t.request('/health');
    expect(health.status).toBe(200);
  });

  const raw = (fn: Es9Function, body: string | Buffer, contentType = 'application/json') =>
    t.request(`/gsma/rsp2/es9plus/${fn}`, { method: 'POST', body, headers: { 'content-type': contentType } });

  describe.each(ES9_FUNCTIONS.map((f) => [f]))('%s: malformed HTTP bodies', (fn) => {
    const expected = (res: TestResponse, codes: string[]) => {
      const o = outcome(res);
      // HandleNotification answers 204 to anything it can read; what never reaches it is 1.6/2.x.
      expect(fn === 'handleNotification' ? [...codes, '204'] : codes).toContain(o);
    };

    it.each([
      ['invalid JSON', '{"transactionId":'],
      ['a JSON array', '[{"transactionId":"00"}]'],
      ['a JSON string', '"hello"'],
      ['a JSON number', '42'],
      ['JSON null', 'null'],
      ['random bytes', randomBytes(300)],
      ['UTF-16 with a BOM', Buffer.from('\ufeff{"a":1}', 'utf16le')],
      ['deeply nested arrays', '['.repeat(50000) + ']'.repeat(50000)],
      ['a prototype-poisoning key', '{"__proto__":{"polluted":true},"transactionId":"00"}'],
    ])('%s → 1.6/2.1', async (_n, body) => {
      expected(await raw(fn, body), ['1.6/2.1', '1.6/2.2']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('an empty body → 1.6/2.x', async () => {
      expected(await raw(fn, ''), ['1.6/2.1', '1.6/2.2']);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'multipart/form-data; boundary=x'])(
      'Content-Type %s → 1.6/2.1',
      async (ct) => {
        // Either refused as a body (1.6/2.1) or parsed into something without the parameters (1.6/2.2).
        expected(await raw(fn, '{"transactionId":"00"}', ct), ['1.6/2.1', '1.6/2.2']);
      },
    );

    it('a body over BODY_LIMIT → 413 or 1.6/2.1, never 5xx', async () => {
      const huge = JSON.stringify({ transactionId: '00', pad: 'A'.repeat(t.config.bodyLimit + 1024) });
      const o = outcome(await raw(fn, huge));
      expect(['413', '1.6/2.1']).toContain(o);
    });

    it('fields of the wrong type → 1.6/2.1, 8.10.1/3.9 (an unusable transactionId is unknown) or 8.8.1/3.8', async () => {
      for (const v of [123, true, [], {}, ['00'], 'x'.repeat(20000)]) {
        const body = { transactionId: v, euiccChallenge: v, euiccInfo1: v, smdpAddress: v, authenticateServerResponse: v, prepareDownloadResponse: v, pendingNotification: v, cancelSessionResponse: v };
        expected(await post(t, fn, body), ['1.6/2.1', '8.10.1/3.9', '8.8.1/3.8']);
      }
    });
  });

  describe('broken BER-TLV in the binary parameter of each function (live sessions) → 1.6/2.1', () => {
    const broken: Array<[string, (valid: Buffer) => Buffer]> = [
      ['truncated to half', (v) => v.subarray(0, v.length >> 1)],
      ['truncated inside the first length', (v) => v.subarray(0, 3)],
      ['an absurd length 84 FF FF FF FF', (v) => Buffer.concat([v.subarray(0, 2), Buffer.from('84ffffffff', 'hex'), v.subarray(6)])],
      ['an indefinite length 80', (v) => Buffer.concat([v.subarray(0, 2), Buffer.from('80', 'hex'), v.subarray(3)])],
      ['a five-byte tag', (v) => Buffer.concat([Buffer.from('bfffffffff7f00', 'hex'), v])],
      ['random bytes', () => randomBytes(257)],
      ['a lone tag byte', () => Buffer.from('bf', 'hex')],
      ['the wrong outer tag', (v) => Buffer.concat([Buffer.from('30', 'hex'), v.subarray(2)])],
      ['the first child truncated', (v) => Buffer.concat([v.subarray(0, 3), Buffer.from('a082ffff30', 'hex')])],
    ];

    it.each(broken)('euiccInfo1 %s', async (_n, f) => {
      const valid = w.device('nist-1').euicc.getEuiccInfo1();
      const body = { euiccChallenge: b64(randomBytes(16)), euiccInfo1: b64(f(valid)), smdpAddress: 'localhost' };
      expect(codeOf(await post(t, 'initiateAuthentication', body))).toBe('1.6/2.1');
    });

    it.each(broken)('authenticateServerResponse %s', async (_n, f) => {
      const flow = await new Flow(t, w.device('nist-1').euicc).initiate();
      const valid = flow.authenticateServer('X');
      expect(codeOf(await flow.authenticateClientRaw(f(valid)))).toBe('1.6/2.1');
    });

    it.each(broken)('prepareDownloadResponse %s', async (_n, f) => {
      const flow = await new Flow(t, w.device('nist-1').euicc).authenticate((await w.releasedOrder()).matchingId);
      expect(codeOf(await flow.getBoundProfilePackageRaw(f(flow.prepareDownload())))).toBe('1.6/2.1');
    });

    it.each(broken)('cancelSessionResponse %s', async (_n, f) => {
      const { euicc } = w.device('nist-1');
      const flow = await new Flow(t, euicc).authenticate((await w.releasedOrder()).matchingId);
      expect(codeOf(await flow.cancelSessionRaw(f(euicc.cancelSession(flow.txBytes, 1))))).toBe('1.6/2.1');
    });

    it.each(broken)('pendingNotification %s → 204', async (_n, f) => {
      const r = await notify(t, f(Buffer.from('bf3700', 'hex')));
      expect(r.status).toBe(204);
    });

    it('base64 with line breaks and spaces is accepted (some LPAs wrap base64)', async () => {
      const { euicc } = w.device('nist-1');
      const info1 = b64(euicc.getEuiccInfo1()).replace(/(.{16})/g, '$1\r\n ');
      okOf(await post(t, 'initiateAuthentication', { euiccChallenge: b64(randomBytes(16)), euiccInfo1: info1, smdpAddress: 'localhost' }));
    });
  });

  describe('seeded fuzzing (bounded): no 5xx, no internal error, always Failed', () => {
    const N = 200;

    it(`${N} mutations of a valid authenticateServerResponse`, async () => {
      const rnd = seeded(0x5eed38);
      const order = await w.releasedOrder();
      let flow!: Flow;
      let valid!: Buffer;
      const fresh = async () => {
        flow = await new Flow(t, w.device('nist-1').euicc).initiate();
        valid = flow.authenticateServer(order.matchingId);
      };
      await fresh();
      const seen: Record<string, number> = {};
      for (let i = 0; i < N; i++) {
        const m = mutate(valid, rnd);
        if (onlyAppended(valid, m)) continue;
        const res = await flow.authenticateClientRaw(m);
        const o = outcome(res);
        seen[o] = (seen[o] ?? 0) + 1;
        if (o === '8.10.1/3.9') await fresh();
      }
      expect(Object.keys(seen).every((c) => /^\d+(\.\d+)*\/\d+\.\d+$/.test(c))).toBe(true);
      expect(seen['1.6/2.1']).toBeGreaterThan(0);
      // The genuine response still authenticates: fuzzing did not disturb the order.
      okOf(await flow.authenticateClientRaw(valid));
    });

    it(`${N} mutations of a valid prepareDownloadResponse`, async () => {
      const rnd = seeded(0x5eed21);
      let order = await w.releasedOrder();
      let flow!: Flow;
      let valid!: Buffer;
      const fresh = async () => {
        flow = await new Flow(t, w.device('nist-1').euicc).authenticate(order.matchingId);
        valid = flow.prepareDownload();
      };
      await fresh();
      const seen: Record<string, number> = {};
      for (let i = 0; i < N; i++) {
        const m = mutate(valid, rnd);
        if (onlyAppended(valid, m)) continue;
        const res = await flow.getBoundProfilePackageRaw(m);
        const o = outcome(res);
        seen[o] = (seen[o] ?? 0) + 1;
        if (o === '8.10.1/3.9') {
          order = await w.releasedOrder();
          await fresh();
        }
      }
      expect(seen['1.6/2.1']).toBeGreaterThan(0);
      expect(await profileState(w.db, order.iccid)).toBe('Released');
      okOf(await flow.getBoundProfilePackageRaw(valid));
      expect(await profileState(w.db, order.iccid)).toBe('Downloaded');
    });

    it(`${N} mutations of a PIR and of an OtherSignedNotification: always 204, the profile unchanged`, async () => {
      const rnd = seeded(0x5eed37);
      const order = await w.releasedOrder();
      const { euicc, lpa } = w.device('nist-1');
      expect((await lpa.download(order.activationCode, { skipNotification: true })).success).toBe(true);
      const pir = Buffer.from(euicc.listNotifications()[0].pendingNotification, 'base64');
      euicc.enableProfile(order.iccid);
      euicc.disableProfile(order.iccid);
      const [del] = euicc.deleteProfile(order.iccid);
      const other = Buffer.from(del.pendingNotification, 'base64');
      for (let i = 0; i < N; i++) {
        const m = mutate(i % 2 ? other : pir, rnd);
        if (onlyAppended(pir, m) || onlyAppended(other, m)) continue;
        const res = await notify(t, m);
        expect(res.status).toBe(204);
      }
      expect(await profileState(w.db, order.iccid)).toBe('Downloaded');
    });
  });

  it('a PIR signed by the session’s eUICC before the BPP was delivered → 204, nothing changes', async () => {
    const pki = devIssuers(t.certsDir);
    const { euicc, privateKey } = craftedEuicc(pki);
    const order = await w.releasedOrder();
    const flow = await new Flow(t, euicc).authenticate(order.matchingId);
    const data = encodeProfileInstallationResultData({
      transactionId: flow.txBytes,
      notificationMetadata: encodeNotificationMetadata({ seqNumber: 1, profileManagementOperation: ['notificationInstall'], notificationAddress: 'localhost', iccid: order.iccid }),
      smdpOid: '2.999.10',
      finalResult: { successResult: { aid: Buffer.from('A0000005591010FFFFFFFF8900001000', 'hex'), simaResponse: Buffer.from('3000', 'hex') } },
    });
    const pir = encodeProfileInstallationResult({ profileInstallationResultData: data, euiccSignPIR: signRaw(privateKey, data) });
    expect((await notify(t, pir)).status).toBe(204);
    expect(await profileState(w.db, order.iccid)).toBe('Released');
    // The session goes on: the BPP is still delivered.
    await flow.getBoundProfilePackage();
  });

  describe('X-Admin-Protocol (SGP.22 §6.1.1)', () => {
    const initiate = (adminProtocol: string) =>
      t.request('/gsma/rsp2/es9plus/initiateAuthentication', {
        method: 'POST',
        headers: { 'x-admin-protocol': adminProtocol },
        body: { euiccChallenge: b64(randomBytes(16)), euiccInfo1: b64(w.device('nist-1').euicc.getEuiccInfo1()), smdpAddress: 'localhost' },
      });

    it.each(['gsma/rsp/v2.2.2', 'gsma/rsp/v2.3.0', 'gsma/rsp/v2.4.0', 'gsma/rsp/v2.5.0', 'gsma/rsp/v2.6.0', 'gsma/rsp/v2.7.0', 'gsma/rsp/v3.1.0'])(
      '%s is accepted and echoed',
      async (v) => {
        const r = await initiate(v);
        okOf(r);
        expect(r.headers['x-admin-protocol']).toBe(v);
      },
    );

    it.each(['gsma/rsp/v1.0.0', 'gsma/rsp/v2.1.0', 'gsma/rsp/v4.0.0', 'rsp/v2.2.2', 'gsma/rsp/2.2.2', 'gsma/rsp/v2.2.2; drop table'])(
      '%s → 1.3.2/3.1 on every function',
      async (v) => {
        expect(codeOf(await initiate(v))).toBe('1.3.2/3.1');
        for (const fn of ES9_FUNCTIONS) {
          const r = await t.request(`/gsma/rsp2/es9plus/${fn}`, { method: 'POST', headers: { 'x-admin-protocol': v }, body: {} });
          expect(codeOf(r)).toBe('1.3.2/3.1');
        }
      },
    );
  });
});
