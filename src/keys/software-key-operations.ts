/**
 * The software adapter of the key-operation port: private keys held in memory as node `KeyObject`s
 * (loaded from the PEM files in certs/ by the cert store). Key material never leaves this class.
 */
import { createECDH, KeyObject, sign } from 'node:crypto';
import { RspError } from '../common/rsp-error';
import { CurveName, KeyAgreementResult, KeyOperations } from './key-operations';

const CURVES: readonly CurveName[] = ['prime256v1', 'brainpoolP256r1'];

/** Thrown for a key id this adapter does not hold (a configuration error, reported as 1.2/4.2 on the wire). */
export class UnknownKeyError extends RspError {
  constructor(readonly keyId: string) {
    super('1.2', '4.2', `No private key '${keyId}' is loaded`);
    this.name = 'UnknownKeyError';
  }
}

export class SoftwareKeyOperations implements KeyOperations {
  private readonly keys: ReadonlyMap<string, KeyObject>;

  /** @param keys key id (e.g. `dp/nist/dpauth`) → EC private KeyObject. */
  constructor(keys: ReadonlyMap<string, KeyObject>) {
    for (const [id, key] of keys) {
      if (key.type !== 'private' || key.asymmetricKeyType !== 'ec') {
        throw new Error(`key '${id}' is not an EC private key`);
      }
    }
    this.keys = new Map(keys);
  }

  /** ECDSA with SHA-256; the signature is r‖s as BSI TR-03111 / SGP.22 §2.6.5 require (not DER). */
  async sign(keyId: string, data: Buffer): Promise<Buffer> {
    const key = this.keys.get(keyId);
    if (!key) throw new UnknownKeyError(keyId);
    return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  }

  /**
   * SGP.22 §3.1.3.3 / Annex G: a fresh one-time key pair (otSK.DP.ECKA, otPK.DP.ECKA) on the eUICC's curve,
   * ECDH with otPK.EUICC.ECKA, then the private key is dropped (it only lives in this function's scope).
   * Later optimisation: take the key pair from a pool pre-generated off the request path, here.
   */
  async oneTimeKeyAgreement(curve: CurveName, peerPublicKey: Buffer): Promise<KeyAgreementResult> {
    if (!CURVES.includes(curve)) throw new RspError('1.6', '2.1', `Invalid parameter: unsupported curve ${curve}`);
    if (peerPublicKey.length !== 65 || peerPublicKey[0] !== 0x04) {
      throw new RspError('1.6', '2.1', 'Invalid parameter: otPK.EUICC.ECKA must be an uncompressed point (65 bytes)');
    }
    const ecdh = createECDH(curve);
    const oneTimePublicKey = ecdh.generateKeys();
    let sharedSecret: Buffer;
    try {
      sharedSecret = ecdh.computeSecret(peerPublicKey);
    } catch {
      // ERR_CRYPTO_ECDH_INVALID_PUBLIC_KEY: the point is not on the curve.
      throw new RspError('1.6', '2.1', 'Invalid parameter: otPK.EUICC.ECKA is not a point on the curve');
    }
    return { oneTimePublicKey, sharedSecret };
  }

  keyIds(): string[] {
    return [...this.keys.keys()].sort();
  }
}
