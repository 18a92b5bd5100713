import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Applications received outside the portal (issue 16, digital take-up): how
 * many a service took by phone or at the counter, day by day, for residents
 * or for businesses, as clerks record them. Counts only, never who applied.
 * One row a service, audience, channel and day: a correction replaces it.
 */
export class OfflineApplications1765400000110 implements MigrationInterface {
  name = 'OfflineApplications1765400000110';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE offline_application_count (
        service_slug  text NOT NULL CHECK (length(service_slug) BETWEEN 1 AND 80),
        audience      text NOT NULL CHECK (audience IN ('business', 'citizen')),
        channel       text NOT NULL CHECK (channel IN ('phone', 'counter')),
        day           date NOT NULL,
        applications  integer NOT NULL CHECK (applications BETWEEN 0 AND 100000),
        recorded_by   uuid REFERENCES account (id) ON DELETE SET NULL,
        recorded_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service_slug, audience, channel, day)
      )`);
    // The latest recorded first, on the clerks' page.
    await q.query(
      `CREATE INDEX offline_application_count_recorded_idx ON offline_application_count (recorded_at DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE offline_application_count`);
  }
}
