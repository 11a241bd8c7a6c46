/**
 * Per profile type, what the eUICC is shown before installation: the StoreMetadataRequest fields of
 * SGP.22 §4.1 / §5.5.3 (serviceProviderName, profileName, iconType, icon, profileClass, notification
 * configuration, profilePolicyRules).
 *
 * ```asn1
 * ProfileClass ::= INTEGER { test(0), provisioning(1), operational(2) }
 * IconType ::= INTEGER { jpg(0), png(1) }
 * PprIds ::= BIT STRING { pprUpdateControl(0), ppr1(1), ppr2(2) }
 * ```
 */
import { RspError } from '../common/rsp-error';

export type ProfileClass = 'test' | 'provisioning' | 'operational';
export type PprName = 'pprUpdateControl' | 'ppr1' | 'ppr2';
export const PPR_BITS: Record<PprName, number> = { pprUpdateControl: 0, ppr1: 1, ppr2: 2 };

export interface NotificationConfig {
  event: 'install' | 'enable' | 'disable' | 'delete';
  /** FQDN receiving the notification (NotificationConfigurationInformation.notificationAddress). */
  address: string;
}

export interface ProfileTypeMetadata {
  serviceProviderName: string;
  profileName: string;
  iconType?: 'jpg' | 'png';
  icon?: Buffer;
  profileClass: ProfileClass;
  /** PprIds bit names set for this profile type. */
  pprIds?: PprName[];
  notificationConfig?: NotificationConfig[];
}

export function pprNamesFromBits(bits: number): PprName[] {
  return (Object.keys(PPR_BITS) as PprName[]).filter((n) => bits & (1 << PPR_BITS[n]));
}

export function pprBitsFromNames(names: readonly string[]): number {
  let bits = 0;
  for (const n of names) {
    if (!(n in PPR_BITS)) throw new RspError('1.6', '2.1', `Invalid parameter: pprIds: unknown PPR '${n}'`);
    bits |= 1 << PPR_BITS[n as PprName];
  }
  return bits;
}

/** Validates operator input (HTTP or CLI): serviceProviderName UTF8String (SIZE(0..32)), profileName (SIZE(0..64)), icon (SIZE(0..1024)), SGP.22 §4.1 StoreMetadataRequest. */
export function validateMetadata(m: Partial<ProfileTypeMetadata>): ProfileTypeMetadata {
  const bad = (what: string) => new RspError('1.6', '2.1', `Invalid parameter: ${what}`);
  if (typeof m.serviceProviderName !== 'string' || Buffer.byteLength(m.serviceProviderName) > 32) {
    throw bad('serviceProviderName (a string of at most 32 bytes)');
  }
  if (typeof m.profileName !== 'string' || Buffer.byteLength(m.profileName) > 64) {
    throw bad('profileName (a string of at most 64 bytes)');
  }
  const profileClass = m.profileClass ?? 'operational';
  if (!['test', 'provisioning', 'operational'].includes(profileClass)) throw bad('profileClass (test, provisioning or operational)');
  if (m.iconType !== undefined && m.iconType !== 'jpg' && m.iconType !== 'png') throw bad('iconType (jpg or png)');
  if (m.icon !== undefined) {
    if (!m.iconType) throw bad('iconType is required with icon');
    if (m.icon.length > 1024) throw bad('icon (at most 1024 bytes)');
  }
  for (const n of m.notificationConfig ?? []) {
    if (!['install', 'enable', 'disable', 'delete'].includes(n.event) || typeof n.address !== 'string' || !n.address) {
      throw bad('notificationConfig ([{event: install|enable|disable|delete, address}])');
    }
  }
  if (m.pprIds) pprBitsFromNames(m.pprIds);
  return {
    serviceProviderName: m.serviceProviderName,
    profileName: m.profileName,
    iconType: m.iconType,
    icon: m.icon,
    profileClass,
    pprIds: m.pprIds ?? [],
    notificationConfig: m.notificationConfig,
  };
}
