import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The service designer (issue 14's service studio): a staff role that writes
 * and revises services, and nothing else. The role list is a CHECK constraint,
 * widened here. Going back, designers stop being staff (their accounts stay;
 * the audit log keeps who they were).
 */
export class ServiceDesignerRole1765100000000 implements MigrationInterface {
  name = 'ServiceDesignerRole1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE staff_member DROP CONSTRAINT staff_member_role_check`);
    await q.query(`
      ALTER TABLE staff_member ADD CONSTRAINT staff_member_role_check
        CHECK (role IN ('admin', 'rollout-manager', 'clerk', 'analyst', 'service-designer'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM staff_member WHERE role = 'service-designer'`);
    await q.query(`ALTER TABLE staff_member DROP CONSTRAINT staff_member_role_check`);
    await q.query(`
      ALTER TABLE staff_member ADD CONSTRAINT staff_member_role_check
        CHECK (role IN ('admin', 'rollout-manager', 'clerk', 'analyst'))`);
  }
}
