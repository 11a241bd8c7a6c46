/**
 * A profile package (TCA eUICC Profile Package: Interoperable Format) that cannot be decoded, validated or
 * personalised. `field` names the offending element or input column when there is one, so that a batch
 * importer can report "line 1234, IMSI: …".
 */
export class SaipError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'SaipError';
  }
}
