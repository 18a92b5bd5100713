import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys expire (issue 11; ADR 0018). `api_key.expires_at` is set at
 * creation from `API_KEY_TTL_DAYS` (one year by default). Keys created before
 * this migration get a year from their creation (those older than a year stop
 * working: their owners create new ones). The key's authentication reads it on
 * the row it already finds by `token_hash` (unique), so no index is needed.
 */
export class ApiKeyExpiry1764050000000 implements MigrationInterface {
  name = 'ApiKeyExpiry1764050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key ADD COLUMN expires_at timestamptz`);
    await q.query(`UPDATE api_key SET expires_at = created_at + interval '365 days'`);
    await q.query(`ALTER TABLE api_key ALTER COLUMN expires_at SET NOT NULL`);
    await q.query(
      `ALTER TABLE api_key ADD CONSTRAINT api_key_expires_after_creation CHECK (expires_at > created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE api_key DROP COLUMN expires_at`);
  }
}
