import { ConfigError, loadConfig } from './config.schema';

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, '/srv/smdp');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({}, '/srv/smdp');
    expect(c).toEqual({
      port: 8443,
      host: '0.0.0.0',
      smdpAddress: 'localhost:8443',
      tlsMode: 'on',
      certsDir: '/srv/smdp/certs',
      dataDir: '/srv/smdp/data',
      pgliteDir: '/srv/smdp/data/pglite',
      databaseUrl: undefined,
      databaseSchema: undefined,
      logLevel: 'info',
      bodyLimit: 1048576,
      sessionTtlSeconds: 600,
      orderTtlHours: 720,
      maxDownloadAttempts: 5,
      maxCcAttempts: 3,
      profileEncryptionKeyHex: undefined,
      outbox: { pollIntervalMs: 2000, maxAttempts: 10, backoffBaseMs: 1000, backoffMaxMs: 300000, requestTimeoutMs: 10000 },
      seedDemo: true,
      replaceSessionKeys: true,
      subscribeNotifications: true,
      workers: 1,
    });
  });

  it('derives the default SM-DP+ address from PORT', () => {
    expect(loadConfig({ PORT: '9443' }).smdpAddress).toBe('localhost:9443');
    expect(loadConfig({ PORT: '443' }).smdpAddress).toBe('localhost');
  });

  it('parses every kind of value', () => {
    const c = loadConfig(
      {
        PORT: '443',
        SMDP_ADDRESS: 'SMDP.Example.com',
        TLS_MODE: 'off',
        CERTS_DIR: '/etc/smdp/certs',
        DATABASE_URL: 'postgres://u@db:5432/smdp',
        DATABASE_SCHEMA: 'smdp',
        BODY_LIMIT: '512kb',
        SEED_DEMO: 'no',
        PROFILE_ENCRYPTION_KEY: 'AA'.repeat(32),
        LOG_LEVEL: 'debug',
        MAX_CC_ATTEMPTS: '5',
      },
      '/srv',
    );
    expect(c.smdpAddress).toBe('smdp.example.com');
    expect(c.tlsMode).toBe('off');
    expect(c.certsDir).toBe('/etc/smdp/certs');
    expect(c.databaseUrl).toBe('postgres://u@db:5432/smdp');
    expect(c.databaseSchema).toBe('smdp');
    expect(c.bodyLimit).toBe(524288);
    expect(c.seedDemo).toBe(false);
    expect(c.profileEncryptionKeyHex).toBe('aa'.repeat(32));
    expect(c.logLevel).toBe('debug');
    expect(c.maxCcAttempts).toBe(5);
    expect(loadConfig({ BODY_LIMIT: '2mb' }).bodyLimit).toBe(2 * 1024 * 1024);
    expect(loadConfig({ SMDP_ADDRESS: 'rsp.example.org:8443' }).smdpAddress).toBe('rsp.example.org:8443');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: ' ' }).port).toBe(8443);
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['TLS_MODE', 'maybe'],
    ['SMDP_ADDRESS', 'https://smdp.example.com'],
    ['SMDP_ADDRESS', 'bad host'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_SCHEMA', 'Robert"; drop'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', 'huge'],
    ['SESSION_TTL_SECONDS', '-5'],
    ['PROFILE_ENCRYPTION_KEY', 'abcd'],
    ['SEED_DEMO', 'sure'],
    ['OUTBOX_MAX_ATTEMPTS', '0'],
    ['WORKERS', 'many'],
    ['WORKERS', '0'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    const err = failure({ [name]: value });
    expect(err.issues.map((i) => i.variable)).toEqual([name]);
    expect(err.message).toMatch(new RegExp(`^Invalid configuration:\\n  ${name}: `));
  });

  it('names every bad variable at once', () => {
    const err = failure({ PORT: 'x', TLS_MODE: 'y' });
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['PORT', 'TLS_MODE']);
  });

  it('checks cross-field rules', () => {
    const err = failure({ OUTBOX_BACKOFF_BASE_MS: '5000', OUTBOX_BACKOFF_MAX_MS: '1000' });
    expect(err.issues[0].variable).toBe('OUTBOX_BACKOFF_MAX_MS');
  });

  it('WORKERS: a number or auto (the CPU count), more than one only with PostgreSQL', () => {
    const pg = { DATABASE_URL: 'postgres://u@db:5432/smdp' };
    expect(loadConfig({ ...pg, WORKERS: '3' }, '/srv').workers).toBe(3);
    expect(loadConfig({ ...pg, WORKERS: 'AUTO' }, '/srv', 4).workers).toBe(4);
    expect(loadConfig({ WORKERS: 'auto' }, '/srv', 1).workers).toBe(1);
    expect(loadConfig({ WORKERS: '1' }, '/srv').workers).toBe(1);
    let err: ConfigError | undefined;
    try {
      loadConfig({ WORKERS: '2' }, '/srv');
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.issues).toEqual([
      {
        variable: 'WORKERS',
        message:
          '2 worker processes need PostgreSQL (DATABASE_URL): the embedded PGlite database is single-process. Set DATABASE_URL, or WORKERS=1.',
      },
    ]);
    expect(() => loadConfig({ WORKERS: 'auto' }, '/srv', 2)).toThrow(/WORKERS: 2 worker processes need PostgreSQL/);
  });
});
