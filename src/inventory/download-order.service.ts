/**
 * What the ES9+ download flow asks of the inventory (SGP.22 §5.6.2–§5.6.5; digest §2.2 checks 9–12, §2.4):
 * find the order for an eUICC, count attempts, check the Confirmation Code budget, move the profile through
 * Downloaded → Installed / Error, apply eUICC notifications, report progress to the operator (outbox), and
 * hand out the (decrypted) profile package and the once-protected package.
 *
 * Plain values in and out, RspError on functional failures. Actor in the audit trail: 'es9plus'.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RspError } from '../common/rsp-error';
import { OutboxService } from '../outbox/outbox.service';
import { date, inTransaction } from './db';
import { InventoryService, metadataFromRow, StoredProtectedProfile } from './inventory.service';
import { INVENTORY_POLICY, InventoryPolicy } from './inventory.policy';
import { ProfileTypeMetadata } from './profile-metadata';
import { TRANSITIONS, ProfileState } from './profile-states';
import { orderById, OrderRow, recordEvent, toOrder, transitionProfile } from './profile-store';
import type { DownloadCandidate as PortDownloadCandidate, StoredProfileColumns } from '../rsp/download.port';
import { prepared } from '../database/prepared-statements';

const ACTOR = 'es9plus';

/** The ES9+ port's candidate (src/rsp/download.port.ts), with what the inventory knows beyond it. */
export interface DownloadCandidate extends PortDownloadCandidate {
  /** Size of the unprotected profile package in bytes. */
  packageSize: number;
  metadata: ProfileTypeMetadata;
  state: ProfileState;
  downloadAttempts: number;
  ccAttempts: number;
}

/** An operator progress event (HandleDownloadProgressInfo) to write in the same statement as a state change. */
export interface DownloadProgressReport {
  notificationPointId: number;
  status: 'Executed-Success' | 'Failed';
  statusCodeData?: { subjectCode: string; reasonCode: string; message?: string };
  resultData?: Buffer;
  subject: { operatorId: string; iccid: string; eid?: string; profileType: string };
}

/**
 * A statement of the caller's (an RSP session change, see src/rsp/rsp-session.store.ts SessionChange) written
 * as a CTE of the state-change statement (issue 6: one round trip): `$first`… are its `params`; its WHERE
 * includes `condition`; it returns a row when it changed something.
 */
export interface LinkedChange {
  sql(first: number, condition: string): string;
  params: unknown[];
}

/** What GetBoundProfilePackage needs to know of an order (orderValidity). */
export interface OrderStatus {
  active: boolean;
  expiresAt?: Date;
  profileState?: string;
}

/** SGP.22 §5.6.2: the order's validity for GetBoundProfilePackage (see DownloadOrderService.orderValidity). */
export function orderValidityOf(o: OrderStatus | undefined, now = Date.now()): 'valid' | 'bound' | 'expired' | 'closed' {
  if (!o || !o.active) return 'closed';
  if (o.expiresAt && o.expiresAt.getTime() <= now) return 'expired';
  if (o.profileState === 'Released') return 'valid';
  return o.profileState === 'Downloaded' ? 'bound' : 'closed';
}

export type ProfileNotificationEvent = 'install' | 'enable' | 'disable' | 'delete';

@Injectable()
export class DownloadOrderService {
  constructor(
    private readonly db: DataSource,
    private readonly inventory: InventoryService,
    private readonly outbox: OutboxService,
    @Inject(INVENTORY_POLICY) private readonly policy: InventoryPolicy,
  ) {}

