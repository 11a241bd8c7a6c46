import { DataSource } from 'typeorm';
import type { StoredProfileColumns } from './download.port';
import { prepared } from '../database/prepared-statements';

/** What the SM-DP+ remembers between the ES9+ steps of one RSP session (SGP.22 §5.6). */
export interface RspSession {
  transactionId: Buffer;
  /** The last step completed: 'initiated' → 'authenticated' → 'bound'. */
  step: 'initiated' | 'authenticated' | 'bound';
  dpSet: string;
  ciPkId: Buffer;
  serverChallenge: Buffer;
  euiccChallenge: Buffer;
  eid?: string;
  /** SPKI DER of PK.EUICC.ECDSA, from the eUICC certificate validated in AuthenticateClient. */
  euiccPublicKey?: Buffer;
  orderId?: string;
  operatorId?: string;
  profileId?: string;
  /** ICCID and profile type of the order's profile (for the operator's progress events). */
  iccid?: string;
  profileType?: string;
  ccRequired: boolean;
  /**
   * The order's profile was already Downloaded when this session was authenticated: the eUICC lost the earlier
   * package (it never sent an installation result) and comes back for a new binding.
   */
  rebind?: boolean;
  /** The StoreMetadataRequest (BF25) shown in AuthenticateClient; the BPP must carry the same bytes. */
  profileMetadata?: Buffer;
  /** The smdpSignature2 data object (5F37 40 r‖s) that euiccSignature2 covers. */
  smdpSignature2?: Buffer;
  /** otPK.EUICC.ECKA the bound package below was bound to (a retry with the same key gets the same package). */
  euiccOtpk?: Buffer;
  bpp?: Buffer;
  expiresAt: Date;
}

/**
 * A change to an RSP session written inside another statement (the order's state change) as one of its
 * CTEs: `sql(first, condition)` is a data-modifying statement whose parameters are `$first`… (`params`) and
 * whose WHERE includes `condition` (an SQL boolean of the host statement, 'TRUE' when unconditional); it
 * returns a row when it changed the session.
 */
export interface SessionChange {
  sql(first: number, condition: string): string;
  params: unknown[];
}

/** What GetBoundProfilePackage needs to know of the session's download order (read with the session). */
export interface SessionOrderStatus {
  active: boolean;
  expiresAt?: Date;
  /** State of the order's profile (Released, Downloaded, …). */
  profileState?: string;
}

const COLUMNS: Record<keyof RspSession, string> = {
  transactionId: 'transaction_id',
  step: 'step',
  dpSet: 'dp_set',
  ciPkId: 'ci_pkid',
  serverChallenge: 'server_challenge',
  euiccChallenge: 'euicc_challenge',
  eid: 'eid',
  euiccPublicKey: 'euicc_public_key',
  orderId: 'order_id',
  operatorId: 'operator_id',
  profileId: 'profile_id',
  iccid: 'iccid',
  profileType: 'profile_type',
  ccRequired: 'cc_required',
  rebind: 'rebind',
  profileMetadata: 'profile_metadata',
  smdpSignature2: 'smdp_signature2',
  euiccOtpk: 'euicc_otpk',
  bpp: 'bpp',
  expiresAt: 'expires_at',
};

function fromRow(row: Record<string, unknown>): RspSession {
  const s: Record<string, unknown> = {};
  for (const [k, c] of Object.entries(COLUMNS)) {
    const v = row[c];
    if (v !== null && v !== undefined) s[k] = v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v;
  }
  if (!(s.expiresAt instanceof Date)) s.expiresAt = new Date(s.expiresAt as string);
  return s as unknown as RspSession;
}

/** How many recently written sessions a process remembers (a few hundred bytes each; no bound package). */
const RECENT_SESSIONS = 20_000;

