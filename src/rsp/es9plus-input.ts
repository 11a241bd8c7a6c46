import { RspError } from '../common/rsp-error';

/** Parsing of ES9+ JSON parameters (SGP.22 §6.5.2): every failure is 1.6/2.x with the parameter named. */

export function requireString(body: Record<string, unknown>, name: string): string {
  const v = body?.[name];
  if (v === undefined || v === null) throw new RspError('1.6', '2.2', `Mandatory parameter missing: ${name}`);
  if (typeof v !== 'string') throw new RspError('1.6', '2.1', `Invalid parameter: ${name} must be a string`);
  return v;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard base64 (RFC 4648, SGP.22 §6.5.1); whitespace is tolerated as some LPAs wrap lines. */
export function parseBase64(body: Record<string, unknown>, name: string): Buffer {
  const text = requireString(body, name).replace(/\s+/g, '');
  if (text.length === 0 || text.length % 4 === 1 || !BASE64.test(text)) {
    throw new RspError('1.6', '2.1', `Invalid parameter: ${name} is not valid base64`);
  }
  return Buffer.from(text, 'base64');
}

/**
 * transactionId: the hex string of TransactionId ::= OCTET STRING (SIZE(1..16)) (SGP.22 §6.5.2),
 * matched case-insensitively (LPAs have been seen sending mixed case). An unusable one is unknown (8.10.1/3.9).
 */
export function parseTransactionId(body: Record<string, unknown>): Buffer {
  const text = requireString(body, 'transactionId');
  if (!/^([0-9A-Fa-f]{2}){1,16}$/.test(text)) {
    throw new RspError('8.10.1', '3.9', 'TransactionId unknown: not a hex string of 1 to 16 bytes');
  }
  return Buffer.from(text, 'hex');
}
