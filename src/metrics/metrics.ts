/**
 * Prometheus metrics of the SM-DP+ (issue 6 §3): per ES9+/ES2+ function the requests, their latency and the
 * failures by GSMA status code (SGP.22 §5.2.6 subjectCode/reasonCode); downloads and installations per
 * operator; the HandleDownloadProgressInfo outbox backlog.
 *
 * Every metric lives in a registry owned by one `Metrics` instance (never prom-client's global registry), so
 * an application booted several times in one process (tests) starts from zero and never clashes.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The interfaces whose functions are measured, from their URL prefix (SGP.22 §6.5: /gsma/rsp2/<if>/<fn>). */
export type RspInterface = 'es9plus' | 'es2plus';

/** SGP.22 §5.6 ES9+ functions (LPAd → SM-DP+). */
export const ES9PLUS_FUNCTIONS = [
  'initiateAuthentication',
  'authenticateClient',
  'getBoundProfilePackage',
  'handleNotification',
  'cancelSession',
] as const;

/** SGP.22 §5.3 ES2+ functions (operator ↔ SM-DP+). */
export const ES2PLUS_FUNCTIONS = [
  'downloadOrder',
  'confirmOrder',
  'cancelOrder',
  'releaseProfile',
  'handleDownloadProgressInfo',
] as const;

const KNOWN: Record<RspInterface, ReadonlySet<string>> = {
  es9plus: new Set(ES9PLUS_FUNCTIONS),
  es2plus: new Set(ES2PLUS_FUNCTIONS),
};

/** Label for anything under an interface prefix that is not one of its functions (bounded cardinality). */
export const UNKNOWN_FUNCTION = 'unknown';

export interface RspRoute {
  iface: RspInterface;
  fn: string;
}

/**
 * `/gsma/rsp2/es9plus/initiateAuthentication?x` → {es9plus, initiateAuthentication}; an unknown function name
 * under a measured interface → `unknown`; any other path → undefined (not measured).
 */
