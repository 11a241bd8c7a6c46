/**
 * The software adapter of the key-operation port: private keys held in memory as node `KeyObject`s
 * (loaded from the PEM files in certs/ by the cert store). Key material never leaves this class.
 */
import { createECDH, ECDH, KeyObject, sign } from 'node:crypto';
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

export interface SoftwareKeyOptions {
  /**
   * One-time ECDH key pairs kept ready per curve (generated off the request path with setImmediate once the
   * curve has been used); 0: generate each one in the request. Default 16.
   */
  oneTimeKeyPool?: number;
}

export class SoftwareKeyOperations implements KeyOperations {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly poolSize: number;
  /** Pre-generated one-time key pairs per curve; each is taken out (pop) before use and never put back. */
  private readonly pool = new Map<CurveName, ECDH[]>();
  private refillScheduled = false;

  /** @param keys key id (e.g. `dp/nist/dpauth`) → EC private KeyObject. */
  constructor(keys: ReadonlyMap<string, KeyObject>, options: SoftwareKeyOptions = {}) {
    this.poolSize = Math.max(0, Math.floor(options.oneTimeKeyPool ?? 16));
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
   * ECDH with otPK.EUICC.ECKA, then the private key is dropped (SGP.22 §2.6.4: used once). The key pair
   * comes from the pool when one is ready (taken out of it, so no other call can ever get it, and dropped after
   * this call whatever the outcome), else it is generated here; the pool is refilled after the response.
   */
  async oneTimeKeyAgreement(curve: CurveName, peerPublicKey: Buffer): Promise<KeyAgreementResult> {
    if (!CURVES.includes(curve)) throw new RspError('1.6', '2.1', `Invalid parameter: unsupported curve ${curve}`);
    if (peerPublicKey.length !== 65 || peerPublicKey[0] !== 0x04) {
      throw new RspError('1.6', '2.1', 'Invalid parameter: otPK.EUICC.ECKA must be an uncompressed point (65 bytes)');
    }
    const ecdh = this.takeOneTimeKey(curve);
    const oneTimePublicKey = ecdh.getPublicKey();
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

  /** How many one-time key pairs are ready for `curve` (tests, metrics). */
  pooledOneTimeKeys(curve: CurveName): number {
    return this.pool.get(curve)?.length ?? 0;
  }

  private takeOneTimeKey(curve: CurveName): ECDH {
    if (this.poolSize === 0) return generated(curve);
    let ready = this.pool.get(curve);
    if (!ready) this.pool.set(curve, (ready = []));
    const ecdh = ready.pop() ?? generated(curve);
    this.scheduleRefill();
    return ecdh;
  }

  /** Refills the pools one key pair per event-loop turn, so that requests in between are not held up. */
  private scheduleRefill(): void {
    if (this.refillScheduled) return;
    this.refillScheduled = true;
    setImmediate(() => {
      this.refillScheduled = false;
      for (const [curve, ready] of this.pool) {
        if (ready.length < this.poolSize) {
          ready.push(generated(curve));
          this.scheduleRefill();
          return;
        }
      }
    }).unref();
  }
}

function generated(curve: CurveName): ECDH {
  const ecdh = createECDH(curve);
  ecdh.generateKeys();
  return ecdh;
}
