import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { KEY_OPERATIONS, KeyOperations } from './key-operations';
import { resolveProfileEncryptionKey } from './profile-encryption-key';
import { SoftwareKeyOperations } from './software-key-operations';
import { CERT_STORE, LoadedPki, PKI_SUMMARY, PkiSummary, PROFILE_ENCRYPTION_KEY } from './tokens';

/**
 * Global: KEY_OPERATIONS (the key-operation port), CERT_STORE, PKI_SUMMARY, PROFILE_ENCRYPTION_KEY.
 * A PKCS#11 adapter would be chosen here (e.g. by a KEY_PROVIDER setting); callers only see KeyOperations.
 */
@Global()
@Module({})
export class KeysModule {
  static forRoot(pki: LoadedPki): DynamicModule {
    return {
      module: KeysModule,
      providers: [
        { provide: CERT_STORE, useValue: pki.store },
        { provide: PKI_SUMMARY, useValue: { cis: pki.ciCount } satisfies PkiSummary },
        { provide: KEY_OPERATIONS, useFactory: (): KeyOperations => new SoftwareKeyOperations(pki.privateKeys) },
        {
          provide: PROFILE_ENCRYPTION_KEY,
          inject: [AppConfig],
          useFactory: (config: AppConfig): Buffer => {
            const r = resolveProfileEncryptionKey(config);
            if (r.source === 'generated') new Logger('Keys').warn(`generated a profile encryption key in ${r.path}: back it up`);
            return r.key;
          },
        },
      ],
      exports: [CERT_STORE, PKI_SUMMARY, KEY_OPERATIONS, PROFILE_ENCRYPTION_KEY],
    };
  }
}
