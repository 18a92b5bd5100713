import { createHash } from 'node:crypto';
import type pg from 'pg';
import { QueryRunnerAlreadyReleasedError, type DataSource, type EntityManager } from 'typeorm';

/** A statement's name on a connection: its text's hash, so one name is always one text. */
export function statementName(text: string): string {
  return `g_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

/**
 * Runs one of the few statements every API request or filing sends, as a named
 * prepared statement: PostgreSQL parses and plans it once per connection (then
 * keeps a generic plan when it costs no more), where an unnamed statement is
 * planned at every call. Planning was about 2 ms of PostgreSQL's CPU a filing,
 * more than running its statements (ADR 0040).
 *
 * In `on`'s transaction when it is a transaction's manager (never elsewhere:
 * if that connection has gone, it throws as TypeORM does), else on a
 * connection of the pool. Each connection keeps every statement prepared on it
 * for as long as it lives: only for texts that are one of a few, never built
 * from values, and one statement each. The rows come back as node-postgres
 * reads them (an UPDATE's RETURNING too); errors are node-postgres's, with their
 * SQLSTATE `code`, not TypeORM's `QueryFailedError`. A migration that changes
 * what a statement returns makes its next call fail once on each connection
 * that prepared it (0A000), then PostgreSQL plans it again. Prepared statements
 * live on a connection: a pooler in front must keep them (docs/operations.md).
 */
export async function preparedRows<T>(
  on: DataSource | EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const query = { name: statementName(text), text, values };
  if ('queryRunner' in on && on.queryRunner) {
    if (on.queryRunner.isReleased) throw new QueryRunnerAlreadyReleasedError();
    const runner = on.queryRunner as unknown as { connect(): Promise<pg.PoolClient> };
    return (await (await runner.connect()).query(query)).rows as T[];
  }
  const dataSource = 'driver' in on ? on : on.dataSource;
  const pool = (dataSource.driver as unknown as { master: pg.Pool }).master;
  return (await pool.query(query)).rows as T[];
}
