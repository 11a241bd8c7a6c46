/**
 * The one place start-up touches src/pki: generate the development PKI when certs/ holds no key material,
 * then load the cert store (which hands the private keys to the key-operation adapter).
 */
import type { Config } from '../config/config.schema';
import { loadCertStore } from '../pki/cert-store';
import { hasKeyMaterial, initDevelopmentPki } from '../pki/dev-pki';
import type { LoadedPki } from './tokens';

/** Start-up: development PKI on first run, then the cert store. `log` receives one line per step. */
export async function preparePki(
  config: Pick<Config, 'certsDir' | 'smdpAddress'>,
  log: (message: string) => void = () => undefined,
): Promise<LoadedPki> {
  if (!hasKeyMaterial(config.certsDir)) {
    log(`no key material in ${config.certsDir}: generating a development PKI for ${config.smdpAddress}`);
    await initDevelopmentPki(config.certsDir, { smdpAddress: config.smdpAddress });
  }
  const store = loadCertStore(config.certsDir);
  const keyIds = [...store.privateKeys.keys()].sort();
  log(`loaded ${store.cis.length} CI certificate(s), ${store.dpSets.length} SM-DP+ credential set(s), keys ${keyIds.join(', ') || '(none)'}`);
  return { store, privateKeys: store.privateKeys, ciCount: store.cis.length };
}
