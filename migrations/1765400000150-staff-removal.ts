import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who an admin removed from staff (issue 18, ADR 0045), kept until an admin
 * adds them again, so that the city's directory cannot bring back someone it
 * still lists in a group: not if they never signed in with it, change their
 * address in Guichet, or close their account (the retention job keeps these
 * rows, without the account). They hold digests (SHA-256) of the address at
 * removal and of the directory identities linked then, not the values.
 */
export class StaffRemoval1765400000150 implements MigrationInterface {
  name = 'StaffRemoval1765400000150';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff_removal (
        id                bigserial PRIMARY KEY,
        account_id        uuid REFERENCES account (id) ON DELETE SET NULL,
        email_digest      text NOT NULL CHECK (email_digest ~ '^[0-9a-f]{64}$'),
        identity_digests  text[] NOT NULL DEFAULT '{}',
        removed_at        timestamptz NOT NULL DEFAULT now(),
        removed_by        uuid REFERENCES account (id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE INDEX staff_removal_account_idx ON staff_removal (account_id)`);
    await q.query(`CREATE INDEX staff_removal_email_idx ON staff_removal (email_digest)`);
    await q.query(
      `CREATE INDEX staff_removal_identities_idx ON staff_removal USING gin (identity_digests)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE staff_removal`);
  }
}
