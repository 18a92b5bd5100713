import { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit trail every later change writes to, and the record of which seeds ran. */
export class Foundation1763856000000 implements MigrationInterface {
  name = 'Foundation1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_event (
        id           bigserial PRIMARY KEY,
        occurred_at  timestamptz NOT NULL DEFAULT now(),
        actor_type   text NOT NULL CHECK (actor_type IN ('person', 'staff', 'system', 'api-key')),
        actor_id     text,
        acting_as    jsonb,
        action       text NOT NULL,
        entity_type  text NOT NULL,
        entity_id    text,
        before       jsonb,
        after        jsonb,
        ip           inet,
        request_id   text
      )`);
    await q.query(`CREATE INDEX audit_event_occurred_at_idx ON audit_event (occurred_at DESC)`);
    await q.query(
      `CREATE INDEX audit_event_entity_idx ON audit_event (entity_type, entity_id, occurred_at DESC)`,
    );
    await q.query(
      `CREATE INDEX audit_event_actor_idx ON audit_event (actor_type, actor_id, occurred_at DESC)`,
    );
    // Append-only: the table refuses updates and deletes, whoever asks.
    await q.query(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
      FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);

    await q.query(`
      CREATE TABLE seed_run (
        name    text PRIMARY KEY,
        ran_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE seed_run`);
    await q.query(`DROP TRIGGER audit_event_append_only ON audit_event`);
    await q.query(`DROP FUNCTION audit_event_append_only()`);
    await q.query(`DROP TABLE audit_event`);
  }
}
