/**
 * Declared configuration (GUIDE: "Configuration is declared and validated at start-up; a bad setting stops
 * the process with a clear message"). Every setting is an environment variable; README.md documents each.
 *
 * Pure: no NestJS here, so the CLI and tests can call `loadConfig(env)` directly.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** "true/false/1/0/yes/no/on/off" (case-insensitive) → boolean. */
const booleanString = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), {
    message: 'expected true or false',
  })
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A byte count: `1048576`, `512kb`, `1mb` (binary units). */
const byteSize = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^\d+\s*(b|kb|kib|k|mb|mib|m)?$/, 'expected a size in bytes, e.g. 1048576, 512kb or 1mb')
  .transform((v) => {
    const m = /^(\d+)\s*([a-z]*)$/.exec(v)!;
    const unit = m[2].startsWith('m') ? 1024 * 1024 : m[2].startsWith('k') ? 1024 : 1;
    return Number(m[1]) * unit;
  })
  .pipe(z.number().int().min(1024, 'must be at least 1kb').max(1024 * 1024 * 1024));

/** An RFC 1123 host name or IPv4 literal, optionally `:port` (SGP.22 §4.1: the SM-DP+ address is an FQDN). */
const HOST_PORT = /^(?=.{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;

/** Raw environment schema: names are the environment variable names, so zod error paths name them. */
export const envSchema = z.object({
  PORT: int(1, 65535).default('8443'),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  SMDP_ADDRESS: z
    .string()
    .trim()
    .regex(HOST_PORT, 'expected a host name (FQDN) with an optional :port, e.g. smdp.example.com')
    .optional(),
  TLS_MODE: z.enum(['on', 'off']).default('on'),
  CERTS_DIR: z.string().trim().min(1).default('./certs'),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/.+/, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  DATABASE_SCHEMA: z
    .string()
    .trim()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier')
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  BODY_LIMIT: byteSize.default('1mb'),
  SESSION_TTL_SECONDS: int(10, 86400).default('600'),
  ORDER_TTL_HOURS: int(1, 24 * 3650).default('720'),
  MAX_DOWNLOAD_ATTEMPTS: int(1, 1000).default('5'),
  MAX_CC_ATTEMPTS: int(1, 100).default('3'),
  PROFILE_ENCRYPTION_KEY: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits (a 32-byte AES-256 key)')
    .optional(),
  OUTBOX_POLL_INTERVAL_MS: int(50, 3_600_000).default('2000'),
  OUTBOX_MAX_ATTEMPTS: int(1, 1000).default('10'),
  OUTBOX_BACKOFF_BASE_MS: int(10, 3_600_000).default('1000'),
  OUTBOX_BACKOFF_MAX_MS: int(10, 86_400_000).default('300000'),
  OUTBOX_REQUEST_TIMEOUT_MS: int(100, 600_000).default('10000'),
  SEED_DEMO: booleanString.default('true'),
  REPLACE_SESSION_KEYS: booleanString.default('true'),
  SUBSCRIBE_NOTIFICATIONS: booleanString.default('true'),
  WORKERS: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(auto|\d+)$/, 'expected a whole number or auto')
    .default('1'),
});

export type Env = z.input<typeof envSchema>;

/** The validated, typed configuration. Inject it as `AppConfig` (see config.module.ts). */
export interface Config {
  port: number;
  host: string;
  /** The SM-DP+ address announced to eUICCs and in activation codes (SGP.22 §4.1), lower-case. */
  smdpAddress: string;
  tlsMode: 'on' | 'off';
  /** Absolute path of the certs/ folder (layout: certs/README.md). */
  certsDir: string;
  /** Absolute path of the data folder (embedded database, generated profile encryption key). */
  dataDir: string;
  /** Absolute path of the embedded PGlite database (DATA_DIR/pglite); unused when databaseUrl is set. */
  pgliteDir: string;
  databaseUrl?: string;
  databaseSchema?: string;
  logLevel: (typeof LOG_LEVELS)[number];
  bodyLimit: number;
  sessionTtlSeconds: number;
  orderTtlHours: number;
  maxDownloadAttempts: number;
  maxCcAttempts: number;
  /** From PROFILE_ENCRYPTION_KEY; when absent, keys/profile-encryption-key.ts reads or creates a key file. */
  profileEncryptionKeyHex?: string;
  outbox: {
    pollIntervalMs: number;
    maxAttempts: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    requestTimeoutMs: number;
  };
  seedDemo: boolean;
  /** ES8+: protect each profile once under a random PPK and bind with ReplaceSessionKeys (SGP.22 §2.5.3). */
  replaceSessionKeys: boolean;
  /** Ask eUICCs for enable/disable/delete notifications (StoreMetadata notificationConfigurationInfo). */
  subscribeNotifications: boolean;
  /** Server processes (node:cluster) sharing the port; 1 = no cluster. More than 1 needs PostgreSQL. */
  workers: number;
}

/** A bad setting. The message names every offending variable. */
export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Validates `env` (normally `process.env`) and returns the typed configuration; relative paths are resolved
 * against `cwd`. Empty strings count as "not set". Throws ConfigError naming each bad variable.
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
  cpuCount: number = availableParallelism(),
): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') input[key] = v;
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '(environment)'), message: i.message })),
    );
  }
  const e = parsed.data;
  if (e.OUTBOX_BACKOFF_MAX_MS < e.OUTBOX_BACKOFF_BASE_MS) {
    throw new ConfigError([
      { variable: 'OUTBOX_BACKOFF_MAX_MS', message: 'must be greater than or equal to OUTBOX_BACKOFF_BASE_MS' },
    ]);
  }
  const workers = e.WORKERS === 'auto' ? Math.max(1, cpuCount) : Number(e.WORKERS);
  if (workers < 1 || workers > 256) {
    throw new ConfigError([{ variable: 'WORKERS', message: 'must be between 1 and 256, or auto' }]);
  }
  if (workers > 1 && !e.DATABASE_URL) {
    throw new ConfigError([
      {
        variable: 'WORKERS',
        message:
          `${workers} worker processes need PostgreSQL (DATABASE_URL): the embedded PGlite database is single-process. ` +
          'Set DATABASE_URL, or WORKERS=1.',
      },
    ]);
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const dataDir = abs(e.DATA_DIR);
  const defaultAddress = e.PORT === 443 ? 'localhost' : `localhost:${e.PORT}`;
  return {
    port: e.PORT,
    host: e.HOST,
    smdpAddress: (e.SMDP_ADDRESS ?? defaultAddress).toLowerCase(),
    tlsMode: e.TLS_MODE,
    certsDir: abs(e.CERTS_DIR),
    dataDir,
    pgliteDir: resolve(dataDir, 'pglite'),
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    orderTtlHours: e.ORDER_TTL_HOURS,
    maxDownloadAttempts: e.MAX_DOWNLOAD_ATTEMPTS,
    maxCcAttempts: e.MAX_CC_ATTEMPTS,
    profileEncryptionKeyHex: e.PROFILE_ENCRYPTION_KEY?.toLowerCase(),
    outbox: {
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      backoffBaseMs: e.OUTBOX_BACKOFF_BASE_MS,
      backoffMaxMs: e.OUTBOX_BACKOFF_MAX_MS,
      requestTimeoutMs: e.OUTBOX_REQUEST_TIMEOUT_MS,
    },
    seedDemo: e.SEED_DEMO,
    replaceSessionKeys: e.REPLACE_SESSION_KEYS,
    subscribeNotifications: e.SUBSCRIBE_NOTIFICATIONS,
    workers,
  };
}

/** The SM-DP+ base URL announced to clients (`https://<smdpAddress>`). */
export function publicBaseUrl(config: Pick<Config, 'smdpAddress' | 'tlsMode'>): string {
  return `${config.tlsMode === 'on' ? 'https' : 'http'}://${config.smdpAddress}`;
}
