import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rollout gates read each variant's feedback (items received, open
 * blocking or major problems, average satisfaction): indexes for those counts.
 */
export class FeedbackEvidence1763970000000 implements MigrationInterface {
  name = 'FeedbackEvidence1763970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX feedback_item_variant_idx ON feedback_item (service_slug, variant, status, severity)`,
    );
    await q.query(
      `CREATE INDEX satisfaction_response_variant_idx ON satisfaction_response (service_slug, variant)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX satisfaction_response_variant_idx`);
    await q.query(`DROP INDEX feedback_item_variant_idx`);
  }
}
