import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/platform/database/database.js';
import { preparedRows, statementName } from '../../src/platform/database/prepared.js';
import { adminQuery, createTestDatabase, databaseUrl } from '../support/test-app.js';

/**
 * The hot statements run prepared (platform/database/prepared.ts): in the
 * caller's transaction when there is one, on the pool otherwise, planned once
 * a connection, with PostgreSQL's errors as they are.
 */
describe('preparedRows (real PostgreSQL)', () => {
  let database: string;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ url: databaseUrl(database), poolSize: 1 });
    await db.initialize();
    await db.query(`CREATE TABLE note (id int PRIMARY KEY, body text NOT NULL)`);
  });

  afterAll(async () => {
    await db.destroy();
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  const INSERT = `INSERT INTO note (id, body) VALUES ($1, $2) RETURNING id, body`;

  it('writes in the caller’s transaction: rolled back with it, kept when it commits', async () => {
    await expect(
      db.transaction(async (manager) => {
        expect(await preparedRows(manager, INSERT, [1, 'draft'])).toEqual([
          { id: 1, body: 'draft' },
        ]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await db.query(`SELECT id FROM note`)).toEqual([]);

    await db.transaction((manager) => preparedRows(manager, INSERT, [2, 'kept']));
    expect(await preparedRows(db, `SELECT body FROM note WHERE id = $1`, [2])).toEqual([
      { body: 'kept' },
    ]);
  });

  it('prepares each text once on a connection, under a name of its own', async () => {
    await preparedRows(db, INSERT, [3, 'again']);
    await preparedRows(db.manager, INSERT, [4, 'and again']);
    // The pool's one connection has prepared these two texts, each once.
    const prepared = await db.query<{ name: string }[]>(
      `SELECT name FROM pg_prepared_statements ORDER BY name`,
    );
    expect(prepared.map((p) => p.name).sort()).toEqual(
      [statementName(INSERT), statementName(`SELECT body FROM note WHERE id = $1`)].sort(),
    );
    expect(statementName(INSERT)).not.toBe(statementName(`${INSERT} `));
  });

  it('throws PostgreSQL’s error with its SQLSTATE, and the connection serves on', async () => {
    const duplicate = await preparedRows(db, INSERT, [2, 'twice']).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(duplicate).toMatchObject({ code: '23505' });
    expect(await preparedRows(db, INSERT, [5, 'after'])).toEqual([{ id: 5, body: 'after' }]);
  });

  it('refuses to run outside the transaction whose connection was lost: nothing is written', async () => {
    const failed = await db
      .transaction(async (manager) => {
        const [{ pid }] = await manager.query(`SELECT pg_backend_pid() AS pid`);
        await adminQuery(`SELECT pg_terminate_backend(${Number(pid)})`);
        // TypeORM hears of the lost connection, then the statement is asked for.
        for (let i = 0; i < 50 && !manager.queryRunner!.isReleased; i++)
          await new Promise((r) => setTimeout(r, 20));
        await preparedRows(manager, INSERT, [6, 'lost']);
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failed).toBeInstanceOf(Error);
    expect(await db.query(`SELECT id FROM note WHERE id = 6`)).toEqual([]);
  });

  it('fails once on a connection when a migration changed what a statement returns, then serves again', async () => {
    const SELECT = `SELECT id, body FROM note WHERE id = $1`;
    expect(await preparedRows(db, SELECT, [2])).toEqual([{ id: 2, body: 'kept' }]);
    await db.query(`ALTER TABLE note ALTER COLUMN id TYPE bigint`);
    const stale = await preparedRows(db, SELECT, [2]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(stale).toMatchObject({ code: '0A000' });
    expect(await preparedRows(db, SELECT, [2])).toEqual([{ id: '2', body: 'kept' }]);
  });
});
