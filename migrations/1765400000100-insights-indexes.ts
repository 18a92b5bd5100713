import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the insights (issue 16, `npm run bench:insights`): each figure
 * of a variant's page over a period read from an index alone (an index-only
 * scan), not from the applications' rows, which are large (their answers)
 * and spread over the table by time. With a million applications and ten
 * million journey events, a 90-day page read 1.7 s of rows; through these,
 * about 0.15 s.
 *
 * - submitted applications by variant and time, with who filed, the channel
 *   and when the draft began: take-up by week, channels, time to complete;
 *   and the SME-first comparison's filers;
 * - applications started on the pages by variant and time, with when they
 *   were submitted: the completion rate;
 * - decided applications by variant and time of decision, with when they were
 *   submitted: processing times (the insights and /performance's job);
 * - journey events by variant, kind and time, with the step: the funnel and
 *   the refusals (replacing the index by variant and time, which read every
 *   kind).
 *
 * Plain CREATE INDEX (migrations run in a transaction): each blocks writes to
 * its table while it builds, about 10 s per million applications and 15 s per
 * ten million journey events on a 2-core machine.
 */
export class InsightsIndexes1765400000100 implements MigrationInterface {
  name = 'InsightsIndexes1765400000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX application_insights_submitted_idx
        ON application (service_slug, variant, submitted_at)
        INCLUDE (organization_id, account_id, channel, created_at)
        WHERE status <> 'draft'`);
    await q.query(`
      CREATE INDEX application_insights_started_idx
        ON application (service_slug, variant, created_at) INCLUDE (submitted_at)
        WHERE channel = 'web'`);
    await q.query(`
      CREATE INDEX application_insights_decided_idx
        ON application (service_slug, variant, decided_at) INCLUDE (submitted_at)
        WHERE status IN ('approved', 'rejected')`);
    await q.query(`
      CREATE INDEX journey_event_kind_idx
        ON journey_event (service_slug, variant, kind, occurred_at) INCLUDE (step)`);
    await q.query(`DROP INDEX journey_event_period_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX journey_event_period_idx ON journey_event (service_slug, variant, occurred_at)`,
    );
    await q.query(`DROP INDEX journey_event_kind_idx`);
    await q.query(`DROP INDEX application_insights_decided_idx`);
    await q.query(`DROP INDEX application_insights_started_idx`);
    await q.query(`DROP INDEX application_insights_submitted_idx`);
  }
}
