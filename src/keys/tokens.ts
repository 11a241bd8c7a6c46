import type { KeyObject } from 'node:crypto';
import type { CertStore } from '../pki/cert-store';

/**
 * What start-up loaded from certs/ (see keys/pki-loader.ts): the cert store of src/pki and the private keys
 * it handed to the key-operation adapter. Private keys are never injected anywhere else.
 */
export interface LoadedPki {
  /** The cert store (src/pki/cert-store.ts). Inject it with `@Inject(CERT_STORE) store: CertStore`. */
  store: CertStore;
  /** Key id (`dp/<set>/dpauth`, `dp/<set>/dppb`) → private key; consumed by the software adapter only. */
  privateKeys: ReadonlyMap<string, KeyObject>;
  /** Number of trusted CI certificates. */
  ciCount: number;
}

/** Nest token: the loaded cert store (type: CertStore from src/pki/cert-store.ts). */
export const CERT_STORE = Symbol('CERT_STORE');
/** Nest token: `{ cis: number }` — what /health reports about the PKI. */
export const PKI_SUMMARY = Symbol('PKI_SUMMARY');
/** Nest token: the 32-byte key that encrypts stored profile packages (see profile-encryption-key.ts). */
export const PROFILE_ENCRYPTION_KEY = Symbol('PROFILE_ENCRYPTION_KEY');

export interface PkiSummary {
  cis: number;
}