export function rspRouteOf(url: string | undefined): RspRoute | undefined {
  if (!url || !url.startsWith('/gsma/rsp2/')) return undefined;
  const rest = url.slice('/gsma/rsp2/'.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return undefined;
  const iface = rest.slice(0, slash);
  if (iface !== 'es9plus' && iface !== 'es2plus') return undefined;
  let fn = rest.slice(slash + 1);
  const q = fn.search(/[?#]/);
  if (q >= 0) fn = fn.slice(0, q);
  if (fn.endsWith('/')) fn = fn.slice(0, -1);
  return { iface, fn: KNOWN[iface].has(fn) ? fn : UNKNOWN_FUNCTION };
}

export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
}

const FAILED = '"Failed"';
const EXPIRED = '"Expired"';
const SUBJECT = /"subjectCode"\s*:\s*"([0-9.]{1,16})"/;
const REASON = /"reasonCode"\s*:\s*"([0-9.]{1,16})"/;

/**
 * The statusCodeData of a serialised ES9+/ES2+ response whose functionExecutionStatus is Failed or Expired
 * (SGP.22 §6.5.1.4), else undefined. Cheap on the success path: one substring search, no JSON parse.
 * A failure without statusCodeData is reported with empty codes.
 */
export function failureOf(payload: unknown): StatusCodeData | undefined {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return undefined;
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  if (!text.includes(FAILED) && !text.includes(EXPIRED)) return undefined;
  // Only the header's status counts: "Failed" must be the functionExecutionStatus, not some output string.
  if (!/"functionExecutionStatus"\s*:\s*\{\s*"status"\s*:\s*"(Failed|Expired)"/.test(text)) return undefined;
  return { subjectCode: SUBJECT.exec(text)?.[1] ?? '', reasonCode: REASON.exec(text)?.[1] ?? '' };
}

/** What the domain reports; a no-op implementation is fine where metrics are not wanted (pure tests). */
export interface DownloadMetrics {
  /** A Bound Profile Package was delivered (ES9+.GetBoundProfilePackage succeeded, SGP.22 §5.6.2). */
  downloadCompleted(operatorId: string): void;
  /** A ProfileInstallationResult arrived (ES9+.HandleNotification, SGP.22 §5.6.4): success or failure. */
  installationResult(operatorId: string, ok: boolean): void;
}

export const NO_METRICS: DownloadMetrics = { downloadCompleted: () => undefined, installationResult: () => undefined };

export interface MetricsOptions {
  /** Number of outbox rows still to deliver; polled at each scrape. Omit to leave the gauge at 0. */
  outboxBacklog?: () => Promise<number>;
  /** Node.js process metrics (CPU, memory, event loop, GC) with the `process_`/`nodejs_` prefixes. Default true. */
  processMetrics?: boolean;
  /** Histogram buckets in seconds. */
  buckets?: number[];
}

/** Latency buckets, seconds: fine below 50 ms (the p99 target), coarse above. */
export const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class Metrics implements DownloadMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'interface' | 'function'>;
  readonly duration: Histogram<'interface' | 'function'>;
  readonly failures: Counter<'interface' | 'function' | 'subject_code' | 'reason_code'>;
  readonly httpErrors: Counter<'interface' | 'function' | 'status'>;
  readonly downloads: Counter<'operator'>;
  readonly installations: Counter<'operator' | 'result'>;
  readonly outboxPending: Gauge;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'smdp_function_requests_total',
      help: 'ES9+/ES2+ function calls received, by interface and function (SGP.22 §5.3, §5.6)',
      labelNames: ['interface', 'function'],
      registers,
    });
    this.duration = new Histogram({
      name: 'smdp_function_duration_seconds',
      help: 'Time from request received to response sent, by interface and function',
      labelNames: ['interface', 'function'],
      buckets: options.buckets ?? DEFAULT_BUCKETS,
      registers,
    });
    this.failures = new Counter({
      name: 'smdp_function_failures_total',
      help: 'Function calls answered with functionExecutionStatus Failed/Expired, by statusCodeData (SGP.22 §5.2.6)',
      labelNames: ['interface', 'function', 'subject_code', 'reason_code'],
      registers,
    });
    this.httpErrors = new Counter({
      name: 'smdp_function_http_errors_total',
      help: 'Function calls answered with an HTTP status >= 400 (404, 405, 413, 5xx)',
      labelNames: ['interface', 'function', 'status'],
      registers,
    });
    this.downloads = new Counter({
      name: 'smdp_downloads_total',
      help: 'Bound Profile Packages delivered (ES9+.GetBoundProfilePackage), by operator',
      labelNames: ['operator'],
      registers,
    });
    this.installations = new Counter({
      name: 'smdp_installations_total',
      help: 'Profile installation results received (ES9+.HandleNotification PIR), by operator and result',
      labelNames: ['operator', 'result'],
      registers,
    });
    const backlog = options.outboxBacklog;
    this.outboxPending = new Gauge({
      name: 'smdp_outbox_pending',
      help: 'HandleDownloadProgressInfo notifications waiting for delivery to operators (outbox, status pending)',
      registers,
      async collect() {
        if (!backlog) return;
        try {
          this.set(await backlog());
        } catch {
          // The database is down or the table missing: keep the last value rather than fail the scrape
          // (prom-client would print NaN as "Nan", which Prometheus rejects).
        }
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** One function call answered: `status` is the HTTP status; `payload` the serialised body. */
  observe(route: RspRoute, seconds: number, status: number, failure: StatusCodeData | undefined): void {
    const labels = { interface: route.iface, function: route.fn };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
    if (failure) this.failures.inc({ ...labels, subject_code: failure.subjectCode, reason_code: failure.reasonCode });
    if (status >= 400) this.httpErrors.inc({ ...labels, status: String(status) });
  }

  downloadCompleted(operatorId: string): void {
    this.downloads.inc({ operator: operatorId });
  }

  installationResult(operatorId: string, ok: boolean): void {
    this.installations.inc({ operator: operatorId, result: ok ? 'success' : 'failure' });
  }

  /** Prometheus text exposition format 0.0.4. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
