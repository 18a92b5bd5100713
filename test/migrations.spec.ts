import { createDataSource, migrate } from '../src/platform/database/database.js';
import { adminQuery, databaseUrl } from './support/test-app.js';

describe('migrations', () => {
  const name = `guichet_migrations_${Date.now().toString(36)}`;

  beforeAll(() => adminQuery(`CREATE DATABASE ${name}`));
  afterAll(() => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  const tables = async () =>
    (
      await adminQueryIn(
        name,
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      )
    ).map((r) => r.table_name as string);

  it('apply on an empty database, refuse to run twice, keep audit events append-only, and revert to nothing', async () => {
    const dataSource = createDataSource({ url: databaseUrl(name), poolSize: 1 });
    await dataSource.initialize();
    try {
      const applied = await migrate(dataSource);
      expect(applied.length).toBeGreaterThan(0);
      expect(await tables()).toEqual(
        expect.arrayContaining(['audit_event', 'seed_run', 'migrations']),
      );
      expect(await migrate(dataSource)).toEqual([]);
      // Rate-limit counters write no WAL (issue 17): a request does not wait for a flush.
      const [{ relpersistence }] = await dataSource.query(
        `SELECT relpersistence FROM pg_class WHERE relname = 'rate_limit_hit'`,
      );
      expect(relpersistence).toBe('u');

      await dataSource.query(
        `INSERT INTO audit_event (actor_type, action, entity_type) VALUES ('system', 'test.happened', 'test')`,
      );
      await expect(dataSource.query(`UPDATE audit_event SET action = 'rewritten'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(dataSource.query(`DELETE FROM audit_event`)).rejects.toThrow(/append-only/);

      for (let i = 0; i < applied.length; i++)
        await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await tables()).toEqual(['migrations']);
    } finally {
      await dataSource.destroy();
    }
  });

  it('carry each reference counter on in its sequence, and back', async () => {
    const dataSource = createDataSource({ url: databaseUrl(name), poolSize: 1 });
    await dataSource.initialize();
    try {
      const applied = await migrate(dataSource);
      const hasCounters = async () => (await tables()).includes('reference_counter');
      // Back to just before the sequences (later migrations first).
      for (let i = 0; i < applied.length && !(await hasCounters()); i++)
        await dataSource.undoLastMigration({ transaction: 'each' });
      expect(await hasCounters()).toBe(true);
      await dataSource.query(
        `INSERT INTO reference_counter (prefix, year, last_value) VALUES ('ZZ', 2025, 41)`,
      );

      await migrate(dataSource);
      expect(await hasCounters()).toBe(false);
      const next = async (prefix: string, year: number) =>
        (
          await dataSource.query<{ r: string }[]>(
            `SELECT next_application_reference($1, $2) AS r`,
            [prefix, year],
          )
        )[0].r;
      expect(await next('ZZ', 2025)).toBe('ZZ-2025-000042');
      expect(await next('ZY', 2025)).toBe('ZY-2025-000001');
      await expect(next('zz', 2025)).rejects.toThrow(/no reference numbers for prefix zz/);

      for (let i = 0; i < applied.length && !(await hasCounters()); i++)
        await dataSource.undoLastMigration({ transaction: 'each' });
      expect(
        await dataSource.query(`SELECT prefix, year, last_value FROM reference_counter ORDER BY 1`),
      ).toEqual([
        { prefix: 'ZY', year: 2025, last_value: 1 },
        { prefix: 'ZZ', year: 2025, last_value: 42 },
      ]);
    } finally {
      await dataSource.destroy();
    }
  });
});

async function adminQueryIn(database: string, sql: string): Promise<Record<string, unknown>[]> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl(database) });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
