import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A staff member may hold more than one role (issue 18): `staff_member` keeps
 * a row per account and role, its key widened from the account to both. Each
 * row records when the role was granted and by whom. The identity-change
 * trigger (migration 1765400000040) keys on `account_id` and is unchanged.
 * Going back keeps one role a person, the most capable they hold.
 */
export class StaffRoles1765400000120 implements MigrationInterface {
  name = 'StaffRoles1765400000120';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_member DROP CONSTRAINT staff_member_pkey`);
    await q.query(`ALTER TABLE staff_member ADD PRIMARY KEY (account_id, role)`);
    // "Who holds this role" (the last admin, the emails to rollout managers).
    await q.query(`CREATE INDEX staff_member_role_idx ON staff_member (role)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX staff_member_role_idx`);
    await q.query(`
      DELETE FROM staff_member s USING staff_member better
      WHERE better.account_id = s.account_id
        AND array_position(ARRAY['admin', 'rollout-manager', 'clerk', 'analyst', 'service-designer'], better.role)
          < array_position(ARRAY['admin', 'rollout-manager', 'clerk', 'analyst', 'service-designer'], s.role)`);
    await q.query(`ALTER TABLE staff_member DROP CONSTRAINT staff_member_pkey`);
    await q.query(`ALTER TABLE staff_member ADD PRIMARY KEY (account_id)`);
  }
}
