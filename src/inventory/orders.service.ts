/**
 * ES2+ functions of the SM-DP+ (SGP.22 §5.3.1–§5.3.4, JSON binding §6.5.2; digest §3): DownloadOrder,
 * ConfirmOrder, CancelOrder, ReleaseProfile. Plain values in, plain values out, RspError on every functional
 * failure with the code of digest §3.3. Every call acts for one authenticated operator and only ever on that
 * operator's profiles (another operator's ICCID → 8.2.1/1.2).
 *
 * Allocation is safe across processes sharing one PostgreSQL: a profile is picked with
 * `SELECT … FOR UPDATE SKIP LOCKED LIMIT 1` and moved with a guarded UPDATE, inside one transaction, and a
 * unique index allows one active order per profile.
 */
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { RspError } from '../common/rsp-error';
import { activationCode } from './activation-code';
import { inTransaction, sqlState, UNIQUE_VIOLATION } from './db';
import { InventoryService, normaliseIccid } from './inventory.service';
import { INVENTORY_POLICY, InventoryPolicy } from './inventory.policy';
import { assertValidMatchingId, generateMatchingId } from './matching-id';
import { TRANSITIONS } from './profile-states';
import { activeOrderOfProfile, OrderRow, ORDER_COLUMNS, PROFILE_COLUMNS, toOrder, toProfile, transitionProfile } from './profile-store';

/** Who this SM-DP+ is: the address in activation codes (SGP.22 §4.1) and, optionally, its OID. */
export interface SmdpIdentity {
  smdpAddress: string;
  smdpOid?: string;
}
export const SMDP_IDENTITY = Symbol('SMDP_IDENTITY');

export interface DownloadOrderRequest {
  eid?: string;
  iccid?: string;
  profileType?: string;
}

export interface ConfirmOrderRequest {
  iccid: string;
  eid?: string;
  matchingId?: string;
  confirmationCode?: string;
  smdsAddress?: string;
  releaseFlag: boolean;
}

export interface ConfirmOrderResult {
  eid?: string;
  matchingId: string;
  smdpAddress: string;
  /** LPA:1$… when a MatchingID was issued (not in the default SM-DP+ use case). */
  activationCode?: string;
}

export interface CancelOrderRequest {
  iccid: string;
  eid?: string;
  matchingId?: string;
  finalProfileStatusIndicator: 'Available' | 'Unavailable';
}

/** Context of one ES2+ call, recorded in the audit trail. */
export interface Es2Caller {
  operatorId: string;
  /** Actor name for the audit trail, e.g. `es2plus:<operator>`. */
  actor: string;
  functionCallIdentifier?: string;
}

/**
 * Picks the oldest Available profile of a type (SGP.22 §5.3.1). Served by the partial index
 * profiles_available_idx in (created_at, id) order — an order no other index gives, so PostgreSQL neither walks
 * the primary key over the profiles already allocated nor sorts every Available row (migration
 * AllocationOrder1795890000000). ORDER BY the columns, not the text alias.
 */
export const ALLOCATE_SQL = `SELECT ${PROFILE_COLUMNS} FROM profiles
  WHERE operator_id = $1 AND profile_type = $2 AND state = 'Available'
  ORDER BY profiles.created_at, profiles.id LIMIT 1 FOR UPDATE SKIP LOCKED`;

const EID = /^[0-9]{32}$/;
const FQDN = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(:\d{1,5})?$/;

function optionalEid(eid: unknown): string | undefined {
  if (eid === undefined || eid === null || eid === '') return undefined;
  if (typeof eid !== 'string' || !EID.test(eid)) throw new RspError('8.1.1', '2.1', 'EID invalid: expected 32 decimal digits');
  return eid;
}

@Injectable()
export class OrdersService {
  constructor(
    private readonly db: DataSource,
    private readonly inventory: InventoryService,
    @Inject(INVENTORY_POLICY) private readonly policy: InventoryPolicy,
    @Inject(SMDP_IDENTITY) private readonly identity: SmdpIdentity,
  ) {}