  /**
   * SGP.22 §5.6.3 (digest §2.2 checks 9–10). With a matchingId (Activation Code / SM-DS event): the active
   * order with that MatchingID, else 8.2.6/3.8; an order linked to another EID → 8.1.1/3.8. Without one
   * (absent or ''): the active EID-linked order confirmed with a zero-length MatchingID (default SM-DP+),
   * else 8.1.1/3.8. Then: not yet released → 8.2/1.2; expired → 8.8.5/4.10; attempts exhausted → 8.8.5/6.4.
   */
  async findOrderForDownload(q: { matchingId?: string; eid: string }): Promise<DownloadCandidate> {
    const byMatchingId = !!q.matchingId;
    const rows: Array<Record<string, unknown>> = byMatchingId
      ? await this.db.query(prepared(`${CANDIDATE_SQL} WHERE o.matching_id = $1 AND o.active`), [q.matchingId])
      : await this.db.query(
          prepared(`${CANDIDATE_SQL} WHERE o.eid = $1 AND o.active AND o.matching_id IS NULL
           ORDER BY (o.state = 'Released') DESC, o.created_at LIMIT 1`),
          [q.eid],
        );
    const r = rows[0];
    if (!r) {
      if (byMatchingId) throw new RspError('8.2.6', '3.8', 'MatchingID (AC_Token or EventID) is refused');
      throw new RspError('8.1.1', '3.8', 'No pending download order for this EID');
    }
    const order = toOrder(r);
    if (order.eid && order.eid !== q.eid) throw new RspError('8.1.1', '3.8', "EID doesn't match the expected value");
    const state = r.profile_state as ProfileState;
    if (state === 'Allocated' || state === 'Linked' || state === 'Confirmed') {
      throw new RspError('8.2', '1.2', 'Profile has not yet been released');
    }
    // SGP.22 §3.1.3 / §5.6.2: a profile Downloaded to this very eUICC whose installation result never came (the
    // BPP was lost on the way) may be bound again in a new session, within the attempt limit.
    const lostPackage = state === 'Downloaded' && order.eid === q.eid;
    if (state !== 'Released' && !lostPackage) {
      // Downloaded/Installed/Error: this order's download already happened.
      if (byMatchingId) throw new RspError('8.2.6', '3.8', 'MatchingID (AC_Token or EventID) is refused');
      throw new RspError('8.1.1', '3.8', 'No pending download order for this EID');
    }
    if (order.expiresAt && order.expiresAt.getTime() <= Date.now()) {
      throw new RspError('8.8.5', '4.10', 'Download order expired');
    }
    if (order.downloadAttempts >= this.policy.maxDownloadAttempts) {
      throw new RspError('8.8.5', '6.4', 'Maximum number of download attempts exceeded');
    }
    return {
      orderId: order.id,
      profileId: order.profileId,
      operatorId: order.operatorId,
      iccid: order.iccid,
      eid: order.eid,
      matchingId: order.matchingId,
      ccHash: order.ccHash,
      profileType: String(r.profile_type),
      packageSize: Number(r.package_size),
      metadata:
        r.pt_name != null
          ? metadataFromRow({ ...r, service_provider_name: r.pt_spn, profile_name: r.pt_profile_name, notification_config: r.pt_nc })
          : { serviceProviderName: String(r.operator_name), profileName: String(r.profile_type), profileClass: 'operational', pprIds: [] },
      state,
      downloadAttempts: order.downloadAttempts,
      ccAttempts: order.ccAttempts,
    };
  }

