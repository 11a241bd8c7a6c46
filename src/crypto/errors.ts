/** A cryptographic input that cannot be used (bad key length, point not on the curve, malformed signature). */
export class CryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CryptoError';
  }
}
