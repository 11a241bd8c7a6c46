import { createPGliteDriver } from './pglite-driver';

type Client = { query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number; command?: string }> };
type Pool = {
  connect(cb: (err: Error | null, client?: Client, release?: () => void) => void): void;
  end(): Promise<void>;
};

function connect(pool: Pool): Promise<[Client, () => void]> {
  return new Promise((resolve, reject) => pool.connect((err, client, release) => (err ? reject(err) : resolve([client!, release!]))));
}

describe('PGlite driver (embedded database behind the pg interface)', () => {
  const driver = createPGliteDriver({ acquireTimeoutMs: 200 });
  const pool = new driver.Pool() as unknown as Pool;
  afterAll(() => pool.end());

  it('hands the single session to one client at a time, and times out a waiter with a clear error', async () => {
    const [client, release] = await connect(pool);
    await expect(connect(pool)).rejects.toThrow('embedded database busy for 200 ms');
    const waiting = connect(pool);
    release();
    const [second, release2] = await waiting;
    expect((await second.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    release2();
    release2(); // releasing twice is harmless
    expect(client).toBeDefined();
  });

  it('runs several statements in one parameterless call (migrations) and answers like pg', async () => {
    const [c, release] = await connect(pool);
    try {
      const r = await c.query(`CREATE TABLE t_multi (id int); INSERT INTO t_multi VALUES (1), (2); SELECT count(*)::int AS n FROM t_multi`);
      expect(r.rows).toEqual([{ n: 2 }]);
      const del = await c.query(`DELETE FROM t_multi WHERE id > $1`, [0]);
      expect({ command: del.command, rowCount: del.rowCount, rows: del.rows }).toEqual({ command: 'DELETE', rowCount: 2, rows: [] });
    } finally {
      release();
    }
  });
});
