import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Emails are delivered by jobs on pg-boss (ADR 0026). An outbox message now
 * ends either sent or failed:
 *
 * - `failed_at`: set when its retries are spent (the job reached the
 *   dead-letter queue); admins list these and may retry them (/staff/emails).
 * - `status`: 'pending', 'sent' or 'failed', derived from `sent_at` and
 *   `failed_at` by PostgreSQL itself, so it cannot disagree with them.
 * - `job_id`: the pg-boss job delivering it. Messages left pending by the
 *   former worker have none: the outbox's maintenance job gives them one.
 * - `next_attempt_at` goes: pg-boss holds when the next attempt is due.
 *
 * Indexes: the failed emails page (newest failure first) and the sweep of
 * pending messages without a job.
 */
export class OutboxOnJobs1765000000000 implements MigrationInterface {
  name = 'OutboxOnJobs1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_message ADD COLUMN failed_at timestamptz`);
    await q.query(`ALTER TABLE outbox_message ADD COLUMN job_id uuid`);
    await q.query(`
      ALTER TABLE outbox_message ADD COLUMN status text GENERATED ALWAYS AS (
        CASE WHEN sent_at IS NOT NULL THEN 'sent'
             WHEN failed_at IS NOT NULL THEN 'failed'
             ELSE 'pending' END) STORED`);
    await q.query(`
      ALTER TABLE outbox_message ADD CONSTRAINT outbox_message_sent_or_failed
        CHECK (sent_at IS NULL OR failed_at IS NULL)`);
    await q.query(`DROP INDEX outbox_message_pending_idx`);
    await q.query(`ALTER TABLE outbox_message DROP COLUMN next_attempt_at`);
    await q.query(`
      CREATE INDEX outbox_message_failed_idx ON outbox_message (failed_at DESC, id DESC)
        WHERE failed_at IS NOT NULL`);
    await q.query(`
      CREATE INDEX outbox_message_unqueued_idx ON outbox_message (id)
        WHERE sent_at IS NULL AND failed_at IS NULL AND job_id IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_message_unqueued_idx`);
    await q.query(`DROP INDEX outbox_message_failed_idx`);
    await q.query(
      `ALTER TABLE outbox_message ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now()`,
    );
    await q.query(
      `CREATE INDEX outbox_message_pending_idx ON outbox_message (next_attempt_at) WHERE sent_at IS NULL`,
    );
    await q.query(`ALTER TABLE outbox_message DROP CONSTRAINT outbox_message_sent_or_failed`);
    await q.query(`ALTER TABLE outbox_message DROP COLUMN status`);
    await q.query(`ALTER TABLE outbox_message DROP COLUMN job_id`);
    // A failed message becomes pending again: the former worker retries it.
    await q.query(`ALTER TABLE outbox_message DROP COLUMN failed_at`);
  }
}