/**
 * RSP sessions in PostgreSQL: any server process can serve any step of a session.
 *
 * Each process also remembers the sessions it wrote itself (issue 6: the next step's read of the session it
 * has just written was a database round trip on every AuthenticateClient and HandleNotification). That copy
 * is only a shortcut for reading: every change is still claimed in the database, guarded by the step and the
 * expiry there (`claim`), so a copy that is out of date — another process moved or ended the session — can at
 * most let a request get as far as its claim, which then fails exactly as before (8.10.1/3.9).
 */
export class RspSessionStore {
  private readonly recent = new Map<string, RspSession>();

  constructor(private readonly db: DataSource) {}

  async create(s: RspSession): Promise<void> {
    const keys = (Object.keys(COLUMNS) as Array<keyof RspSession>).filter((k) => s[k] !== undefined);
    await this.db.query(
      prepared(`INSERT INTO rsp_sessions (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`),
      keys.map((k) => s[k]),
    );
    this.remember(s);
  }

  /** The live (not expired) session, or undefined: read from the database. */
  async find(transactionId: Buffer, now: Date): Promise<RspSession | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(
      prepared(`SELECT * FROM rsp_sessions WHERE transaction_id = $1 AND expires_at > $2`),
      [transactionId, now],
    );
    return rows.length ? fromRow(rows[0]) : undefined;
  }

  /**
   * The live session as this process last wrote it when that copy is at one of `steps`, else as read from the
   * database — for a step that claims the session before changing anything (AuthenticateClient) or only ends it
   * (HandleNotification). Without the bound package: read `findWithOrder` for that.
   */
  async findRecent(transactionId: Buffer, now: Date, steps: RspSession['step'][]): Promise<RspSession | undefined> {
    const mine = this.recent.get(transactionId.toString('hex'));
    if (mine && mine.expiresAt.getTime() <= now.getTime()) this.forget(transactionId);
    else if (mine && steps.includes(mine.step)) return { ...mine };
    const s = await this.find(transactionId, now);
    if (s) this.remember(s);
    return s;
  }

  /** Records a change this process made in the database (a `claim` that returned its row, an `advance`). */
  applied(transactionId: Buffer, changes: Partial<RspSession>): void {
    const mine = this.recent.get(transactionId.toString('hex'));
    if (mine) this.remember({ ...mine, ...changes });
  }

  /** Forgets the remembered copy (the session ended in a statement this process ran). */
  forget(transactionId: Buffer): void {
    this.recent.delete(transactionId.toString('hex'));
  }

  private remember(s: RspSession): void {
    const key = s.transactionId.toString('hex');
    this.recent.delete(key);
    if (this.recent.size >= RECENT_SESSIONS) this.recent.delete(this.recent.keys().next().value!);
    // The bound package (≈ 17 KB) stays in the database only.
    this.recent.set(key, { ...s, bpp: undefined });
  }

  /**
   * The live session and, in the same statement (issue 6), the state of its download order as
   * GetBoundProfilePackage checks it (SGP.22 §5.6.2) — `order` is undefined when the session has no order or the
   * order is gone — and the order's profile as stored (encrypted), for the binding.
   */
  async findWithOrder(
    transactionId: Buffer,
    now: Date,
  ): Promise<{ session: RspSession; order?: SessionOrderStatus; profile?: StoredProfileColumns } | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(
      prepared(`SELECT s.*, o.id IS NOT NULL AS order_found, o.active AS order_active, o.expires_at AS order_expires_at,
              p.state AS order_profile_state, p.id::text AS p_id, p.iccid AS p_iccid, p.ppk_protected AS p_ppk_protected,
              p.ppk_keys_ciphertext AS p_ppk_keys,
              CASE WHEN p.ppk_protected IS NULL OR p.ppk_keys_ciphertext IS NULL THEN p.package_ciphertext END AS p_package_ciphertext,
              p.package_iv AS p_package_iv, p.package_tag AS p_package_tag
         FROM rsp_sessions s
         LEFT JOIN orders o
                ON o.id = CASE WHEN s.order_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN s.order_id::uuid END
         LEFT JOIN profiles p ON p.id = o.profile_id
        WHERE s.transaction_id = $1 AND s.expires_at > $2`),
      [transactionId, now],
    );
    if (!rows.length) return undefined;
    const r = rows[0];
    const found = r.order_found === true || r.order_found === 't';
    const session = fromRow(r);
    return {
      session,
      profile:
        r.p_id != null && r.p_id === session.profileId
          ? {
              iccid: String(r.p_iccid),
              ppkProtected: bytes(r.p_ppk_protected),
              ppkKeysCiphertext: bytes(r.p_ppk_keys),
              packageCiphertext: bytes(r.p_package_ciphertext),
              packageIv: bytes(r.p_package_iv),
              packageTag: bytes(r.p_package_tag),
            }
          : undefined,
      order: found
        ? {
            active: r.order_active === true || r.order_active === 't',
            expiresAt: r.order_expires_at == null ? undefined : new Date(r.order_expires_at as string | Date),
            profileState: r.order_profile_state == null ? undefined : String(r.order_profile_state),
          }
        : undefined,
    };
  }

  /**
   * `advance` as a statement for another one (issue 6: the session step and the order's state change in one
   * round trip): returns a row when this request moved the session — each step is still claimed once.
   */
  claim(transactionId: Buffer, fromSteps: RspSession['step'][], changes: Partial<RspSession>, liveAt?: Date): SessionChange {
    const keys = (Object.keys(changes) as Array<keyof RspSession>).filter((k) => changes[k] !== undefined);
    const n = keys.length;
    return {
      sql: (first, condition) =>
        `UPDATE rsp_sessions SET ${keys.map((k, i) => `${COLUMNS[k]} = $${first + 2 + i}`).join(', ')}
          WHERE transaction_id = $${first} AND step = ANY($${first + 1})${liveAt ? ` AND expires_at > $${first + 2 + n}` : ''}
            AND ${condition} RETURNING transaction_id`,
      params: [transactionId, fromSteps, ...keys.map((k) => changes[k]), ...(liveAt ? [liveAt] : [])],
    };
  }

  /** `delete` as a statement for another one (the session ends with the order's state change). */
  ending(transactionId: Buffer): SessionChange {
    return {
      sql: (first, condition) => `DELETE FROM rsp_sessions WHERE transaction_id = $${first} AND ${condition} RETURNING transaction_id`,
      params: [transactionId],
    };
  }

  /**
   * Moves a session from one step to the next with the given changes; false when another request moved it
   * first (each step is done once: a serverChallenge is used once, SGP.22 §5.6.3).
   */
  async advance(
    transactionId: Buffer,
    fromSteps: RspSession['step'][],
    changes: Partial<RspSession>,
  ): Promise<boolean> {
    const c = this.claim(transactionId, fromSteps, changes);
    const result = await this.db.query(prepared(c.sql(1, 'TRUE')), c.params);
    const moved = rowsOf(result).length > 0;
    if (moved) this.applied(transactionId, changes);
    return moved;
  }

  /** Ends a session; its one-time material (bound package, eUICC one-time key) goes with it. */
  async delete(transactionId: Buffer): Promise<void> {
    this.forget(transactionId);
    await this.db.query(prepared(`DELETE FROM rsp_sessions WHERE transaction_id = $1`), [transactionId]);
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.db.query(`DELETE FROM rsp_sessions WHERE expires_at <= $1 RETURNING transaction_id`, [now]);
    return rowsOf(result).length;
  }
}

function bytes(v: unknown): Buffer | undefined {
  if (v == null) return undefined;
  return Buffer.isBuffer(v) ? v : Buffer.from(v as Uint8Array);
}

/** TypeORM returns [rows, count] for UPDATE/DELETE … RETURNING on PostgreSQL drivers. */
function rowsOf(result: unknown): unknown[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0];
  }
  return Array.isArray(result) ? result : [];
}
