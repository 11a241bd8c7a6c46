import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first migration: only a `schema_info` key/value table (who created this database, and when).
 * Domain tables belong to their modules: each adds its own timestamped migration in this folder
 * (`<Date.now()>-<Name>.ts`, class `<Name><Date.now()>`, hand-written SQL valid on PostgreSQL and PGlite).
 */
export class SchemaInfo1700000000000 implements MigrationInterface {
  name = 'SchemaInfo1700000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schema_info (
        key        text PRIMARY KEY,
        value      text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO schema_info (key, value) VALUES ('application', 'open-smdpp')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE schema_info`);
  }
}
