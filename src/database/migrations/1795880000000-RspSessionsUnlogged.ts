import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 6 (write-ahead log per download ≈ 38 KB, of which the bound package kept in the session ≈ 17 KB):
 *
 * - `rsp_sessions` is UNLOGGED: an RSP session lives for minutes and losing every session in a database crash
 *   (PostgreSQL empties unlogged tables on crash recovery; standbys do not receive them) only makes the LPAs
 *   start their downloads again: a package lost with its session is bound again for the same eUICC in a new
 *   session, and the orders and profiles the sessions point to stay logged. No WAL for session writes.
 * - The encrypted columns are stored EXTERNAL: AES ciphertext does not compress, so PostgreSQL's attempt to
 *   compress every value over 2 KB before moving it out of line is wasted work.
 */
export class RspSessionsUnlogged1795880000000 implements MigrationInterface {
  name = 'RspSessionsUnlogged1795880000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rsp_sessions SET UNLOGGED`);
    await q.query(`ALTER TABLE rsp_sessions ALTER COLUMN bpp SET STORAGE EXTERNAL`);
    await q.query(
      `ALTER TABLE profiles ALTER COLUMN package_ciphertext SET STORAGE EXTERNAL,
                            ALTER COLUMN ppk_protected SET STORAGE EXTERNAL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE profiles ALTER COLUMN package_ciphertext SET STORAGE EXTENDED,
                            ALTER COLUMN ppk_protected SET STORAGE EXTENDED`,
    );
    await q.query(`ALTER TABLE rsp_sessions ALTER COLUMN bpp SET STORAGE EXTENDED`);
    await q.query(`ALTER TABLE rsp_sessions SET LOGGED`);
  }
}
