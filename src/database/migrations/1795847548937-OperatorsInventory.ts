import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operators (ES2+ tenants), profile inventory, download orders, the per-profile audit trail and the
 * HandleDownloadProgressInfo outbox (SGP.22 §5.3, digest §3).
 *
 * Plain SQL, PostgreSQL dialect that also runs on PGlite. Sized for ~10^7 profiles: every lookup the
 * services make is served by an index (allocation by a partial index on Available profiles only).
 */
export class OperatorsInventory1795847548937 implements MigrationInterface {
  name = 'OperatorsInventory1795847548937';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE operators (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL UNIQUE,
        api_key_hash  bytea UNIQUE,
        callback_url  text,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    // One row per client certificate an operator may present on mutually authenticated TLS (SGP.22 §2.6.6).
    await q.query(`
      CREATE TABLE operator_client_certs (
        fingerprint   text PRIMARY KEY,              -- SHA-256 of the certificate DER, lower-case hex
        operator_id   uuid NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
        subject       text,
        not_after     timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX operator_client_certs_operator_idx ON operator_client_certs (operator_id)`);

    // Per profile type: what the eUICC is shown (StoreMetadataRequest, SGP.22 §4.1 / §5.4.x).
    await q.query(`
      CREATE TABLE profile_types (
        operator_id            uuid NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
        name                   text NOT NULL,
        service_provider_name  text NOT NULL DEFAULT '',
        profile_name           text NOT NULL DEFAULT '',
        icon_type              smallint,             -- IconType: jpg(0), png(1)
        icon                   bytea,
        profile_class          text NOT NULL DEFAULT 'operational'
                               CHECK (profile_class IN ('test', 'provisioning', 'operational')),
        ppr_ids                smallint NOT NULL DEFAULT 0,  -- PprIds bits: pprUpdateControl(0), ppr1(1), ppr2(2)
        notification_config    jsonb,                -- [{event: 'install'|'enable'|'disable'|'delete', address}]
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (operator_id, name)
      )`);
    await q.query(`CREATE INDEX profile_types_name_idx ON profile_types (name)`);

    await q.query(`
      CREATE TABLE profiles (
        id                  bigserial PRIMARY KEY,
        operator_id         uuid NOT NULL REFERENCES operators(id),
        iccid               text NOT NULL UNIQUE,    -- 19-20 digits, no F padding
        profile_type        text NOT NULL,
        state               text NOT NULL DEFAULT 'Available'
                            CHECK (state IN ('Available', 'Allocated', 'Linked', 'Confirmed', 'Released',
                                             'Downloaded', 'Installed', 'Error', 'Unavailable')),
        major_version       smallint,
        minor_version       smallint,
        package_ciphertext  bytea NOT NULL,          -- AES-256-GCM (ProfileVault)
        package_iv          bytea NOT NULL,
        package_tag         bytea NOT NULL,
        package_sha256      bytea NOT NULL,          -- of the plaintext package
        package_size        integer NOT NULL,
        ppk_protected       bytea,                   -- reserved: protected profile package (download flow)
        ppk_keys_ciphertext bytea,                   -- reserved: its keys, encrypted
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    // Allocation (DownloadOrder by profileType): only Available rows are in this index.
    await q.query(
      `CREATE INDEX profiles_available_idx ON profiles (operator_id, profile_type, id) WHERE state = 'Available'`,
    );
    await q.query(`CREATE INDEX profiles_state_type_idx ON profiles (state, profile_type)`);

    await q.query(`
      CREATE TABLE orders (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        operator_id         uuid NOT NULL REFERENCES operators(id),
        profile_id          bigint NOT NULL REFERENCES profiles(id),
        iccid               text NOT NULL,
        eid                 text,
        matching_id         text,                    -- NULL: default SM-DP+ use case (zero-length MatchingID)
        cc_hash             bytea,                   -- SHA-256(confirmation code), SGP.22 §6.2 digest
        smds_address        text,
        state               text NOT NULL,
        active              boolean NOT NULL DEFAULT true,
        expires_at          timestamptz,
        download_attempts   integer NOT NULL DEFAULT 0,
        cc_attempts         integer NOT NULL DEFAULT 0,
        confirmed_at        timestamptz,
        released_at         timestamptz,
        downloaded_at       timestamptz,
        installed_at        timestamptz,
        closed_at           timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX orders_matching_id_uq ON orders (matching_id) WHERE matching_id IS NOT NULL`,
    );
    // Belt and braces for "no profile is ever given to two orders".
    await q.query(`CREATE UNIQUE INDEX orders_active_profile_uq ON orders (profile_id) WHERE active`);
    await q.query(`CREATE INDEX orders_eid_state_idx ON orders (eid, state) WHERE active AND eid IS NOT NULL`);
    await q.query(`CREATE INDEX orders_profile_idx ON orders (profile_id)`);

    await q.query(`
      CREATE TABLE profile_events (
        id          bigserial PRIMARY KEY,
        profile_id  bigint NOT NULL REFERENCES profiles(id),
        order_id    uuid,
        from_state  text,
        to_state    text NOT NULL,
        actor       text NOT NULL,
        at          timestamptz NOT NULL DEFAULT clock_timestamp(),
        detail      jsonb
      )`);
    await q.query(`CREATE INDEX profile_events_profile_idx ON profile_events (profile_id, id)`);

    // HandleDownloadProgressInfo outbox (SGP.22 §5.3.5): delivered strictly in id order per ordering_key (ICCID).
    await q.query(`
      CREATE TABLE outbox (
        id               bigserial PRIMARY KEY,
        operator_id      uuid NOT NULL REFERENCES operators(id),
        ordering_key     text NOT NULL,
        payload          jsonb NOT NULL,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        locked_until     timestamptz,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        delivered_at     timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at, id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX outbox_key_pending_idx ON outbox (ordering_key, id) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['outbox', 'profile_events', 'orders', 'profiles', 'profile_types', 'operator_client_certs', 'operators']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