  /**
   * Digest §2.2 check 12: counts one download attempt and binds the EID to the order (if not yet bound).
   * 8.1.1/3.8 if the order is bound to another EID; 8.8.5/6.4 if the attempts are exhausted.
   * `claim` (the RSP session's step, SGP.22 §5.6.3): done first, in the same statement; the attempt is only
   * counted when it returns a row — otherwise nothing happens and the result is undefined.
   */
  async beginDownloadAttempt(orderId: string, eid: string, progress?: DownloadProgressReport): Promise<{ downloadAttempts: number }>;
  async beginDownloadAttempt(
    orderId: string,
    eid: string,
    progress: DownloadProgressReport | undefined,
    claim: LinkedChange,
  ): Promise<{ downloadAttempts: number } | undefined>;
  async beginDownloadAttempt(
    orderId: string,
    eid: string,
    progress?: DownloadProgressReport,
    claim?: LinkedChange,
  ): Promise<{ downloadAttempts: number } | undefined> {
    // Fast path, one statement (issue 6): the session step claimed, the order locked, counted, bound to the EID
    // and the audit event written — only when every check passes; otherwise the transaction below finds the
    // right error.
    if (UUID.test(orderId)) {
      const params = [orderId, eid, this.policy.maxDownloadAttempts, ACTOR, ...this.outboxParams(progress)];
      const g = claim ? `g AS (${claim.sql(params.length + 1, 'TRUE')}),\n              ` : '';
      const [r] = await this.db.query(
        prepared(`WITH ${g}cur AS (SELECT id, eid FROM orders WHERE id = $1${claim ? ' AND EXISTS (SELECT 1 FROM g)' : ''} FOR UPDATE),
              u AS (UPDATE orders o SET download_attempts = o.download_attempts + 1, eid = COALESCE(o.eid, $2), updated_at = now()
                      FROM cur
                     WHERE o.id = cur.id AND (o.eid IS NULL OR o.eid = $2) AND o.download_attempts < $3
                 RETURNING o.download_attempts, o.profile_id, o.state, cur.eid AS old_eid),
              e AS (INSERT INTO profile_events (profile_id, order_id, from_state, to_state, actor, detail)
                    SELECT u.profile_id, $1, u.state, u.state, $4,
                           jsonb_build_object('downloadAttempt', u.download_attempts, 'eid', $2::text)
                           || CASE WHEN u.old_eid IS NULL OR u.old_eid = '' THEN '{"eidBound": true}'::jsonb ELSE '{}'::jsonb END
                      FROM u)${progress ? `,
              ob AS (${OUTBOX_INSERT('$5', 'u')})` : ''}
         SELECT (SELECT download_attempts FROM u) AS download_attempts${claim ? ', EXISTS (SELECT 1 FROM g) AS claimed' : ''}`),
        [...params, ...(claim?.params ?? [])],
      );
      if (claim && !(r.claimed === true || r.claimed === 't')) return undefined;
      if (r.download_attempts != null) {
        if (progress) this.outbox.notifyEnqueued();
        return { downloadAttempts: Number(r.download_attempts) };
      }
    } else if (claim && !(await this.runAlone(claim))) {
      return undefined;
    }
    const result = await this.beginDownloadAttemptTx(orderId, eid);
    if (progress) await this.report(orderId, progress);
    return result;
  }

  private beginDownloadAttemptTx(orderId: string, eid: string): Promise<{ downloadAttempts: number }> {
    return inTransaction(this.db, async (m) => {
      const o = await this.activeOrder(m, orderId, true);
      if (o.eid && o.eid !== eid) throw new RspError('8.1.1', '3.8', "EID doesn't match the expected value");
      if (o.downloadAttempts >= this.policy.maxDownloadAttempts) {
        throw new RspError('8.8.5', '6.4', 'Maximum number of download attempts exceeded');
      }
      const [u] = await m.query(
        `WITH u AS (UPDATE orders SET download_attempts = download_attempts + 1, eid = COALESCE(eid, $2), updated_at = now()
                     WHERE id = $1 RETURNING download_attempts) SELECT * FROM u`,
        [orderId, eid],
      );
      await recordEvent(m, {
        profileId: o.profileId,
        orderId,
        from: o.state,
        to: o.state,
        actor: ACTOR,
        detail: { downloadAttempt: Number(u.download_attempts), eid, ...(o.eid ? {} : { eidBound: true }) },
      });
      return { downloadAttempts: Number(u.download_attempts) };
    });
  }

  /**
   * GetBoundProfilePackage (SGP.22 §5.6.2): is the order still pending with its profile Released ('valid'), or
   * Downloaded ('bound': a BPP was handed out), past its expiry ('expired', 8.8.5/4.10), or closed — cancelled
   * by the operator (ES2+.CancelOrder), completed or failed ('closed')?
   */
  async orderValidity(orderId: string): Promise<'valid' | 'bound' | 'expired' | 'closed'> {
    if (!UUID.test(orderId)) return 'closed';
    const [o] = await this.db.query(
      `SELECT o.active, o.expires_at, p.state AS profile_state FROM orders o LEFT JOIN profiles p ON p.id = o.profile_id WHERE o.id = $1`,
      [orderId],
    );
    return orderValidityOf(
      o && { active: o.active === true || o.active === 't', expiresAt: date(o.expires_at), profileState: o.profile_state ?? undefined },
    );
  }

