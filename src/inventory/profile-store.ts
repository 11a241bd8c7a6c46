/**
 * Low-level rows and the guarded state transition shared by the ES2+ and ES9+ services.
 *
 * A transition is ONE guarded statement — `UPDATE profiles SET state = to WHERE id = … AND state = ANY(from)`
 * — so that of two processes racing for the same profile exactly one succeeds; the loser sees no row and
 * gets the "invalid transition" code. Every transition writes a profile_events row (audit trail) in the same
 * transaction.
 */
import { RspError } from '../common/rsp-error';
import { buf, date, Queryable } from './db';
import type { ProfileState } from './profile-states';

export interface ProfileRow {
  id: string;
  operatorId: string;
  iccid: string;
  profileType: string;
  state: ProfileState;
  majorVersion?: number;
  minorVersion?: number;
  packageSize: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrderRow {
  id: string;
  operatorId: string;
  profileId: string;
  iccid: string;
  eid?: string;
  matchingId?: string;
  ccHash?: Buffer;
  smdsAddress?: string;
  state: string;
  active: boolean;
  expiresAt?: Date;
  downloadAttempts: number;
  ccAttempts: number;
  confirmedAt?: Date;
  releasedAt?: Date;
  downloadedAt?: Date;
  installedAt?: Date;
  createdAt: Date;
}

type Row = Record<string, unknown>;

export const PROFILE_COLUMNS = `id::text AS id, operator_id, iccid, profile_type, state, major_version, minor_version,
  package_size, created_at, updated_at`;

export function toProfile(r: Row): ProfileRow {
  return {
    id: String(r.id),
    operatorId: String(r.operator_id),
    iccid: String(r.iccid),
    profileType: String(r.profile_type),
    state: r.state as ProfileState,
    majorVersion: r.major_version == null ? undefined : Number(r.major_version),
    minorVersion: r.minor_version == null ? undefined : Number(r.minor_version),
    packageSize: Number(r.package_size),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  };
}

export const ORDER_COLUMNS = `id::text AS id, operator_id, profile_id::text AS profile_id, iccid, eid, matching_id, cc_hash,
  smds_address, state, active, expires_at, download_attempts, cc_attempts, confirmed_at, released_at, downloaded_at,
  installed_at, created_at`;

export function toOrder(r: Row): OrderRow {
  return {
    id: String(r.id),
    operatorId: String(r.operator_id),
    profileId: String(r.profile_id),
    iccid: String(r.iccid),
    eid: (r.eid as string | null) ?? undefined,
    matchingId: (r.matching_id as string | null) ?? undefined,
    ccHash: buf(r.cc_hash),
    smdsAddress: (r.smds_address as string | null) ?? undefined,
    state: String(r.state),
    active: r.active === true || r.active === 't',
    expiresAt: date(r.expires_at),
    downloadAttempts: Number(r.download_attempts),
    ccAttempts: Number(r.cc_attempts),
    confirmedAt: date(r.confirmed_at),
    releasedAt: date(r.released_at),
    downloadedAt: date(r.downloaded_at),
    installedAt: date(r.installed_at),
    createdAt: date(r.created_at)!,
  };
}

/** The profile with this ICCID (optionally locked FOR UPDATE). */
export async function profileByIccid(q: Queryable, iccid: string, lock = false): Promise<ProfileRow | undefined> {
  const [r] = await q.query(`SELECT ${PROFILE_COLUMNS} FROM profiles WHERE iccid = $1${lock ? ' FOR UPDATE' : ''}`, [iccid]);
  return r ? toProfile(r) : undefined;
}

export async function activeOrderOfProfile(q: Queryable, profileId: string): Promise<OrderRow | undefined> {
  const [r] = await q.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE profile_id = $1 AND active`, [profileId]);
  return r ? toOrder(r) : undefined;
}

export async function orderById(q: Queryable, orderId: string, lock = false): Promise<OrderRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(orderId)) return undefined;
  const [r] = await q.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [orderId]);
  return r ? toOrder(r) : undefined;
}

export interface TransitionRequest {
  profileId: string;
  from: readonly ProfileState[];
  to: ProfileState;
  actor: string;
  orderId?: string;
  detail?: Record<string, unknown>;
  /** ICCID, for the error's subjectIdentifier. */
  iccid?: string;
}

/**
 * Moves the profile from one of `from` to `to` with one guarded UPDATE and records the event.
 * Throws 8.2.1/3.5 (invalid transition) when the profile is not (or no longer) in one of `from`.
 * Also mirrors the new state on the profile's active order.
 */
export async function transitionProfile(q: Queryable, t: TransitionRequest): Promise<ProfileState> {
  const [cur] = await q.query(`SELECT state FROM profiles WHERE id = $1 FOR UPDATE`, [t.profileId]);
  const invalid = () =>
    new RspError(
      '8.2.1',
      '3.5',
      cur
        ? `Invalid transition: the profile is ${cur.state}, expected ${t.from.join(' or ')} to go to ${t.to}`
        : 'Profile not found',
      t.iccid,
    );
  if (!cur || !t.from.includes(cur.state)) throw invalid();
  // The guard repeats the check in the statement itself: with the row locked it cannot fail, and without
  // a surrounding transaction it still lets only one of two racing callers through.
  const rows: Row[] = await q.query(
    `WITH upd AS (UPDATE profiles SET state = $3, updated_at = now() WHERE id = $1 AND state = ANY($2::text[])
                  RETURNING id) SELECT id FROM upd`,
    [t.profileId, t.from as string[], t.to],
  );
  if (rows.length === 0) throw invalid();
  const fromState = cur.state as ProfileState;
  await q.query(`UPDATE orders SET state = $2, updated_at = now() WHERE profile_id = $1 AND active`, [t.profileId, t.to]);
  await recordEvent(q, { profileId: t.profileId, orderId: t.orderId, from: fromState, to: t.to, actor: t.actor, detail: t.detail });
  return fromState;
}

/** Appends one audit record (also used for events that do not change the state). */
export async function recordEvent(
  q: Queryable,
  e: { profileId: string; orderId?: string; from?: string; to: string; actor: string; detail?: Record<string, unknown> },
): Promise<void> {
  await q.query(
    `INSERT INTO profile_events (profile_id, order_id, from_state, to_state, actor, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
    [e.profileId, e.orderId ?? null, e.from ?? null, e.to, e.actor, e.detail ? JSON.stringify(e.detail) : null],
  );
}

export interface AuditEvent {
  at: Date;
  from?: string;
  to: string;
  actor: string;
  orderId?: string;
  detail?: Record<string, unknown>;
}

export async function auditTrail(q: Queryable, profileId: string): Promise<AuditEvent[]> {
  const rows: Row[] = await q.query(
    `SELECT at, from_state, to_state, actor, order_id::text AS order_id, detail FROM profile_events
      WHERE profile_id = $1 ORDER BY id`,
    [profileId],
  );
  return rows.map((r) => ({
    at: date(r.at)!,
    from: (r.from_state as string | null) ?? undefined,
    to: String(r.to_state),
    actor: String(r.actor),
    orderId: (r.order_id as string | null) ?? undefined,
    detail: typeof r.detail === 'string' ? JSON.parse(r.detail) : ((r.detail as Record<string, unknown> | null) ?? undefined),
  }));
}
