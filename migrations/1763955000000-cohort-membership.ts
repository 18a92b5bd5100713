import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the cohort pages need beyond the rollout tables:
 * - who ended a membership and why (a rollout manager removing a member must
 *   give a reason; a member withdrawing may), shown on the cohort page;
 * - the note a rollout manager may add when declining a volunteer (it goes in
 *   the email to the volunteer);
 * - at most one pending invitation per address and cohort (a second invitation
 *   renews the first), which is also the index that finds it;
 * - the indexes of the cohort page (members in the order they were added, with
 *   keyset paging; counts by status) and of the volunteers page (pending, oldest
 *   first).
 */
export class CohortMembership1763955000000 implements MigrationInterface {
  name = 'CohortMembership1763955000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE cohort_member
        ADD COLUMN withdrawn_by uuid REFERENCES account (id) ON DELETE SET NULL,
        ADD COLUMN withdrawal_reason text CHECK (length(withdrawal_reason) <= 2000)`);
    await q.query(`
      ALTER TABLE pilot_volunteer
        ADD COLUMN decision_note text CHECK (length(decision_note) <= 2000)`);
    await q.query(
      `CREATE INDEX cohort_member_cohort_idx ON cohort_member (cohort_id, created_at, id)`,
    );
    await q.query(
      `CREATE UNIQUE INDEX cohort_member_pending_email_idx ON cohort_member (cohort_id, lower(invited_email))
         WHERE status = 'invited' AND organization_id IS NULL AND account_id IS NULL`,
    );
    await q.query(
      `CREATE INDEX pilot_volunteer_pending_idx ON pilot_volunteer (created_at, id) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX pilot_volunteer_pending_idx`);
    await q.query(`DROP INDEX cohort_member_pending_email_idx`);
    await q.query(`DROP INDEX cohort_member_cohort_idx`);
    await q.query(`ALTER TABLE pilot_volunteer DROP COLUMN decision_note`);
    await q.query(
      `ALTER TABLE cohort_member DROP COLUMN withdrawal_reason, DROP COLUMN withdrawn_by`,
    );
  }
}