  /** SHA-256(CC) of the order, or undefined when no Confirmation Code is required. */
  async confirmationCodeHash(orderId: string): Promise<Buffer | undefined> {
    return (await this.activeOrder(this.db, orderId)).ccHash;
  }

  /** Attempt counters and limits of an order. */
  async counters(orderId: string): Promise<{ downloadAttempts: number; maxDownloadAttempts: number; ccAttempts: number; maxCcAttempts: number }> {
    const o = await this.activeOrder(this.db, orderId);
    return {
      downloadAttempts: o.downloadAttempts,
      maxDownloadAttempts: this.policy.maxDownloadAttempts,
      ccAttempts: o.ccAttempts,
      maxCcAttempts: this.policy.maxCcAttempts,
    };
  }

  /**
   * Records the outcome of a Confirmation Code check (SGP.22 §5.6.2). A mismatch counts one attempt; once the
   * attempts reach maxCcAttempts the order fails (profile → Error) and 8.2.7/6.4 is thrown. Returns normally
   * on a match, or on a mismatch with attempts left (the caller answers the mismatch code itself).
   */
  async checkConfirmationCode(orderId: string, matched: boolean): Promise<{ ccAttempts: number; remaining: number }> {
    const result = await inTransaction(this.db, async (m) => {
      const o = await this.activeOrder(m, orderId, true);
      if (o.ccAttempts >= this.policy.maxCcAttempts) return { exceeded: true, ccAttempts: o.ccAttempts };
      if (matched) return { exceeded: false, ccAttempts: o.ccAttempts };
      const [u] = await m.query(
        `WITH u AS (UPDATE orders SET cc_attempts = cc_attempts + 1, updated_at = now() WHERE id = $1 RETURNING cc_attempts)
         SELECT * FROM u`,
        [orderId],
      );
      const n = Number(u.cc_attempts);
      await recordEvent(m, { profileId: o.profileId, orderId, from: o.state, to: o.state, actor: ACTOR, detail: { confirmationCodeMismatch: n } });
      if (n >= this.policy.maxCcAttempts) {
        await transitionProfile(m, {
          profileId: o.profileId,
          from: ['Released', 'Downloaded'],
          to: 'Error',
          actor: ACTOR,
          orderId,
          iccid: o.iccid,
          detail: { reason: 'maximum number of Confirmation Code attempts exceeded' },
        });
        return { exceeded: true, ccAttempts: n };
      }
      return { exceeded: false, ccAttempts: n };
    });
    if (result.exceeded) throw new RspError('8.2.7', '6.4', 'Maximum number of Confirmation Code attempts exceeded');
    return { ccAttempts: result.ccAttempts, remaining: this.policy.maxCcAttempts - result.ccAttempts };
  }

  /**
   * GetBoundProfilePackage delivered the BPP: Released → Downloaded. `claim` (the RSP session's step): done
   * first in the same statement; false (and nothing done) when it returns no row.
   */
  async markDownloaded(orderId: string, progress?: DownloadProgressReport, claim?: LinkedChange): Promise<boolean> {
    return this.move(orderId, 'download', 'Downloaded', {}, `downloaded_at = now()`, progress, claim && { change: claim, gate: true });
  }

  /**
   * PIR successResult (SGP.22 §5.6.4): Downloaded → Installed; the order is complete. `then` (the end of the RSP
   * session) is written in the same statement when the state change happens there; the caller does it
   * otherwise (`then` done: the result is true).
   */
  async markInstalled(orderId: string, resultData?: Buffer, progress?: DownloadProgressReport, then?: LinkedChange): Promise<boolean> {
    return this.move(
      orderId,
      'install',
      'Installed',
      resultData ? { resultData: resultData.toString('base64') } : {},
      `installed_at = now(), active = false, closed_at = now()`,
      progress,
      then && { change: then, gate: false },
    );
  }

