import { DataSource } from 'typeorm';

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

/** RSP sessions in PostgreSQL: any server process can serve any step of a session. */
export class RspSessionStore {
  constructor(private readonly db: DataSource) {}

  async create(s: RspSession): Promise<void> {
    const keys = (Object.keys(COLUMNS) as Array<keyof RspSession>).filter((k) => s[k] !== undefined);
    await this.db.query(
      `INSERT INTO rsp_sessions (${keys.map((k) => COLUMNS[k]).join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')})`,
      keys.map((k) => s[k]),
    );
  }

  /** The live (not expired) session, or undefined. */
  async find(transactionId: Buffer, now: Date): Promise<RspSession | undefined> {
    const rows: Record<string, unknown>[] = await this.db.query(
      `SELECT * FROM rsp_sessions WHERE transaction_id = $1 AND expires_at > $2`,
      [transactionId, now],
    );
    return rows.length ? fromRow(rows[0]) : undefined;
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
    const keys = (Object.keys(changes) as Array<keyof RspSession>).filter((k) => changes[k] !== undefined);
    const sets = keys.map((k, i) => `${COLUMNS[k]} = $${i + 3}`);
    const result = await this.db.query(
      `UPDATE rsp_sessions SET ${sets.join(', ')} WHERE transaction_id = $1 AND step = ANY($2) RETURNING transaction_id`,
      [transactionId, fromSteps, ...keys.map((k) => changes[k])],
    );
    return rowsOf(result).length > 0;
  }

  /** Ends a session; its one-time material (bound package, eUICC one-time key) goes with it. */
  async delete(transactionId: Buffer): Promise<void> {
    await this.db.query(`DELETE FROM rsp_sessions WHERE transaction_id = $1`, [transactionId]);
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.db.query(`DELETE FROM rsp_sessions WHERE expires_at <= $1 RETURNING transaction_id`, [now]);
    return rowsOf(result).length;
  }
}

/** TypeORM returns [rows, count] for UPDATE/DELETE … RETURNING on PostgreSQL drivers. */
function rowsOf(result: unknown): unknown[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0];
  }
  return Array.isArray(result) ? result : [];
}
