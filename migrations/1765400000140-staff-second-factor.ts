import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The second factor of staff who sign in with a Guichet password (issue 18,
 * ADR 0046): a TOTP secret (RFC 6238), sealed with a key derived from the
 * session secret and bound to the account (never stored in clear), the last
 * time step used (a code works once), the wrong codes in a row (a lock), and
 * single-use recovery codes, stored as SHA-256 hashes.
 */
export class StaffSecondFactor1765400000140 implements MigrationInterface {
  name = 'StaffSecondFactor1765400000140';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_second_factor (
        account_id    uuid PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
        secret_sealed text NOT NULL CHECK (length(secret_sealed) BETWEEN 1 AND 500),
        enrolled_at   timestamptz NOT NULL DEFAULT now(),
        last_step     bigint NOT NULL DEFAULT 0,
        -- Wrong codes in a row: at 20 the second factor is locked until an admin resets it.
        failures      integer NOT NULL DEFAULT 0 CHECK (failures >= 0)
      )`);
    await q.query(`
      CREATE TABLE staff_recovery_code (
        account_id  uuid NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        code_hash   text NOT NULL CHECK (length(code_hash) = 64),
        used_at     timestamptz,
        PRIMARY KEY (account_id, code_hash)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE staff_recovery_code`);
    await q.query(`DROP TABLE staff_second_factor`);
  }
}
