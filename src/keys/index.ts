export * from './key-operations';
export { SoftwareKeyOperations, UnknownKeyError } from './software-key-operations';
export { KeysModule } from './keys.module';
export { CERT_STORE, PKI_SUMMARY, PROFILE_ENCRYPTION_KEY } from './tokens';
export type { LoadedPki, PkiSummary } from './tokens';
