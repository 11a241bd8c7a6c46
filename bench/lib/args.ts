/** Command-line options of `npm run bench` (pure). */

export interface BenchOptions {
  /** Measure this running SM-DP+ (https://host:port) instead of starting one. */
  target?: string;
  concurrency: number;
  /** Measured phase length in seconds (ignored when `downloads` is set). */
  durationSeconds: number;
  /** Stop after this many measured downloads instead of after a duration. */
  downloads?: number;
  warmupSeconds: number;
  curve: 'nist' | 'brp';
  /** Embedded PGlite instead of PostgreSQL. */
  embedded: boolean;
  /** Admin URL of the PostgreSQL server on which a fresh bench database is created (and dropped). */
  databaseUrl: string;
  /** Extra Available profiles put in the inventory before the run (scale: allocation and lookup stay flat). */
  fillProfiles: number;
  /** Released orders to prepare; default from the duration or download count. */
  orders?: number;
  tls: boolean;
  json: boolean;
  /** Profile the server's CPU during the measured phase (V8 sampling profiler) and summarise it. */
  cpuProf: boolean;
  clientCpuProf: boolean;
  /** Run the server from TypeScript sources (ts-node, default) or from a fresh build. */
  server: 'ts' | 'dist';
  logLevel: string;
  /** Target mode: activation codes, one per line (each used once). */
  activationCodes?: string;
  /** Target mode: certs/ folder of the target (eUICC identities minted from its development EUM; CI as TLS anchor). */
  certsDir?: string;
  /** Target mode: pid of the server process, for its CPU time and memory from /proc. */
  serverPid?: number;
  /** Target mode: accept any TLS server certificate. */
  insecure: boolean;
  /** Keep the temporary folder and database afterwards. */
  keep: boolean;
  /** Extra environment for the started server, KEY=VALUE (repeatable). */
  serverEnv: Record<string, string>;
  /** Seconds between memory samples of the server. */
  sampleSeconds: number;
}

export const HELP = `npm run bench -- [options]

Drives N concurrent test eUICCs through complete profile downloads (ES9+ initiateAuthentication →
authenticateClient → getBoundProfilePackage → handleNotification) with real cryptography on both sides.

  --concurrency N        concurrent sessions (64)
  --duration S           measured seconds (60)            --downloads N   measured downloads instead
  --warmup S             unmeasured warm-up seconds (3)
  --curve nist|brp       eUICC / SM-DP+ curve (nist)
  --embedded             embedded PGlite instead of PostgreSQL
  --database-url URL     PostgreSQL admin URL; a fresh database is created on it and dropped afterwards
                         (default: $DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres)
  --profiles N           put N extra Available profiles in the inventory first (10000000 for the scale test)
  --orders N             released orders to prepare (default: enough for the run)
  --tls on|off           HTTPS between the eUICCs and the server (on)
  --server ts|dist       run the server from sources with ts-node (ts) or from a fresh tsc build (dist)
  --log-level L          LOG_LEVEL of the started server (warn)
  --server-env K=V       extra environment for the started server (repeatable)
  --cpu-prof             profile the server during the measured phase; prints self and inclusive time by
                         component and function, keeps the .cpuprofile (Chrome DevTools, speedscope)
  --client-cpu-prof      the same for the benchmark client (test eUICCs + LPAs) in this process
  --json                 one JSON document on stdout instead of the text report
  --keep                 keep the temporary folder and the bench database
  --target URL           measure a running SM-DP+ instead (needs --activation-codes and --certs):
    --activation-codes F   file of activation codes, one per line, each used once
    --certs DIR            the target's certs/ folder (development EUM to mint eUICCs, CI for TLS)
    --server-pid PID       the target's process id, for its CPU time and memory (/proc)
    --insecure             do not check the target's TLS certificate
`;

export class ArgsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgsError';
  }
}

function positiveInt(name: string, v: string | undefined, min = 1): number {
  if (v === undefined || !/^\d+$/.test(v) || Number(v) < min) throw new ArgsError(`${name} expects a whole number ≥ ${min}, got ${v ?? 'nothing'}`);
  return Number(v);
}

