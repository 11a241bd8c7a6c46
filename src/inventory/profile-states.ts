/**
 * Profile states in the SM-DP+ and the transitions between them (SGP.22 §5.3 introduction, digest §3.2).
 *
 * ```
 * Available --DownloadOrder(no EID)--> Allocated --ConfirmOrder(releaseFlag=false)--> Confirmed --ReleaseProfile--> Released
 * Available --DownloadOrder(EID)-----> Linked    --ConfirmOrder(releaseFlag=true)------------------------------> Released
 * Released --GetBoundProfilePackage--> Downloaded --PIR success--> Installed
 *                                      Downloaded --PIR error----> Error (or back to Released, per policy)
 * {Allocated, Linked, Confirmed, Released, Downloaded, Error} --CancelOrder--> Available | Unavailable
 * Installed --delete notification--> Unavailable
 * ```
 * Pure: no database. The services enforce each transition with one guarded UPDATE (`WHERE state = ANY(from)`).
 */
import { RspError } from '../common/rsp-error';

export const PROFILE_STATES = [
  'Available',
  'Allocated',
  'Linked',
  'Confirmed',
  'Released',
  'Downloaded',
  'Installed',
  'Error',
  'Unavailable',
] as const;
export type ProfileState = (typeof PROFILE_STATES)[number];

/** The operations that move a profile, with the states each may start from and where it leads. */
export const TRANSITIONS = {
  downloadOrder: { from: ['Available'], to: ['Allocated', 'Linked'] },
  confirmOrder: { from: ['Allocated', 'Linked'], to: ['Confirmed', 'Released'] },
  releaseProfile: { from: ['Confirmed'], to: ['Released'] },
  cancelOrder: {
    from: ['Allocated', 'Linked', 'Confirmed', 'Released', 'Downloaded', 'Error'],
    to: ['Available', 'Unavailable'],
  },
  download: { from: ['Released'], to: ['Downloaded'] },
  install: { from: ['Downloaded'], to: ['Installed'] },
  installFailed: { from: ['Downloaded'], to: ['Error', 'Released'] },
  delete: { from: ['Installed'], to: ['Unavailable'] },
} as const satisfies Record<string, { from: readonly ProfileState[]; to: readonly ProfileState[] }>;
export type ProfileOperation = keyof typeof TRANSITIONS;

/** True when `operation` may take a profile from `from` to `to`. */
export function isAllowedTransition(operation: ProfileOperation, from: ProfileState, to: ProfileState): boolean {
  const t = TRANSITIONS[operation];
  return (t.from as readonly string[]).includes(from) && (t.to as readonly string[]).includes(to);
}

/**
 * Throws the ES2+ "invalid transition" code (`8.2.1/3.5`, digest §3.3) when the operation is not allowed
 * from the profile's current state.
 */
export function assertTransition(operation: ProfileOperation, from: ProfileState, to: ProfileState, iccid?: string): void {
  if (!isAllowedTransition(operation, from, to)) {
    throw new RspError('8.2.1', '3.5', `Invalid transition: ${operation} cannot take the profile from ${from} to ${to}`, iccid);
  }
}
