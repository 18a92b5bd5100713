import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person changes their email address (issue 18, ADR 0048): the link that
 * confirms the new address is an `account_token` of purpose 'change-email'
 * (random, single-use, expiring, only its SHA-256 stored) that carries the
 * address it confirms. Only a 'change-email' token has one.
 */
export class EmailChange1765400000200 implements MigrationInterface {
  name = 'EmailChange1765400000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_token ADD COLUMN new_email text`);
    await q.query(`ALTER TABLE account_token DROP CONSTRAINT account_token_purpose_check`);
    await q.query(`
      ALTER TABLE account_token ADD CONSTRAINT account_token_purpose_check
        CHECK (purpose IN ('confirm-email', 'reset-password', 'change-email'))`);
    await q.query(`
      ALTER TABLE account_token ADD CONSTRAINT account_token_new_email_check
        CHECK ((purpose = 'change-email') = (new_email IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM account_token WHERE purpose = 'change-email'`);
    await q.query(`ALTER TABLE account_token DROP CONSTRAINT account_token_new_email_check`);
    await q.query(`ALTER TABLE account_token DROP CONSTRAINT account_token_purpose_check`);
    await q.query(`
      ALTER TABLE account_token ADD CONSTRAINT account_token_purpose_check
        CHECK (purpose IN ('confirm-email', 'reset-password'))`);
    await q.query(`ALTER TABLE account_token DROP COLUMN new_email`);
  }
}