function seconds(name: string, v: string | undefined): number {
  const m = v === undefined ? null : /^(\d+(?:\.\d+)?)(s|m)?$/.exec(v);
  if (!m) throw new ArgsError(`${name} expects seconds (e.g. 60, 60s, 1m), got ${v ?? 'nothing'}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

/** Parses argv (without node and the script); `env` supplies DATABASE_URL. Throws ArgsError on bad input. */
export function parseArgs(argv: string[], env: Record<string, string | undefined> = {}): BenchOptions | 'help' {
  const o: BenchOptions = {
    concurrency: 64,
    durationSeconds: 60,
    warmupSeconds: 3,
    curve: 'nist',
    embedded: false,
    databaseUrl: env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres',
    fillProfiles: 0,
    tls: true,
    json: false,
    cpuProf: false,
    clientCpuProf: false,
    server: 'ts',
    logLevel: 'warn',
    insecure: false,
    keep: false,
    serverEnv: {},
    sampleSeconds: 1,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : argv[++i]);
    switch (name) {
      case '-h':
      case '--help':
        return 'help';
      case '--target': {
        const v = value();
        if (!v || !/^https?:\/\/[^/]+\/?$/.test(v)) throw new ArgsError(`--target expects http(s)://host[:port], got ${v ?? 'nothing'}`);
        o.target = v.replace(/\/$/, '');
        break;
      }
      case '--concurrency':
        o.concurrency = positiveInt(name, value());
        break;
      case '--duration':
        o.durationSeconds = seconds(name, value());
        if (o.durationSeconds <= 0) throw new ArgsError('--duration must be positive');
        break;
      case '--downloads':
        o.downloads = positiveInt(name, value());
        break;
      case '--warmup':
        o.warmupSeconds = seconds(name, value());
        break;
      case '--curve': {
        const v = value();
        if (v !== 'nist' && v !== 'brp') throw new ArgsError(`--curve expects nist or brp, got ${v ?? 'nothing'}`);
        o.curve = v;
        break;
      }
      case '--embedded':
        o.embedded = true;
        break;
      case '--database-url': {
        const v = value();
        if (!v || !/^postgres(ql)?:\/\//.test(v)) throw new ArgsError(`--database-url expects a postgres:// URL, got ${v ?? 'nothing'}`);
        o.databaseUrl = v;
        break;
      }
      case '--profiles':
        o.fillProfiles = positiveInt(name, value(), 0);
        break;
      case '--orders':
        o.orders = positiveInt(name, value());
        break;
      case '--tls': {
        const v = value();
        if (v !== 'on' && v !== 'off') throw new ArgsError(`--tls expects on or off, got ${v ?? 'nothing'}`);
        o.tls = v === 'on';
        break;
      }
      case '--server': {
        const v = value();
        if (v !== 'ts' && v !== 'dist') throw new ArgsError(`--server expects ts or dist, got ${v ?? 'nothing'}`);
        o.server = v;
        break;
      }
      case '--log-level':
        o.logLevel = value() ?? o.logLevel;
        break;
      case '--server-env': {
        const v = value() ?? '';
        const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(v);
        if (!m) throw new ArgsError(`--server-env expects KEY=VALUE, got ${v}`);
        o.serverEnv[m[1]] = m[2];
        break;
      }
      case '--cpu-prof':
        o.cpuProf = true;
        break;
      case '--client-cpu-prof':
        o.clientCpuProf = true;
        break;
      case '--json':
        o.json = true;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--activation-codes':
        o.activationCodes = value();
        break;
      case '--certs':
        o.certsDir = value();
        break;
      case '--server-pid':
        o.serverPid = positiveInt(name, value());
        break;
      case '--insecure':
        o.insecure = true;
        break;
      default:
        throw new ArgsError(`unknown option ${a} (see --help)`);
    }
  }
  if (o.target && (!o.activationCodes || !o.certsDir)) {
    throw new ArgsError('--target needs --activation-codes FILE and --certs DIR (the eUICCs must chain to a CI the target trusts)');
  }
  if (!o.target && (o.activationCodes || o.serverPid)) throw new ArgsError('--activation-codes and --server-pid go with --target');
  return o;
}

/** Orders to prepare: every measured download, the warm-up, and a margin (rate guess: 400 downloads/s). */
export function ordersNeeded(o: Pick<BenchOptions, 'orders' | 'downloads' | 'durationSeconds' | 'warmupSeconds' | 'concurrency'>, rateGuess = 400): number {
  if (o.orders) return o.orders;
  const warm = Math.ceil(o.warmupSeconds * rateGuess);
  const measured = o.downloads ?? Math.ceil(o.durationSeconds * rateGuess);
  return measured + warm + o.concurrency;
}
