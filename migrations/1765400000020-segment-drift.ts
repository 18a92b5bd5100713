import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segment edits made in Unleash are drift, like flag edits (ADR 0035).
 *
 * - `rollout_drift` records either a variant's flag (service, variant, flag)
 *   or a cohort's segment (`segment`, e.g. `cohort:pme-pilotes`), never both.
 * - `rollout_segment_applied`: what the reconciler last wrote to (or found
 *   matching in) Unleash for each cohort segment, as `rollout_plan.applied`
 *   is for flags. A segment that differs from the cohort and from what was
 *   last applied was edited in Unleash; one that still holds what was last
 *   applied only lags behind a change of membership made in the portal.
 *   No row (segments synced before this migration): not drift, the first
 *   run records what it applies.
 */
export class SegmentDrift1765400000020 implements MigrationInterface {
  name = 'SegmentDrift1765400000020';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE rollout_drift
        ALTER COLUMN service_slug DROP NOT NULL,
        ALTER COLUMN variant DROP NOT NULL,
        ALTER COLUMN flag DROP NOT NULL,
        ADD COLUMN segment text CHECK (length(segment) BETWEEN 1 AND 200),
        ADD CONSTRAINT rollout_drift_flag_or_segment CHECK (
          (segment IS NULL AND service_slug IS NOT NULL AND variant IS NOT NULL AND flag IS NOT NULL)
          OR (segment IS NOT NULL AND service_slug IS NULL AND variant IS NULL AND flag IS NULL))`);
    // The plan page lists the drift of its cohorts' segments.
    await q.query(
      `CREATE INDEX rollout_drift_segment_idx ON rollout_drift (segment, detected_at DESC)
         WHERE segment IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE rollout_segment_applied (
        segment     text PRIMARY KEY CHECK (length(segment) BETWEEN 1 AND 200),
        applied     jsonb NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rollout_segment_applied`);
    await q.query(`DELETE FROM rollout_drift WHERE segment IS NOT NULL`);
    await q.query(`DROP INDEX rollout_drift_segment_idx`);
    await q.query(`
      ALTER TABLE rollout_drift
        DROP CONSTRAINT rollout_drift_flag_or_segment,
        DROP COLUMN segment,
        ALTER COLUMN service_slug SET NOT NULL,
        ALTER COLUMN variant SET NOT NULL,
        ALTER COLUMN flag SET NOT NULL`);
  }
}
