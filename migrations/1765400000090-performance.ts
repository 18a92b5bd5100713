import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public performance page (issue 16, `/performance`): the minutes the
 * portal was up, one row each (written every minute by one instance; a minute
 * without a row is a minute down), and the figures the page shows, computed by
 * a job and read from memory by every instance (one row).
 */
export class Performance1765400000090 implements MigrationInterface {
  name = 'Performance1765400000090';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE availability_minute (minute timestamptz PRIMARY KEY)`);
    await q.query(`
      CREATE TABLE performance_snapshot (
        id           smallint PRIMARY KEY CHECK (id = 1),
        computed_at  timestamptz NOT NULL,
        figures      jsonb NOT NULL CHECK (jsonb_typeof(figures) = 'object')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE performance_snapshot`);
    await q.query(`DROP TABLE availability_minute`);
  }
}
