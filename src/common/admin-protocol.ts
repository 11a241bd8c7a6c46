/**
 * The X-Admin-Protocol header (SGP.22 §6.1.1 / digest §1.1): `gsma/rsp/v<major>.<minor>.<revision>`.
 * Requests from v2.2.x … v2.7.x and v3.x clients are accepted; the response carries the same value (a v2 LPA
 * such as pySim rejects a response that does not start with `gsma/rsp/v2.`). Without the header the server
 * answers with DEFAULT_ADMIN_PROTOCOL. Anything else is refused with 1.3.2/3.1 (Protocol Version – Unsupported).
 */
import { GenericCodes } from './rsp-error';

export const ADMIN_PROTOCOL_HEADER = 'x-admin-protocol';
export const DEFAULT_ADMIN_PROTOCOL = 'gsma/rsp/v2.5.0';

const FORMAT = /^gsma\/rsp\/v(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?$/;

/** The version to answer with, or throws RspError 1.3.2/3.1. */
export function negotiateAdminProtocol(requested: string | string[] | undefined): string {
  if (requested === undefined) return DEFAULT_ADMIN_PROTOCOL;
  const value = (Array.isArray(requested) ? requested[0] : requested).trim();
  if (value === '') return DEFAULT_ADMIN_PROTOCOL;
  const m = FORMAT.exec(value);
  if (m) {
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if ((major === 2 && minor >= 2 && minor <= 7) || major === 3) return value;
  }
  throw GenericCodes.unsupportedProtocolVersion(value.slice(0, 64));
}
