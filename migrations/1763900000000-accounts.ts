import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People's accounts, their single-use email tokens, HTTP sessions (the schema
 * connect-pg-simple expects), the email outbox, and rate-limit counters shared
 * by every portal instance.
 */
export class Accounts1763900000000 implements MigrationInterface {
  name = 'Accounts1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email               text NOT NULL,
        display_name        text NOT NULL,
        password_hash       text NOT NULL,
        preferred_locale    text NOT NULL CHECK (preferred_locale IN ('fr', 'en')),
        email_confirmed_at  timestamptz,
        failed_sign_ins     integer NOT NULL DEFAULT 0,
        locked_until        timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        closed_at           timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX account_email_key ON account (lower(email))`);

    await q.query(`
      CREATE TABLE account_token (
        token_hash  text PRIMARY KEY,
        account_id  uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        purpose     text NOT NULL CHECK (purpose IN ('confirm-email', 'reset-password')),
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX account_token_account_idx ON account_token (account_id, purpose)`);

    await q.query(`
      CREATE TABLE http_session (
        sid     varchar NOT NULL PRIMARY KEY,
        sess    json NOT NULL,
        expire  timestamp(6) NOT NULL
      )`);
    await q.query(`CREATE INDEX http_session_expire_idx ON http_session (expire)`);

    await q.query(`
      CREATE TABLE outbox_message (
        id               bigserial PRIMARY KEY,
        kind             text NOT NULL,
        recipient        text NOT NULL,
        locale           text NOT NULL CHECK (locale IN ('fr', 'en')),
        payload          jsonb NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz NOT NULL DEFAULT now(),
        sent_at          timestamptz,
        last_error       text
      )`);
    await q.query(
      `CREATE INDEX outbox_message_pending_idx ON outbox_message (next_attempt_at) WHERE sent_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE rate_limit_hit (
        key             text PRIMARY KEY,
        hits            integer NOT NULL,
        window_ends_at  timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit_hit`);
    await q.query(`DROP TABLE outbox_message`);
    await q.query(`DROP TABLE http_session`);
    await q.query(`DROP TABLE account_token`);
    await q.query(`DROP TABLE account`);
  }
}