  /**
   * ES2+.DownloadOrder (SGP.22 §5.3.1): reserves one Available profile, by ICCID or by profile type, linked to
   * an EID when given (→ Linked) or not (→ Allocated). Returns the ICCID.
   */
  async downloadOrder(caller: Es2Caller, req: DownloadOrderRequest): Promise<{ iccid: string }> {
    const eid = optionalEid(req.eid);
    const iccid = req.iccid === undefined || req.iccid === '' ? undefined : normaliseIccid(req.iccid);
    const profileType = typeof req.profileType === 'string' && req.profileType !== '' ? req.profileType : undefined;
    if (req.profileType !== undefined && typeof req.profileType !== 'string') {
      throw new RspError('1.6', '2.1', 'Invalid parameter: profileType');
    }
    if (!iccid && !profileType) throw new RspError('1.6', '2.3', 'Conditional parameter missing: iccid or profileType');
    const to = eid ? 'Linked' : 'Allocated';

    return inTransaction(this.db, async (m) => {
      let profileId: string;
      let chosenIccid: string;
      if (iccid) {
        const p = await this.inventory.ownedProfile(m, caller.operatorId, iccid, true);
        if (profileType && p.profileType !== profileType) {
          throw new RspError('8.2.5', '3.8', `Profile Type '${profileType}' is not the Profile Type of ICCID ${iccid}`, iccid);
        }
        if (p.state !== 'Available') {
          throw new RspError('8.2.1', '3.3', `Profile ICCID ${iccid} is not available (it is ${p.state})`, iccid);
        }
        profileId = p.id;
        chosenIccid = p.iccid;
      } else {
        await this.assertProfileTypeOwned(m, caller.operatorId, profileType!);
        // SGP.22 §5.3.1: "select an Available Profile of the Profile Type". SKIP LOCKED: concurrent callers never
        // wait for, nor pick, a row another transaction is allocating.
        const [r] = await m.query(ALLOCATE_SQL, [caller.operatorId, profileType]);
        if (!r) throw new RspError('8.2.5', '3.7', `No more Profile available for Profile Type '${profileType}'`);
        const p = toProfile(r);
        profileId = p.id;
        chosenIccid = p.iccid;
      }
      const [o] = await m.query(
        `INSERT INTO orders (operator_id, profile_id, iccid, eid, state, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6)) RETURNING id::text AS id`,
        [caller.operatorId, profileId, chosenIccid, eid ?? null, to, this.policy.orderTtlHours],
      );
      await transitionProfile(m, {
        profileId,
        from: TRANSITIONS.downloadOrder.from,
        to,
        actor: caller.actor,
        orderId: o.id,
        iccid: chosenIccid,
        detail: { function: 'DownloadOrder', functionCallIdentifier: caller.functionCallIdentifier, eid },
      });
      return { iccid: chosenIccid };
    });
  }

