/** An operator: the tenant of ES2+ (SGP.22 §5.3). It sees and changes only its own profiles and orders. */
export interface Operator {
  id: string;
  name: string;
  /** Base URL that receives ES2+.HandleDownloadProgressInfo (…/gsma/rsp2/es2plus/handleDownloadProgressInfo). */
  callbackUrl?: string;
  createdAt: Date;
}

/** The credentials printed once, when an operator is created. */
export interface OperatorCredentials {
  operator: Operator;
  /** Shown once; only its SHA-256 is stored. */
  apiKey: string;
  /** ES2+ client certificate (mutual TLS), issued by the server's operator CA, when one was issued. */
  certPem?: string;
  keyPem?: string;
  /** SHA-256 of the client certificate DER, lower-case hex. */
  certFingerprint?: string;
}
