import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RSP sessions (SGP.22 §5.6: one per transactionId), kept in the database so that any server process can
 * serve any ES9+ step. One-time secrets are never stored: the SM-DP+ one-time ECDH key lives only inside
 * the key-operation port for the duration of one call (SGP.22 §2.6.4); what is kept for a retried
 * GetBoundProfilePackage is the bound package itself and the eUICC one-time public key it was bound to.
 */
export class RspSessions1795860000000 implements MigrationInterface {
  name = 'RspSessions1795860000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE rsp_sessions (
        transaction_id    bytea PRIMARY KEY,
        step              text        NOT NULL,
        dp_set            text        NOT NULL,
        ci_pkid           bytea       NOT NULL,
        server_challenge  bytea       NOT NULL,
        euicc_challenge   bytea       NOT NULL,
        eid               text,
        euicc_public_key  bytea,
        order_id          text,
        operator_id       text,
        profile_id        text,
        cc_required       boolean     NOT NULL DEFAULT false,
        rebind            boolean     NOT NULL DEFAULT false,
        profile_metadata  bytea,
        smdp_signature2   bytea,
        euicc_otpk        bytea,
        bpp               bytea,
        created_at        timestamptz NOT NULL DEFAULT now(),
        expires_at        timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX rsp_sessions_expires_at ON rsp_sessions (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rsp_sessions`);
  }
}