  /**
   * ES2+.ConfirmOrder (SGP.22 §5.3.2): fixes the MatchingID (generated when absent; zero-length = default
   * SM-DP+ use case), the Confirmation Code (stored as SHA-256 only), the SM-DS address, and releases the
   * profile when releaseFlag is true (→ Released, else → Confirmed).
   */
  async confirmOrder(caller: Es2Caller, req: ConfirmOrderRequest): Promise<ConfirmOrderResult> {
    if (req.iccid === undefined || req.iccid === null || req.iccid === '') throw new RspError('8.2.1', '2.2', 'Mandatory parameter missing: iccid');
    const iccid = normaliseIccid(req.iccid);
    if (typeof req.releaseFlag !== 'boolean') throw new RspError('1.6', '2.2', 'Mandatory parameter missing: releaseFlag (boolean)');
    const reqEid = optionalEid(req.eid);
    if (req.matchingId !== undefined && typeof req.matchingId !== 'string') throw new RspError('8.2.6', '2.1', 'MatchingID invalid');
    if (req.matchingId) assertValidMatchingId(req.matchingId);
    if (req.smdsAddress !== undefined && (typeof req.smdsAddress !== 'string' || !FQDN.test(req.smdsAddress))) {
      throw new RspError('1.6', '2.1', 'Invalid parameter: smdsAddress (an FQDN)');
    }
    if (req.confirmationCode !== undefined && (typeof req.confirmationCode !== 'string' || req.confirmationCode.length < 1 || req.confirmationCode.length > 32)) {
      throw new RspError('8.2.7', '2.1', 'Confirmation Code invalid: 1 to 32 characters');
    }
    try {
      return await inTransaction(this.db, async (m) => {
        const p = await this.inventory.ownedProfile(m, caller.operatorId, iccid, true);
        const order = await activeOrderOfProfile(m, p.id);
        if (!order || !(TRANSITIONS.confirmOrder.from as readonly string[]).includes(p.state)) {
          throw new RspError('8.2.1', '3.5', `Invalid transition: ConfirmOrder needs an Allocated or Linked profile; ICCID ${iccid} is ${p.state}`, iccid);
        }
        if (reqEid && order.eid && reqEid !== order.eid) {
          throw new RspError('8.1.1', '3.10', 'A different EID is already associated with this ICCID', iccid);
        }
        const eid = order.eid ?? reqEid;
        const defaultSmdp = req.matchingId === '';
        if ((defaultSmdp || req.smdsAddress) && !eid) {
          throw new RspError('8.1.1', '2.2', 'EID is mandatory with a zero-length MatchingID or an SM-DS address');
        }
        const matchingId = defaultSmdp ? undefined : (req.matchingId ?? generateMatchingId());
        if (req.matchingId) {
          // Checked first for a clean answer; the unique index still decides a race.
          const [taken] = await m.query(`SELECT 1 FROM orders WHERE matching_id = $1`, [req.matchingId]);
          if (taken) throw new RspError('8.2.6', '3.3', 'Conflicting MatchingID: it is already in use', iccid);
        }
        const to = req.releaseFlag ? 'Released' : 'Confirmed';
        await m.query(
          `UPDATE orders SET eid = $2, matching_id = $3, cc_hash = $4, smds_address = $5, confirmed_at = now(),
                  released_at = CASE WHEN $6 THEN now() ELSE NULL END, updated_at = now()
            WHERE id = $1`,
          [
            order.id,
            eid ?? null,
            matchingId ?? null,
            req.confirmationCode ? createHash('sha256').update(req.confirmationCode, 'utf8').digest() : null,
            req.smdsAddress ?? null,
            req.releaseFlag,
          ],
        );
        await transitionProfile(m, {
          profileId: p.id,
          from: TRANSITIONS.confirmOrder.from,
          to,
          actor: caller.actor,
          orderId: order.id,
          iccid,
          detail: {
            function: 'ConfirmOrder',
            functionCallIdentifier: caller.functionCallIdentifier,
            eid,
            matchingId: matchingId ?? '',
            confirmationCode: !!req.confirmationCode,
            smdsAddress: req.smdsAddress,
            // ES12.RegisterEvent towards the SM-DS is not implemented: the order is kept, the event is not registered.
            ...(req.smdsAddress ? { smdsRegistration: 'not performed' } : {}),
          },
        });
        return {
          eid,
          matchingId: matchingId ?? '',
          smdpAddress: this.identity.smdpAddress,
          activationCode: matchingId
            ? activationCode({
                smdpAddress: this.identity.smdpAddress,
                matchingId,
                smdpOid: this.identity.smdpOid,
                confirmationCodeRequired: !!req.confirmationCode,
              })
            : undefined,
        };
      });
    } catch (e) {
      if (sqlState(e) === UNIQUE_VIOLATION) {
        throw new RspError('8.2.6', '3.3', 'Conflicting MatchingID: it is already in use', iccid);
      }
      throw e;
    }
  }

  /**
   * ES2+.CancelOrder (SGP.22 §5.3.3): ends the profile's order; the profile becomes Available or Unavailable
   * per finalProfileStatusIndicator.
   */
  async cancelOrder(caller: Es2Caller, req: CancelOrderRequest): Promise<void> {
    if (req.iccid === undefined || req.iccid === null || req.iccid === '') throw new RspError('8.2.1', '2.2', 'Mandatory parameter missing: iccid');
    if (req.finalProfileStatusIndicator === undefined) {
      throw new RspError('8.2.1', '2.2', 'Mandatory parameter missing: finalProfileStatusIndicator');
    }
    if (req.finalProfileStatusIndicator !== 'Available' && req.finalProfileStatusIndicator !== 'Unavailable') {
      throw new RspError('1.6', '2.1', 'Invalid parameter: finalProfileStatusIndicator must be Available or Unavailable');
    }
    const iccid = normaliseIccid(req.iccid);
    const eid = optionalEid(req.eid);
    await inTransaction(this.db, async (m) => {
      const p = await this.inventory.ownedProfile(m, caller.operatorId, iccid, true);
      const order = await activeOrderOfProfile(m, p.id);
      if (!order || !(TRANSITIONS.cancelOrder.from as readonly string[]).includes(p.state)) {
        throw new RspError('8.2.1', '3.5', `Invalid transition: the order of ICCID ${iccid} cannot be cancelled (profile is ${p.state})`, iccid);
      }
      if (eid && order.eid && eid !== order.eid) {
        throw new RspError('8.1.1', '3.10', 'A different EID is associated with this ICCID', iccid);
      }
      if (req.matchingId !== undefined && req.matchingId !== (order.matchingId ?? '')) {
        throw new RspError('8.2.6', '3.10', 'A different MatchingID is associated with this ICCID', iccid);
      }
      await transitionProfile(m, {
        profileId: p.id,
        from: TRANSITIONS.cancelOrder.from,
        to: req.finalProfileStatusIndicator,
        actor: caller.actor,
        orderId: order.id,
        iccid,
        detail: { function: 'CancelOrder', functionCallIdentifier: caller.functionCallIdentifier },
      });
      await m.query(`UPDATE orders SET active = false, state = 'Cancelled', closed_at = now(), updated_at = now() WHERE id = $1`, [order.id]);
    });
  }

