import { ArgsError, ordersNeeded, parseArgs } from '../lib/args';

describe('parseArgs', () => {
  it('defaults: 64 sessions, 60 s, NIST, PostgreSQL from DATABASE_URL, TLS on', () => {
    const o = parseArgs([], { DATABASE_URL: 'postgres://u@db:5432/x' });
    expect(o).toMatchObject({ concurrency: 64, durationSeconds: 60, warmupSeconds: 3, curve: 'nist', embedded: false, databaseUrl: 'postgres://u@db:5432/x', tls: true, json: false, server: 'ts', fillProfiles: 0 });
    expect(parseArgs([], {})).toMatchObject({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres' });
  });

  it('reads every option, in both --name value and --name=value forms', () => {
    const o = parseArgs(
      ['--concurrency', '16', '--duration=20s', '--downloads', '5000', '--curve', 'brp', '--embedded', '--profiles=10000000', '--tls', 'off', '--json', '--cpu-prof', '--client-cpu-prof', '--server', 'dist', '--server-env', 'REPLACE_SESSION_KEYS=false', '--warmup', '1m'],
      {},
    );
    expect(o).toMatchObject({ concurrency: 16, durationSeconds: 20, downloads: 5000, curve: 'brp', embedded: true, fillProfiles: 10_000_000, tls: false, json: true, cpuProf: true, clientCpuProf: true, server: 'dist', warmupSeconds: 60, serverEnv: { REPLACE_SESSION_KEYS: 'false' } });
  });

  it('target mode needs activation codes and the certs folder', () => {
    expect(() => parseArgs(['--target', 'https://smdp.example.com:8443'], {})).toThrow(ArgsError);
    expect(parseArgs(['--target', 'https://smdp.example.com:8443/', '--activation-codes', 'ac.txt', '--certs', 'certs', '--server-pid', '42'], {})).toMatchObject({
      target: 'https://smdp.example.com:8443',
      activationCodes: 'ac.txt',
      certsDir: 'certs',
      serverPid: 42,
    });
  });

  it('refuses bad values with a message naming the option', () => {
    expect(() => parseArgs(['--concurrency', '0'], {})).toThrow('--concurrency expects a whole number ≥ 1, got 0');
    expect(() => parseArgs(['--curve', 'p384'], {})).toThrow('--curve expects nist or brp, got p384');
    expect(() => parseArgs(['--duration', 'soon'], {})).toThrow('--duration expects seconds');
    expect(() => parseArgs(['--target', 'smdp.example.com'], {})).toThrow('--target expects http(s)://host[:port]');
    expect(() => parseArgs(['--frobnicate'], {})).toThrow('unknown option --frobnicate');
    expect(() => parseArgs(['--server-pid', '5'], {})).toThrow('--activation-codes and --server-pid go with --target');
  });

  it('--help', () => {
    expect(parseArgs(['--help'], {})).toBe('help');
  });
});

describe('ordersNeeded', () => {
  it('covers warm-up, the measured phase at the guessed rate and one per session; --orders wins', () => {
    expect(ordersNeeded({ durationSeconds: 60, warmupSeconds: 3, concurrency: 64 })).toBe(24000 + 1200 + 64);
    expect(ordersNeeded({ durationSeconds: 60, downloads: 1000, warmupSeconds: 1, concurrency: 8 }, 100)).toBe(1000 + 100 + 8);
    expect(ordersNeeded({ durationSeconds: 60, warmupSeconds: 3, concurrency: 64, orders: 7 })).toBe(7);
  });
});
