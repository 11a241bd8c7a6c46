/**
 * ECKA (Elliptic Curve Key Agreement, BSI TR-03111 §4.3.1 ECKA-DH) as SGP.22 uses it for the BSP
 * (SGP.22 §2.6.4 / Annex G, digest §4.2): both sides generate a one-time key pair on the curve of
 * CERT.DPpb, exchange the uncompressed points (`5F49` DOs, 04‖X‖Y) and take the x-coordinate of the shared
 * point as ShS (32 bytes).
 *
 * node:crypto `createECDH` supports brainpoolP256r1 as well as prime256v1.
 */
import { createECDH, diffieHellman, ECDH, KeyObject } from 'node:crypto';
import { curveOfKey, EC_POINT_LENGTH, EcCurveName, publicKeyFromPoint } from './ecdsa';
import { CryptoError } from './errors';

export interface OneTimeKeyPair {
  /** otSK — keep it in memory only, use it once (SGP.22 §2.6.4), then drop the reference. */
  privateKey: ECDH;
  /** otPK, uncompressed point 04‖X‖Y (65 bytes). */
  publicKey: Buffer;
  curve: EcCurveName;
}

function checkCurve(curve: EcCurveName): void {
  if (curve !== 'prime256v1' && curve !== 'brainpoolP256r1') throw new CryptoError(`unsupported curve ${curve}`);
}

/** Generates otSK/otPK on `curve`. */
export function generateOneTimeKeyPair(curve: EcCurveName): OneTimeKeyPair {
  checkCurve(curve);
  const privateKey = createECDH(curve);
  const publicKey = privateKey.generateKeys();
  return { privateKey, publicKey, curve };
}

/** A key pair from a known private scalar (known-answer tests, the test eUICC with fixed keys). */
export function oneTimeKeyPairFromPrivate(curve: EcCurveName, privateScalar: Buffer): OneTimeKeyPair {
  checkCurve(curve);
  const privateKey = createECDH(curve);
  try {
    privateKey.setPrivateKey(privateScalar);
  } catch (e) {
    throw new CryptoError(`invalid ${curve} private key: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { privateKey, publicKey: privateKey.getPublicKey(), curve };
}

/**
 * ShS = x-coordinate of privateKey × peerPoint (32 bytes). `privateKey` may be the ECDH object of a one-time
 * key pair or an EC private KeyObject (e.g. a long-term key in tests). Throws CryptoError when the peer point
 * is malformed or not on the curve.
 */
export function ecka(privateKey: ECDH | KeyObject, peerPoint: Buffer): Buffer {
  if (!Buffer.isBuffer(peerPoint) || peerPoint.length !== EC_POINT_LENGTH || peerPoint[0] !== 0x04) {
    throw new CryptoError('peer one-time public key must be an uncompressed point of 65 bytes (04‖X‖Y)');
  }
  try {
    if (privateKey instanceof KeyObject) {
      const curve = curveOfKey(privateKey);
      return diffieHellman({ privateKey, publicKey: publicKeyFromPoint(curve, peerPoint) });
    }
    return privateKey.computeSecret(peerPoint);
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError(`ECKA failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The SM-DP+ side in one step (what the software KeyOperations adapter does): fresh otSK/otPK.DP.ECKA on
 * `curve`, ShS with otPK.EUICC.ECKA, and the private key is dropped on return.
 */
export function oneTimeKeyAgreement(
  curve: EcCurveName,
  peerPoint: Buffer,
): { oneTimePublicKey: Buffer; sharedSecret: Buffer } {
  const kp = generateOneTimeKeyPair(curve);
  return { oneTimePublicKey: kp.publicKey, sharedSecret: ecka(kp.privateKey, peerPoint) };
}
