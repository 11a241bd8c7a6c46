/**
 * A functional failure with its GSMA status code (SGP.22 §5.2.6: subject code §5.2.6.1, reason code §5.2.6.2).
 * ES9+ and ES2+ controllers turn it into `header.functionExecutionStatus` with status "Failed" (HTTP 200).
 */
export class RspError extends Error {
  constructor(
    readonly subjectCode: string,
    readonly reasonCode: string,
    message: string,
    readonly subjectIdentifier?: string,
  ) {
    super(message);
    this.name = 'RspError';
  }

  get code(): string {
    return `${this.subjectCode}/${this.reasonCode}`;
  }
}

/** Generic codes (SGP.22 §5.2.6, digest §1.3) used for malformed input and internal failures. */
export const GenericCodes = {
  invalidParameter: (what: string) => new RspError('1.6', '2.1', `Invalid parameter: ${what}`),
  missingParameter: (what: string) => new RspError('1.6', '2.2', `Mandatory parameter missing: ${what}`),
  unsupportedProtocolVersion: (v: string) =>
    new RspError('1.3.2', '3.1', `Unsupported X-Admin-Protocol version: ${v}`),
  internalError: () => new RspError('1.2', '4.2', 'Execution error in the function provider'),
};