  /** ES2+.ReleaseProfile (SGP.22 §5.3.4): Confirmed → Released, else 8.2.1/3.5. */
  async releaseProfile(caller: Es2Caller, req: { iccid: string }): Promise<void> {
    if (req.iccid === undefined || req.iccid === null || req.iccid === '') throw new RspError('8.2.1', '2.2', 'Mandatory parameter missing: iccid');
    const iccid = normaliseIccid(req.iccid);
    await inTransaction(this.db, async (m) => {
      const p = await this.inventory.ownedProfile(m, caller.operatorId, iccid, true);
      if (p.state !== 'Confirmed') {
        throw new RspError('8.2.1', '3.5', `Invalid transition: the profile cannot be released (it is ${p.state}, not Confirmed)`, iccid);
      }
      const order = await activeOrderOfProfile(m, p.id);
      await m.query(`UPDATE orders SET released_at = now(), updated_at = now() WHERE profile_id = $1 AND active`, [p.id]);
      await transitionProfile(m, {
        profileId: p.id,
        from: TRANSITIONS.releaseProfile.from,
        to: 'Released',
        actor: caller.actor,
        orderId: order?.id,
        iccid,
        detail: { function: 'ReleaseProfile', functionCallIdentifier: caller.functionCallIdentifier },
      });
    });
  }

  /** The operator's order by MatchingID (for the QR endpoint and the CLI); 8.2.6/3.9 when unknown or not theirs. */
  async orderByMatchingId(operatorId: string | undefined, matchingId: string): Promise<OrderRow & { activationCode: string }> {
    const [r] = await this.db.query(`SELECT ${ORDER_COLUMNS} FROM orders WHERE matching_id = $1`, [matchingId]);
    const o = r ? toOrder(r) : undefined;
    if (!o || (operatorId !== undefined && o.operatorId !== operatorId)) {
      throw new RspError('8.2.6', '3.9', 'MatchingID unknown');
    }
    return {
      ...o,
      activationCode: activationCode({
        smdpAddress: this.identity.smdpAddress,
        matchingId,
        smdpOid: this.identity.smdpOid,
        confirmationCodeRequired: !!o.ccHash,
      }),
    };
  }

  /** The operator's most recent active, Released order that has a MatchingID (demo seed, CLI). */
  async latestReleasedOrder(operatorId: string): Promise<OrderRow | undefined> {
    const [r] = await this.db.query(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE operator_id = $1 AND active AND state = 'Released' AND matching_id IS NOT NULL
        ORDER BY created_at DESC LIMIT 1`,
      [operatorId],
    );
    return r ? toOrder(r) : undefined;
  }

  /** 8.2.5/3.9 unknown Profile Type; 8.2.5/1.2 when only another operator has it. */
  private async assertProfileTypeOwned(m: EntityManager, operatorId: string, profileType: string): Promise<void> {
    const rows: Array<{ operator_id: string }> = await m.query(`SELECT operator_id FROM profile_types WHERE name = $1`, [profileType]);
    if (rows.some((r) => String(r.operator_id) === operatorId)) return;
    if (rows.length) throw new RspError('8.2.5', '1.2', `Function caller is not allowed to use Profile Type '${profileType}'`);
    throw new RspError('8.2.5', '3.9', `Profile Type '${profileType}' unknown`);
  }
}
