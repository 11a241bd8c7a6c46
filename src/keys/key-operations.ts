/**
 * The one key-operation port (GUIDE: "one crypto provider behind every key operation").
 *
 * Every use of a long-term private key of this SM-DP+ (SK.DPauth.ECDSA, SK.DPpb.ECDSA, …) and every
 * ephemeral key agreement (otSK.DP.ECKA, SGP.22 §3.1.3.3 / Annex G) goes through this interface, so that a
 * PKCS#11 HSM adapter can replace the software adapter without touching any caller.
 * Private key material never leaves an adapter.
 */
export type CurveName = 'prime256v1' | 'brainpoolP256r1';

export interface KeyAgreementResult {
  /** otPK.DP.ECKA, uncompressed point 04‖X‖Y (65 bytes). */
  oneTimePublicKey: Buffer;
  /** ShS: the x-coordinate of otSK.DP.ECKA × otPK.EUICC.ECKA (32 bytes). The one-time private key is gone. */
  sharedSecret: Buffer;
}

export interface KeyOperations {
  /** ECDSA-SHA256 with the named key; returns the BSI TR-03111 plain signature r‖s (64 bytes). */
  sign(keyId: string, data: Buffer): Promise<Buffer>;
  /**
   * Generates a one-time key pair on `curve`, computes the ECDH shared secret with `peerPublicKey`
   * (uncompressed point) and discards the private key (SGP.22 §2.6.4: one-time keys are used once).
   */
  oneTimeKeyAgreement(curve: CurveName, peerPublicKey: Buffer): Promise<KeyAgreementResult>;
  /** Key ids this adapter holds. */
  keyIds(): string[];
}

/** Nest injection token for the port. */
export const KEY_OPERATIONS = Symbol('KEY_OPERATIONS');
