import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox keeps no working link once an email is sent (issue 11, finding 7;
 * ADR 0019).
 *
 * - `outbox_message.secret_values`: the values that open something (every
 *   `link`: confirming an address, resetting a password, joining an SME or a
 *   pilot carry a token), kept apart from `payload` and set to NULL by the
 *   worker in the same statement that marks the message sent. The CHECK makes
 *   "sent, yet still holding a secret" impossible.
 * - Messages already in the table: a waiting message's link moves to
 *   `secret_values`; a sent message's link is erased now (it was delivered;
 *   nothing reads it again). `down` puts waiting messages' links back in
 *   `payload`; erased links cannot come back.
 * - `outbox_message_sent_at_idx`: the purge of sent messages older than
 *   OUTBOX_RETENTION_DAYS walks sent messages oldest first.
 */
export class OutboxSecrets1764030000000 implements MigrationInterface {
  name = 'OutboxSecrets1764030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_message ADD COLUMN secret_values jsonb`);
    await q.query(`
      UPDATE outbox_message
         SET secret_values = jsonb_build_object('link', outbox_message.payload -> 'link'),
             payload = outbox_message.payload - 'link'
       WHERE outbox_message.sent_at IS NULL AND outbox_message.payload ? 'link'`);
    await q.query(`
      UPDATE outbox_message SET payload = outbox_message.payload - 'link'
       WHERE outbox_message.sent_at IS NOT NULL AND outbox_message.payload ? 'link'`);
    await q.query(`
      ALTER TABLE outbox_message ADD CONSTRAINT outbox_message_sent_keeps_no_secret
        CHECK (sent_at IS NULL OR secret_values IS NULL)`);
    await q.query(
      `CREATE INDEX outbox_message_sent_at_idx ON outbox_message (sent_at) WHERE sent_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbox_message_sent_at_idx`);
    await q.query(`ALTER TABLE outbox_message DROP CONSTRAINT outbox_message_sent_keeps_no_secret`);
    await q.query(`
      UPDATE outbox_message SET payload = outbox_message.payload || outbox_message.secret_values
       WHERE outbox_message.secret_values IS NOT NULL`);
    await q.query(`ALTER TABLE outbox_message DROP COLUMN secret_values`);
  }
}
