/**
 * Activation Code (SGP.22 §4.1, digest §6.1), formatted by the RSP codec (src/rsp/activation-code.ts):
 * `1$<SM-DP+ address>$<MatchingID>[$<SM-DP+ OID>[$1]]`, QR text `LPA:` + AC. QR rendering (PNG, SVG,
 * terminal) through the `qrcode` package.
 */
import * as QRCode from 'qrcode';
import { ActivationCodeInput, formatActivationCode, toQrText } from '../rsp/activation-code';

export type { ActivationCodeInput };

/** The Activation Code without the `LPA:` prefix, trailing empty fields omitted. */
export function activationCode(i: ActivationCodeInput): string {
  return formatActivationCode(i);
}

/** The text encoded in the QR code: `LPA:` + AC (SGP.22 §4.1). */
export function activationCodeQrText(i: ActivationCodeInput): string {
  return toQrText(i);
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
