/**
 * Activation Code (SGP.22 §4.1, digest §6.1):
 * `AC = "1" "$" SM-DP+ Address "$" AC_Token [ "$" SM-DP+ OID [ "$" CC Required Flag ] ]`, QR text `LPA:` + AC.
 * Uses src/rsp/activation-code.ts (the RSP codec) when present; this fallback produces the same text.
 * QR rendering (PNG, SVG, terminal) through the `qrcode` package.
 */
import * as QRCode from 'qrcode';

export interface ActivationCodeInput {
  smdpAddress: string;
  matchingId: string;
  smdpOid?: string;
  confirmationCodeRequired?: boolean;
}

interface RspActivationCode {
  formatActivationCode?(i: ActivationCodeInput): string;
  toQrText?(ac: string | ActivationCodeInput): string;
}

function rspCodec(): RspActivationCode {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../rsp/activation-code') as RspActivationCode;
  } catch {
    return {};
  }
}

/** The Activation Code without the `LPA:` prefix, trailing empty fields omitted. */
export function activationCode(i: ActivationCodeInput): string {
  const codec = rspCodec();
  if (codec.formatActivationCode) return codec.formatActivationCode(i);
  if (i.smdpAddress.includes('$') || i.matchingId.includes('$')) throw new Error('"$" is not allowed in an activation code field');
  const fields = ['1', i.smdpAddress, i.matchingId];
  if (i.smdpOid || i.confirmationCodeRequired) fields.push(i.smdpOid ?? '');
  if (i.confirmationCodeRequired) fields.push('1');
  return fields.join('$');
}

/** The text encoded in the QR code: `LPA:` + AC (SGP.22 §4.1). */
export function activationCodeQrText(i: ActivationCodeInput): string {
  return `LPA:${activationCode(i)}`;
}

export async function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}

export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

export async function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
