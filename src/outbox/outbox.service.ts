/**
 * ES2+.HandleDownloadProgressInfo (SM-DP+ → operator, SGP.22 §5.3.5, JSON §6.5.2; digest §3.1) through a
 * durable outbox: an event is a row written (possibly inside the caller's transaction) and delivered later by
 * OutboxWorker to `<callbackUrl>/gsma/rsp2/es2plus/handleDownloadProgressInfo`, strictly in order per ICCID.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface DownloadProgressEvent {
  operatorId: string;
  iccid: string;
  eid?: string;
  profileType: string;
  /** 1 eligibility and retry limit check, 2 confirmation failure, 3 BPP download, 4 BPP installation, … */
  notificationPointId: number;
  status: 'Executed-Success' | 'Executed-WithWarning' | 'Failed' | 'Expired';
  statusCodeData?: { subjectCode: string; reasonCode: string; subjectIdentifier?: string; message?: string };
  /** base64 (e.g. the ProfileInstallationResultData) or raw bytes, encoded here. */
  resultData?: string | Buffer;
  imei?: string;
  timestamp?: Date;
}

/** The JSON body sent to the operator (digest §3.1). */
export interface HandleDownloadProgressInfoRequest {
  header: { functionRequesterIdentifier: string; functionCallIdentifier: string };
  eid?: string;
  iccid: string;
  profileType: string;
  timestamp: string;
  notificationPointId: number;
  notificationPointStatus: { status: string; statusCodeData?: DownloadProgressEvent['statusCodeData'] };
  resultData?: string;
  imei?: string;
}

/** Identity of this SM-DP+ in the callback header (functionRequesterIdentifier). */
export const OUTBOX_REQUESTER_ID = Symbol('OUTBOX_REQUESTER_ID');

/** W3C date-time without fractions, UTC: `2001-12-17T09:30:47Z`. */
export function w3cTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Wake-up hook so an in-process worker delivers right away instead of at its next poll. */
export type OutboxKick = () => void;

@Injectable()
export class OutboxService {
  private kick?: OutboxKick;

  constructor(
    private readonly db: DataSource,
    @Inject(OUTBOX_REQUESTER_ID) private readonly requesterId: string,
    @Optional() private readonly clock: () => Date = () => new Date(),
  ) {}

  onEnqueue(kick: OutboxKick): void {
    this.kick = kick;
  }

  /** Builds the request body of HandleDownloadProgressInfo. */
  buildPayload(e: DownloadProgressEvent, functionCallIdentifier = randomUUID()): HandleDownloadProgressInfoRequest {
    const body: HandleDownloadProgressInfoRequest = {
      header: { functionRequesterIdentifier: this.requesterId, functionCallIdentifier },
      ...(e.eid ? { eid: e.eid } : {}),
      iccid: e.iccid,
      profileType: e.profileType,
      timestamp: w3cTimestamp(e.timestamp ?? this.clock()),
      notificationPointId: e.notificationPointId,
      notificationPointStatus: {
        status: e.status,
        ...(e.statusCodeData && e.status !== 'Executed-Success' ? { statusCodeData: e.statusCodeData } : {}),
      },
    };
    if (e.resultData !== undefined) body.resultData = Buffer.isBuffer(e.resultData) ? e.resultData.toString('base64') : e.resultData;
    if (e.imei) body.imei = e.imei;
    return body;
  }

  /**
   * Writes the event. Pass the caller's EntityManager to make it part of the caller's transaction (the event
   * then exists if and only if the caller's change commits). Returns the outbox id.
   */
  async enqueueDownloadProgress(e: DownloadProgressEvent, manager?: EntityManager): Promise<string> {
    const q = manager ?? this.db;
    const [r] = await q.query(
      `INSERT INTO outbox (operator_id, ordering_key, payload) VALUES ($1, $2, $3) RETURNING id::text AS id`,
      [e.operatorId, e.iccid, JSON.stringify(this.buildPayload(e))],
    );
    if (manager?.queryRunner?.isTransactionActive) {
      if (this.kick) setTimeout(this.kick, 50);
    } else {
      this.notifyEnqueued();
    }
    return String(r.id);
  }

  /**
   * For callers that wrote an outbox row themselves, in one statement with their own change (columns
   * operator_id, ordering_key = ICCID, payload = `JSON.stringify(buildPayload(e))`): wakes the worker.
   */
  notifyEnqueued(): void {
    if (this.kick) setImmediate(this.kick);
  }
}
