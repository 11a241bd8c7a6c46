import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The RSP session also remembers the ICCID and profile type of its order, so that the ES2+
 * HandleDownloadProgressInfo events of GetBoundProfilePackage and HandleNotification (SGP.22 §5.3.5) are
 * written without reading the order and profile again (issue 6: fewer statements per download).
 */
export class RspSessionSubject1795870000000 implements MigrationInterface {
  name = 'RspSessionSubject1795870000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rsp_sessions ADD COLUMN iccid text, ADD COLUMN profile_type text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rsp_sessions DROP COLUMN iccid, DROP COLUMN profile_type`);
  }
}