  /**
   * PIR errorResult / fatal failure: Downloaded → Error, or back to Released for another attempt when the
   * policy says 'release'.
   */
  async markInstallationFailed(
    orderId: string,
    detail: { bppCommandId?: number; errorReason?: number; resultData?: Buffer; message?: string } = {},
  ): Promise<ProfileState> {
    const to: ProfileState = this.policy.installFailure === 'release' ? 'Released' : 'Error';
    await this.move(orderId, 'installFailed', to, {
      bppCommandId: detail.bppCommandId,
      errorReason: detail.errorReason,
      message: detail.message,
      resultData: detail.resultData?.toString('base64'),
    });
    return to;
  }

  /**
   * ES9+.CancelSession (SGP.22 §5.6.5) reached the order. postponed(1) and timeout(2) leave the order to be
   * retried; any other reason (endUserRejection(0), pprNotAllowed(3), metadataMismatch(4),
   * loadBppExecutionError(5), undefinedReason(127)) fails it (→ Error).
   */
  async cancelDownload(orderId: string, reason: number): Promise<ProfileState> {
    return inTransaction(this.db, async (m) => {
      const o = await this.activeOrder(m, orderId, true);
      if (reason === 1 || reason === 2) {
        await recordEvent(m, { profileId: o.profileId, orderId, from: o.state, to: o.state, actor: ACTOR, detail: { cancelSession: reason } });
        return o.state as ProfileState;
      }
      await transitionProfile(m, {
        profileId: o.profileId,
        from: ['Released', 'Downloaded'],
        to: 'Error',
        actor: ACTOR,
        orderId,
        iccid: o.iccid,
        detail: { cancelSession: reason },
      });
      return 'Error';
    });
  }

  /**
   * An eUICC notification about an installed profile (SGP.22 §5.6.4, other than install): enable/disable are
   * recorded; delete takes the profile to Unavailable. Unknown ICCIDs are ignored (HandleNotification is
   * always answered 204).
   */
  async applyProfileNotification(n: { iccid: string; eid: string; event: ProfileNotificationEvent; seqNumber?: number }): Promise<void> {
    await inTransaction(this.db, async (m) => {
      const [p] = await m.query(`SELECT id::text AS id, state FROM profiles WHERE iccid = $1 FOR UPDATE`, [n.iccid]);
      if (!p) return;
      // SGP.22 §5.6.4: a notification speaks for the eUICC that signed it, so it only applies to a profile this
      // SM-DP+ installed on that EID — another (genuine) eUICC must not delete or re-state someone else's profile.
      const [installed] = await m.query(
        `SELECT eid FROM orders WHERE profile_id = $1 AND installed_at IS NOT NULL ORDER BY installed_at DESC LIMIT 1`,
        [p.id],
      );
      if (!installed || installed.eid !== n.eid) return;
      const detail = { notification: n.event, eid: n.eid, seqNumber: n.seqNumber };
      if (n.event === 'delete' && p.state === 'Installed') {
        await transitionProfile(m, { profileId: p.id, from: TRANSITIONS.delete.from, to: 'Unavailable', actor: ACTOR, iccid: n.iccid, detail });
      } else {
        await recordEvent(m, { profileId: p.id, from: p.state, to: p.state, actor: ACTOR, detail });
      }
    });
  }

  /** The unprotected profile package (decrypted). */
  getProfilePackage(profileId: string): Promise<Buffer> {
    return this.inventory.getProfilePackage(profileId);
  }

  storeProtectedProfile(profileId: string, p: StoredProtectedProfile): Promise<void> {
    return this.inventory.storeProtectedProfile(profileId, p);
  }

  getProtectedProfile(profileId: string): Promise<StoredProtectedProfile | undefined> {
    return this.inventory.getProtectedProfile(profileId);
  }

