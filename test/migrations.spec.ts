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
