/**
 * The load: `concurrency` test eUICCs (src/euicc TestEuicc + Lpa, real cryptography) each running complete
 * downloads back to back (SGP.22 §3.1.3: InitiateAuthentication → AuthenticateClient → GetBoundProfilePackage
 * → HandleNotification), each over its own kept-alive HTTP(S) connection, like so many devices.
 */
import { Es9Error, Es9PlusClient, Es9TransportError } from '../../src/euicc/es9plus-client';
import { emptyEuiccState, EuiccIdentity, TestEuicc } from '../../src/euicc/euicc';
import { Lpa, LpaError } from '../../src/euicc/lpa';
import { Samples } from './stats';

export const ES9_FUNCTIONS = ['initiateAuthentication', 'authenticateClient', 'getBoundProfilePackage', 'handleNotification'] as const;

/** Latency samples per ES9+ function, and of the whole download, in milliseconds. */
export class Recorder {
  readonly byFunction = new Map<string, Samples>();
  readonly download = new Samples();
  readonly errors = new Map<string, { count: number; example: string }>();
  completed = 0;
  failed = 0;

  fn(name: string): Samples {
    let s = this.byFunction.get(name);
    if (!s) this.byFunction.set(name, (s = new Samples()));
    return s;
  }

  error(key: string, example: string): void {
    const e = this.errors.get(key);
    if (e) e.count++;
    else this.errors.set(key, { count: 1, example });
    this.failed++;
  }

  reset(): void {
    for (const s of this.byFunction.values()) s.clear();
    this.download.clear();
    this.errors.clear();
    this.completed = 0;
    this.failed = 0;
  }
}

/** An ES9+ client that times every exchange and checks HandleNotification's HTTP 204 (SGP.22 §6.5.2.9). */
export class TimedEs9PlusClient extends Es9PlusClient {
  constructor(
    options: ConstructorParameters<typeof Es9PlusClient>[0],
    private readonly recorder: () => Recorder,
  ) {
    super(options);
  }

  override async call(functionName: string, body: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
    const t = performance.now();
    try {
      return await super.call(functionName, body);
    } finally {
      this.recorder().fn(functionName).push(performance.now() - t);
      if (functionName === 'handleNotification' && this.lastHttpStatus !== 204 && this.lastHttpStatus >= 200 && this.lastHttpStatus < 300) {
        this.recorder().error(`handleNotification HTTP ${this.lastHttpStatus}`, 'SGP.22 §6.5.2.9: expected 204 No Content');
      }
    }
  }
}

/** A short, stable key for an error (grouping) and its message (example). */
export function classifyError(e: unknown): { key: string; message: string } {
  if (e instanceof Es9Error) return { key: `${e.functionName} ${e.status} ${e.subjectCode ?? '?'}/${e.reasonCode ?? '?'}`, message: e.message };
  if (e instanceof Es9TransportError) return { key: `${e.functionName} transport${e.httpStatus ? ` HTTP ${e.httpStatus}` : ''}`, message: e.message };
  if (e instanceof LpaError) return { key: `eUICC/LPA ${e.step}${e.euiccErrorCode !== undefined ? ` code ${e.euiccErrorCode}` : ''}`, message: e.message };
  const m = e instanceof Error ? e.message : String(e);
  return { key: `other ${e instanceof Error ? e.name : typeof e}`, message: m };
}

export interface DriverOptions {
  baseUrl: string;
  ca?: string;
  insecure?: boolean;
  identities: EuiccIdentity[];
  activationCodes: string[];
  /** Rebuild each TestEuicc after this many downloads (it keeps every installed UPP in memory). */
  recycleEvery?: number;
}

export class LoadDriver {
  readonly recorder = new Recorder();
  private next = 0;
  private stopping = false;
  private running: Promise<void>[] = [];
  /** Downloads started / finished since the start (all phases). */
  started = 0;
  finished = 0;
  exhausted = false;
  private clients: Es9PlusClient[] = [];

  constructor(private readonly o: DriverOptions) {}

  /** Starts one loop per identity. */
  start(): void {
    this.running = this.o.identities.map((id) => this.loop(id));
  }

  /** Stops issuing downloads; resolves when those in flight have ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.running);
    for (const c of this.clients) c.close();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  private take(): string | undefined {
    if (this.next >= this.o.activationCodes.length) {
      this.exhausted = true;
      return undefined;
    }
    return this.o.activationCodes[this.next++];
  }

  private async loop(identity: EuiccIdentity): Promise<void> {
    const client = new TimedEs9PlusClient({ baseUrl: this.o.baseUrl, ca: this.o.ca, insecure: this.o.insecure, timeoutMs: 60_000 }, () => this.recorder);
    this.clients.push(client);
    const recycle = this.o.recycleEvery ?? 100;
    let euicc: TestEuicc | undefined;
    let uses = 0;
    while (!this.stopping) {
      const ac = this.take();
      if (ac === undefined) break;
      if (!euicc || uses >= recycle) {
        // Keep the notification counter; drop installed profiles (fresh ICCIDs every time anyway).
        const state = euicc ? { ...emptyEuiccState(), nextSeqNumber: euicc.state.nextSeqNumber, nextIsdp: euicc.state.nextIsdp } : emptyEuiccState();
        euicc = new TestEuicc(identity, state);
        uses = 0;
      }
      uses++;
      const lpa = new Lpa(euicc, { connect: () => client });
      this.started++;
      const t = performance.now();
      try {
        const r = await lpa.download(ac);
        if (r.success) {
          this.recorder.completed++;
          this.recorder.download.push(performance.now() - t);
        } else {
          this.recorder.error(`installation failed (bppCommandId ${r.load.bppCommandId}, errorReason ${r.load.errorReason})`, r.load.message ?? '');
        }
      } catch (e) {
        const { key, message } = classifyError(e);
        this.recorder.error(key, message);
      } finally {
        this.finished++;
        euicc.state.profiles.length = 0;
      }
    }
  }
}