  /** The stored protected profile, or the unprotected package to protect (one statement). */
  getProtectedProfileOrPackage(profileId: string): Promise<{ protected: StoredProtectedProfile } | { package: Buffer }> {
    return this.inventory.getProtectedProfileOrPackage(profileId);
  }

  openStoredProfile(
    profileId: string,
    stored: StoredProfileColumns,
    want: { package?: boolean } = {},
  ): { protected: StoredProtectedProfile } | { package: Buffer } {
    return this.inventory.openStoredProfile(profileId, stored, want);
  }

  /**
   * ES2+.HandleDownloadProgressInfo for this order (SGP.22 §5.3.5) through the outbox. Notification points:
   * 1 eligibility and retry limit check, 2 confirmation failure, 3 BPP download, 4 BPP installation.
   * `subject`: the order's operator, ICCID, EID and profile type when the caller already has them (one
   * statement fewer).
   */
  async reportProgress(
    orderId: string,
    notificationPointId: number,
    status: 'Executed-Success' | 'Failed',
    statusCodeData?: { subjectCode: string; reasonCode: string; message?: string },
    resultData?: Buffer,
    subject?: { operatorId: string; iccid: string; eid?: string; profileType: string },
  ): Promise<void> {
    let s = subject;
    if (!s) {
      const [r] = await this.db.query(
        `SELECT o.operator_id, o.iccid, o.eid, p.profile_type FROM orders o JOIN profiles p ON p.id = o.profile_id WHERE o.id = $1`,
        [orderId],
      );
      if (!r) return;
      s = { operatorId: String(r.operator_id), iccid: String(r.iccid), eid: r.eid ?? undefined, profileType: String(r.profile_type) };
    }
    await this.outbox.enqueueDownloadProgress({
      operatorId: s.operatorId,
      iccid: s.iccid,
      eid: s.eid,
      profileType: s.profileType,
      notificationPointId,
      status,
      statusCodeData,
      resultData,
    });
  }

  /** Parameters of OUTBOX_INSERT: operator, ordering key (ICCID), payload. */
  private outboxParams(progress?: DownloadProgressReport): unknown[] {
    if (!progress) return [];
    const { subject, ...event } = progress;
    return [subject.operatorId, subject.iccid, JSON.stringify(this.outbox.buildPayload({ ...subject, ...event }))];
  }

  private report(orderId: string, p: DownloadProgressReport): Promise<void> {
    return this.reportProgress(orderId, p.notificationPointId, p.status, p.statusCodeData, p.resultData, p.subject);
  }

  private async activeOrder(q: { query(sql: string, p?: unknown[]): Promise<any> }, orderId: string, lock = false): Promise<OrderRow> {
    const o = await orderById(q, orderId, lock);
    if (!o) throw new RspError('8.8.5', '3.9', 'Download order unknown');
    return o;
  }

