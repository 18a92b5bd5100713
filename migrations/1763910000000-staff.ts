import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The city's staff: an account with one role. Deleting the account removes the
 * role; the admin who granted it may disappear without losing the record.
 * Also the index the staff audit page's "action" filter needs (the other filters
 * use the indexes of the foundation migration).
 */
export class Staff1763910000000 implements MigrationInterface {
  name = 'Staff1763910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_member (
        account_id  uuid PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
        role        text NOT NULL CHECK (role IN ('admin', 'rollout-manager', 'clerk', 'analyst')),
        created_at  timestamptz NOT NULL DEFAULT now(),
        created_by  uuid REFERENCES account (id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX staff_member_created_by_idx ON staff_member (created_by)`);
    await q.query(
      `CREATE INDEX audit_event_action_idx ON audit_event (action, occurred_at DESC, id DESC)`,
    );
    // The audit page filters by actor id or entity id alone (PostgreSQL 17 has no skip scan).
    await q.query(
      `CREATE INDEX audit_event_actor_id_idx ON audit_event (actor_id, occurred_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX audit_event_entity_id_idx ON audit_event (entity_id, occurred_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_event_entity_id_idx`);
    await q.query(`DROP INDEX audit_event_actor_id_idx`);
    await q.query(`DROP INDEX audit_event_action_idx`);
    await q.query(`DROP TABLE staff_member`);
  }
}
