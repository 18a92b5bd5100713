import pg from 'pg';
import { Jobs } from '../src/platform/jobs/jobs.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { adminQuery, createTestDatabase, databaseUrl, eventually } from './support/test-app.js';

/**
 * The platform's job queue on its own (src/platform/jobs/jobs.ts, ADR 0026):
 * a periodic job asked for by every instance runs once per period, on one of
 * them, and stopping lets a job under way finish.
 */
describe('periodic jobs on pg-boss', () => {
  let database: string;
  const instances: Jobs[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    for (const jobs of instances) await jobs.stop();
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('runs a periodic job once per period across two instances', async () => {
    const runs: string[] = [];
    for (const name of ['one', 'two']) {
      const jobs = await Jobs.start(
        { connectionString: databaseUrl(database), poolSize: 2 },
        new JsonLogger('error'),
      );
      instances.push(jobs);
      await jobs.every({
        name: 'test-tick',
        everySeconds: 1,
        run: async () => {
          runs.push(name);
        },
      });
    }
    for (const jobs of instances) await jobs.startWorking();
    await eventually(async () => runs.length >= 4, 20_000);

    const client = new pg.Client({ connectionString: databaseUrl(database) });
    await client.connect();
    try {
      const { rows } = await client.query<{ slot: string; jobs: number }>(
        `SELECT singleton_on::text AS slot, count(*)::int AS jobs FROM pgboss.job
          WHERE name = 'test-tick' GROUP BY singleton_on`,
      );
      // Both instances asked every second; each period holds one job.
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(rows.every((row) => row.jobs === 1)).toBe(true);
      const { rows: done } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'test-tick' AND state = 'completed'`,
      );
      expect(done[0].n).toBeLessThanOrEqual(rows.length);
      expect(runs.length).toBeLessThanOrEqual(rows.length);
    } finally {
      await client.end();
    }
  });
});
