import { DEFAULT_ADMIN_PROTOCOL, negotiateAdminProtocol } from './admin-protocol';
import { RspError } from './rsp-error';

describe('negotiateAdminProtocol', () => {
  it.each(['gsma/rsp/v2.2.2', 'gsma/rsp/v2.5.0', 'gsma/rsp/v2.7.1', 'gsma/rsp/v3.0.0', 'gsma/rsp/v3.1', 'gsma/rsp/v2.4'])('echoes %s', (v) => {
    expect(negotiateAdminProtocol(v)).toBe(v);
  });

  it('answers v2.5.0 when the header is absent or empty', () => {
    expect(DEFAULT_ADMIN_PROTOCOL).toBe('gsma/rsp/v2.5.0');
    expect(negotiateAdminProtocol(undefined)).toBe('gsma/rsp/v2.5.0');
    expect(negotiateAdminProtocol('  ')).toBe('gsma/rsp/v2.5.0');
  });

  it('takes the first of repeated headers', () => {
    expect(negotiateAdminProtocol(['gsma/rsp/v2.2.2', 'gsma/rsp/v9.0.0'])).toBe('gsma/rsp/v2.2.2');
  });

  it.each(['gsma/rsp/v1.0.0', 'gsma/rsp/v2.1.0', 'gsma/rsp/v2.8.0', 'gsma/rsp/v4.0.0', 'gsma/rsp/2.2.2', 'rsp/v2.2.2', 'gsma/rsp/v2.2.2; x'])(
    'refuses %s with 1.3.2/3.1',
    (v) => {
      let err: unknown;
      try {
        negotiateAdminProtocol(v);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RspError);
      expect((err as RspError).code).toBe('1.3.2/3.1');
      expect((err as RspError).message).toBe(`Unsupported X-Admin-Protocol version: ${v}`);
    },
  );
});
