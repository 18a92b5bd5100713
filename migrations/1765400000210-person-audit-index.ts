import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person's download of their data (issue 18, ADR 0048) reads the audit
 * events they did: by actor, which no index served (the entity index serves
 * the events about their account).
 */
export class PersonAuditIndex1765400000210 implements MigrationInterface {
  name = 'PersonAuditIndex1765400000210';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX audit_event_person_actor_idx ON audit_event (actor_id, occurred_at)
         WHERE actor_type = 'person'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX audit_event_person_actor_idx`);
  }
}