  /**
   * `linked`: a session change in the same statement. gate: done first, and nothing else unless it returns a
   * row (result false then); otherwise: done only when the state change happens in the fast path (result:
   * whether it was done).
   */
  private async move(
    orderId: string,
    op: 'download' | 'install' | 'installFailed',
    to: ProfileState,
    detail: Record<string, unknown>,
    orderSet?: string,
    progress?: DownloadProgressReport,
    linked?: { change: LinkedChange; gate: boolean },
  ): Promise<boolean> {
    const from = TRANSITIONS[op].from as readonly ProfileState[];
    // Fast path, one statement (issue 6), for the usual case — the order is its profile's active order and the
    // profile is in the expected state: (the session step claimed,) order locked first (as below), guarded
    // profile UPDATE, the order's state and columns, the audit event (, the session ended). Anything else
    // falls through to the transaction, which then does or refuses exactly what it always did (8.8.5/3.9, 8.2.1/3.5).
    if (from.length === 1 && UUID.test(orderId)) {
      const params = [orderId, from[0], to, ACTOR, JSON.stringify(detail), ...this.outboxParams(progress)];
      const gate = linked?.gate ? linked.change : undefined;
      const after = linked && !linked.gate ? linked.change : undefined;
      const n = params.length + 1;
      const [r] = await this.db.query(
        prepared(`WITH ${gate ? `g AS (${gate.sql(n, 'TRUE')}),\n              ` : ''}o AS (SELECT profile_id FROM orders WHERE id = $1 AND active${gate ? ' AND EXISTS (SELECT 1 FROM g)' : ''} FOR UPDATE),
              p AS (UPDATE profiles SET state = $3, updated_at = now()
                     WHERE id = (SELECT profile_id FROM o) AND state = $2 RETURNING id),
              ou AS (UPDATE orders SET state = $3, updated_at = now()${orderSet ? `, ${orderSet}` : ''}
                      WHERE id = $1 AND active AND EXISTS (SELECT 1 FROM p) RETURNING id),
              e AS (INSERT INTO profile_events (profile_id, order_id, from_state, to_state, actor, detail)
                    SELECT p.id, $1, $2, $3, $4, $5 FROM p)${progress ? `,
              ob AS (${OUTBOX_INSERT('$6', 'p')})` : ''}${after ? `,
              a AS (${after.sql(n, 'EXISTS (SELECT 1 FROM p)')})` : ''}
         SELECT (SELECT id::text FROM p) AS id${gate ? ', EXISTS (SELECT 1 FROM g) AS claimed' : ''}`),
        [...params, ...(linked?.change.params ?? [])],
      );
      if (gate && !(r.claimed === true || r.claimed === 't')) return false;
      if (r.id != null) {
        if (progress) this.outbox.notifyEnqueued();
        return true;
      }
    } else if (linked?.gate && !(await this.runAlone(linked.change))) {
      return false;
    }
    await this.moveTx(orderId, op, to, detail, orderSet);
    if (progress) await this.report(orderId, progress);
    return linked ? linked.gate : true;
  }

  /** A linked change on its own (the fast path does not apply); true when it returned a row. */
  private async runAlone(change: LinkedChange): Promise<boolean> {
    const [r] = await this.db.query(`WITH c AS (${change.sql(1, 'TRUE')}) SELECT count(*)::int AS n FROM c`, change.params);
    return Number(r.n) > 0;
  }

  private async moveTx(
    orderId: string,
    op: 'download' | 'install' | 'installFailed',
    to: ProfileState,
    detail: Record<string, unknown>,
    orderSet?: string,
  ): Promise<void> {
    await inTransaction(this.db, async (m) => {
      const o = await this.activeOrder(m, orderId, true);
      await transitionProfile(m, { profileId: o.profileId, from: TRANSITIONS[op].from, to, actor: ACTOR, orderId, iccid: o.iccid, detail });
      if (orderSet) await m.query(`UPDATE orders SET ${orderSet}, updated_at = now() WHERE id = $1`, [orderId]);
    });
  }
}

/** The outbox row of OutboxService.enqueueDownloadProgress, as a CTE written only when `source` has a row. */
const OUTBOX_INSERT = (first: string, source: string): string => {
  const n = Number(first.slice(1));
  return `INSERT INTO outbox (operator_id, ordering_key, payload) SELECT $${n}::uuid, $${n + 1}::text, $${n + 2}::jsonb FROM ${source}`;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CANDIDATE_SQL = `
  SELECT o.id::text AS id, o.operator_id, o.profile_id::text AS profile_id, o.iccid, o.eid, o.matching_id, o.cc_hash,
         o.smds_address, o.state, o.active, o.expires_at, o.download_attempts, o.cc_attempts, o.confirmed_at,
         o.released_at, o.downloaded_at, o.installed_at, o.created_at,
         p.state AS profile_state, p.profile_type, p.package_size, op.name AS operator_name,
         t.name AS pt_name, t.service_provider_name AS pt_spn, t.profile_name AS pt_profile_name, t.icon_type, t.icon,
         t.profile_class, t.ppr_ids, t.notification_config AS pt_nc
    FROM orders o
    JOIN profiles p ON p.id = o.profile_id
    JOIN operators op ON op.id = o.operator_id
    LEFT JOIN profile_types t ON t.operator_id = p.operator_id AND t.name = p.profile_type`;
