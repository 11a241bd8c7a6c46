/**
 * Delivers the outbox to the operators (SGP.22 §5.3.5 HandleDownloadProgressInfo, answered with HTTP 204).
 *
 *  - Durable: all state is in the `outbox` table; a restart resumes where it stopped.
 *  - In order per ICCID: only the oldest pending event of an ICCID is ever claimed, so event n+1 is never
 *    sent while event n is pending (a retried event blocks the ones behind it, until delivered or dead).
 *  - Several processes: events are claimed with `FOR UPDATE SKIP LOCKED` and leased (`locked_until`); the
 *    HTTP call happens outside any transaction; a crashed worker's lease simply expires.
 *  - Retries with exponential back-off (base · 2^(attempt−1), capped); after `maxAttempts` the event is
 *    marked dead (kept for inspection) and the next one for the ICCID proceeds.
 */
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OutboxService } from './outbox.service';

export interface OutboxWorkerOptions {
  pollIntervalMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  requestTimeoutMs: number;
  /** How many events one pass claims. */
  batchSize?: number;
  /** Lease length; must exceed requestTimeoutMs. */
  leaseMs?: number;
  /** Start polling on application bootstrap (default true). */
  autoStart?: boolean;
}
export const OUTBOX_WORKER_OPTIONS = Symbol('OUTBOX_WORKER_OPTIONS');

export const HANDLE_DOWNLOAD_PROGRESS_INFO_PATH = '/gsma/rsp2/es2plus/handleDownloadProgressInfo';

interface Claimed {
  id: string;
  attempts: number;
  payload: unknown;
  callbackUrl: string;
  orderingKey: string;
}

/** Joins the operator's base URL and the function path (a URL already ending in the path is kept). */
export function callbackTarget(base: string): string {
  if (base.endsWith(HANDLE_DOWNLOAD_PROGRESS_INFO_PATH)) return base;
  return base.replace(/\/+$/, '') + HANDLE_DOWNLOAD_PROGRESS_INFO_PATH;
}

export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

@Injectable()
export class OutboxWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('Outbox');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = true;
  private again = false;

  constructor(
    private readonly db: DataSource,
    @Inject(OUTBOX_WORKER_OPTIONS) private readonly opts: OutboxWorkerOptions,
    @Optional() outbox?: OutboxService,
  ) {
    outbox?.onEnqueue(() => this.kick());
  }

  onApplicationBootstrap(): void {
    if (this.opts.autoStart !== false) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Deliver now (called after an enqueue). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce()
        .then((n) => {
          // Delivering an event can make the next one of its ICCID due: go again at once.
          if (n > 0) this.again = true;
          return n;
        })
        .catch((e) => {
          this.log.error(`outbox pass failed: ${e instanceof Error ? e.message : e}`);
          return 0;
        })
        .finally(() => {
          this.running = undefined;
          const more = this.again;
          this.again = false;
          this.schedule(more ? 0 : this.opts.pollIntervalMs);
        });
    }, ms);
  }

  /**
   * One pass: claims the deliverable head events and posts them (different ICCIDs in parallel).
   * Returns the number of events attempted. Public for tests and for a one-shot CLI drain.
   */
  async runOnce(): Promise<number> {
    const claimed = await this.claim();
    await Promise.all(claimed.map((c) => this.deliver(c)));
    return claimed.length;
  }

  /** Claims up to batchSize events that are the oldest pending event of their ICCID and due. */
  private async claim(): Promise<Claimed[]> {
    const leaseMs = this.opts.leaseMs ?? this.opts.requestTimeoutMs * 2 + 5000;
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `WITH head AS (
         SELECT o.id FROM outbox o JOIN operators op ON op.id = o.operator_id
          WHERE o.status = 'pending' AND o.next_attempt_at <= now()
            AND (o.locked_until IS NULL OR o.locked_until < now())
            AND op.callback_url IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.ordering_key = o.ordering_key
                                                     AND p.status = 'pending' AND p.id < o.id)
          ORDER BY o.id LIMIT $1
          FOR UPDATE OF o SKIP LOCKED),
       upd AS (
         UPDATE outbox SET locked_until = now() + make_interval(secs => $2), attempts = outbox.attempts + 1
           FROM head WHERE outbox.id = head.id
         RETURNING outbox.id, outbox.attempts, outbox.payload, outbox.operator_id, outbox.ordering_key)
       SELECT upd.id::text AS id, upd.attempts, upd.payload, upd.ordering_key, op.callback_url
         FROM upd JOIN operators op ON op.id = upd.operator_id ORDER BY upd.id`,
      [this.opts.batchSize ?? 20, leaseMs / 1000],
    );
    return rows.map((r) => ({
      id: String(r.id),
      attempts: Number(r.attempts),
      payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
      callbackUrl: String(r.callback_url),
      orderingKey: String(r.ordering_key),
    }));
  }

  private async deliver(c: Claimed): Promise<void> {
    let error: string | undefined;
    try {
      const res = await fetch(callbackTarget(c.callbackUrl), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Admin-Protocol': 'gsma/rsp/v2.5.0' },
        body: JSON.stringify(c.payload),
        signal: AbortSignal.timeout(this.opts.requestTimeoutMs),
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    // Lease token: the attempts value this worker claimed; a stale worker cannot overwrite a newer claim.
    if (!error) {
      await this.db.query(
        `UPDATE outbox SET status = 'delivered', delivered_at = now(), locked_until = NULL, last_error = NULL
          WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
        [c.id, c.attempts],
      );
      return;
    }
    const dead = c.attempts >= this.opts.maxAttempts;
    const delay = backoffMs(c.attempts, this.opts.backoffBaseMs, this.opts.backoffMaxMs);
    await this.db.query(
      `UPDATE outbox SET status = $3, last_error = $4, locked_until = NULL,
              next_attempt_at = now() + make_interval(secs => $5)
        WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [c.id, c.attempts, dead ? 'dead' : 'pending', error.slice(0, 500), delay / 1000],
    );
    if (dead) this.log.warn(`HandleDownloadProgressInfo #${c.id} for ICCID ${c.orderingKey} given up after ${c.attempts} attempts: ${error}`);
  }
}
