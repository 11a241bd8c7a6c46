/**
 * The one place start-up touches src/pki: generate the development PKI when certs/ is empty, then load the
 * cert store and pick out the private keys for the key-operation adapter.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Config } from '../config/config.schema';
import type { LoadedPki } from './tokens';

/** True when certsDir holds at least one file other than README.md (in any sub-folder). */
export function hasCertificates(certsDir: string): boolean {
  if (!existsSync(certsDir)) return false;
  const walk = (dir: string): boolean =>
    readdirSync(dir).some((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return walk(p);
      return name !== 'README.md' && !name.startsWith('.');
    });
  return walk(certsDir);
}

interface PkiModules {
  loadCertStore(certsDir: string): Promise<unknown> | unknown;
  initDevelopmentPki(certsDir: string, options: { smdpAddress: string }): Promise<unknown> | unknown;
}

function pkiModules(): PkiModules {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const store = require('../pki/cert-store') as Pick<PkiModules, 'loadCertStore'>;
  const dev = require('../pki/dev-pki') as Pick<PkiModules, 'initDevelopmentPki'>;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { loadCertStore: store.loadCertStore, initDevelopmentPki: dev.initDevelopmentPki };
}

/** Adapts the cert store's shape to what the app needs (private keys for the adapter, CI count for /health). */
export function describeStore(store: unknown): Omit<LoadedPki, 'store'> {
  const s = store as { privateKeys?: unknown; cis?: unknown; ciCertificates?: unknown };
  const keys = s.privateKeys;
  const privateKeys =
    keys instanceof Map ? (keys as Map<string, KeyObject>) : keys && typeof keys === 'object' ? new Map(Object.entries(keys as Record<string, KeyObject>)) : new Map<string, KeyObject>();
  const cis = s.cis ?? s.ciCertificates;
  const ciCount = Array.isArray(cis) ? cis.length : cis instanceof Map ? cis.size : 0;
  return { privateKeys, ciCount };
}

/** Start-up: dev PKI on first run, then the cert store. `log` receives one line per step. */
export async function preparePki(
  config: Pick<Config, 'certsDir' | 'smdpAddress'>,
  log: (message: string) => void = () => undefined,
): Promise<LoadedPki> {
  const pki = pkiModules();
  if (!hasCertificates(config.certsDir)) {
    log(`no certificates in ${config.certsDir}: generating a development PKI for ${config.smdpAddress}`);
    await pki.initDevelopmentPki(config.certsDir, { smdpAddress: config.smdpAddress });
  }
  const store = await pki.loadCertStore(config.certsDir);
  const { privateKeys, ciCount } = describeStore(store);
  log(`loaded ${ciCount} CI certificate(s) and keys ${[...privateKeys.keys()].sort().join(', ') || '(none)'} from ${config.certsDir}`);
  return { store, privateKeys, ciCount };
}
