import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in throttling instead of account locks (docs/adr/0015): failures
 * counted per email address typed (whether or not it has an account), per
 * client address and per known browser, each with the time it must wait until.
 * The lock columns on account go: no account is ever locked any more.
 */
export class SignInThrottle1764020000000 implements MigrationInterface {
  name = 'SignInThrottle1764020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sign_in_throttle (
        key              text PRIMARY KEY,
        failures         integer NOT NULL CHECK (failures >= 0),
        last_failure_at  timestamptz NOT NULL,
        blocked_until    timestamptz
      )`);
    // The sweep of forgotten failures.
    await q.query(
      `CREATE INDEX sign_in_throttle_last_failure_idx ON sign_in_throttle (last_failure_at)`,
    );
    await q.query(`ALTER TABLE account DROP COLUMN failed_sign_ins, DROP COLUMN locked_until`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE account ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0,
                          ADD COLUMN locked_until timestamptz`);
    await q.query(`DROP TABLE sign_in_throttle`);
  }
}
