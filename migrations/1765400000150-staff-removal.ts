import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who an admin removed from staff (issue 18, ADR 0045): kept until an admin
 * adds them again, so that the city's directory cannot bring back someone it
 * still lists in a group, even if they never signed in with it before.
 */
export class StaffRemoval1765400000150 implements MigrationInterface {
  name = 'StaffRemoval1765400000150';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_removal (
        account_id  uuid PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
        removed_at  timestamptz NOT NULL DEFAULT now(),
        removed_by  uuid REFERENCES account (id) ON DELETE SET NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE staff_removal`);
  }
}
