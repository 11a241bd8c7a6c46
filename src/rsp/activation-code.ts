/**
 * Activation Code — SGP.22 §4.1 (digest §6.1).
 *
 * ```
 * AC = AC_Format "$" SM-DP+ Address "$" AC_Token [ "$" SM-DP+ OID [ "$" Confirmation Code Required Flag ] ]
 * AC_Format = "1";  CC Required Flag = "1" when a Confirmation Code is required
 * QR code text = "LPA:" AC
 * ```
 * Optional trailing fields are omitted when empty; an empty SM-DP+ OID is kept when the CC flag follows
 * (`1$ADDR$TOKEN$$1`). `$` cannot appear inside a field. The AC_Token (= MatchingID) uses the characters
 * 0-9, A-Z and "-" (lpac refuses anything but alphanumerics and "-"); parsing also accepts lower case, as lpac does.
 * Later versions append further optional fields (v3): they are kept in `extraFields`, not refused.
 *
 * Pure: no NestJS, no I/O.
 */

export class ActivationCodeError extends Error {
  constructor(
    /** The offending field: format, smdpAddress, matchingId, smdpOid, confirmationCodeRequired. */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActivationCodeError';
  }
}

export interface ActivationCodeInput {
  smdpAddress: string;
  /** AC_Token (MatchingID); may be empty. */
  matchingId: string;
  smdpOid?: string;
  confirmationCodeRequired?: boolean;
}

export interface ActivationCode {
  smdpAddress: string;
  matchingId: string;
  smdpOid?: string;
  confirmationCodeRequired: boolean;
  /** Fields after the CC flag (later SGP.22 versions), kept verbatim. */
  extraFields: string[];
}

export const AC_FORMAT = '1';
export const QR_PREFIX = 'LPA:';

/** FQDN, optionally with a port (the ES9+ address the LPA will call). */
const ADDRESS = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d{1,5})?$/;
/** AC_Token alphabet (SGP.22 §4.1: upper-case alphanumerics and "-"; lower case tolerated on input). */
const TOKEN = /^[A-Za-z0-9-]*$/;
const OID = /^[0-2](?:\.(?:0|[1-9]\d*))+$/;

function checkAddress(a: string): void {
  if (typeof a !== 'string' || a.length === 0) throw new ActivationCodeError('smdpAddress', 'SM-DP+ Address is missing');
  if (a.includes('$')) throw new ActivationCodeError('smdpAddress', '"$" is not allowed in the SM-DP+ Address');
  if (a.length > 255 || !ADDRESS.test(a)) throw new ActivationCodeError('smdpAddress', `SM-DP+ Address "${a}" is not an FQDN`);
}

function checkToken(t: string): void {
  if (typeof t !== 'string') throw new ActivationCodeError('matchingId', 'AC_Token is missing');
  if (t.includes('$')) throw new ActivationCodeError('matchingId', '"$" is not allowed in the AC_Token');
  if (!TOKEN.test(t)) throw new ActivationCodeError('matchingId', `AC_Token "${t}" may only contain 0-9, A-Z and "-"`);
}

function checkOid(o: string): void {
  if (o.includes('$')) throw new ActivationCodeError('smdpOid', '"$" is not allowed in the SM-DP+ OID');
  if (!OID.test(o)) throw new ActivationCodeError('smdpOid', `SM-DP+ OID "${o}" is not a dotted object identifier`);
}

/** The Activation Code (without `LPA:`), trailing empty optional fields omitted. */
export function formatActivationCode(i: ActivationCodeInput): string {
  checkAddress(i.smdpAddress);
  checkToken(i.matchingId);
  if (i.smdpOid) checkOid(i.smdpOid);
  const fields = [AC_FORMAT, i.smdpAddress, i.matchingId];
  if (i.smdpOid || i.confirmationCodeRequired) fields.push(i.smdpOid ?? '');
  if (i.confirmationCodeRequired) fields.push('1');
  return fields.join('$');
}

/** The QR code text: `LPA:` + AC. */
export function toQrText(ac: string | ActivationCodeInput): string {
  const text = typeof ac === 'string' ? formatActivationCode(parseActivationCode(ac)) : formatActivationCode(ac);
  return QR_PREFIX + text;
}

/**
 * Parses an Activation Code or QR text. Strips `LPA:` case-insensitively and surrounding whitespace;
 * refuses another AC_Format, a missing/invalid address, a token outside the alphabet, a malformed OID or
 * CC flag. Extra `$` fields after the CC flag are tolerated (later versions).
 */
export function parseActivationCode(text: string): ActivationCode {
  if (typeof text !== 'string') throw new ActivationCodeError('format', 'Activation Code must be a string');
  const body = text.trim().replace(/^LPA:/i, '');
  const f = body.split('$');
  if (f[0] !== AC_FORMAT) throw new ActivationCodeError('format', `unsupported AC_Format "${f[0]}" (expected "1")`);
  if (f.length < 3) throw new ActivationCodeError('format', 'Activation Code needs at least AC_Format, SM-DP+ Address and AC_Token');
  const [, smdpAddress, matchingId, oid = '', cc = '', ...extraFields] = f;
  checkAddress(smdpAddress);
  checkToken(matchingId);
  if (oid) checkOid(oid);
  if (cc !== '' && cc !== '0' && cc !== '1') {
    throw new ActivationCodeError('confirmationCodeRequired', `Confirmation Code Required Flag "${cc}" must be "1" or empty`);
  }
  const out: ActivationCode = { smdpAddress, matchingId, confirmationCodeRequired: cc === '1', extraFields };
  if (oid) out.smdpOid = oid;
  return out;
}
