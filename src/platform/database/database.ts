import pg from 'pg';
import { DataSource } from 'typeorm';
import { migrations } from '../../../migrations/index.js';
import type { JsonLogger } from '../logging/json-logger.js';

/** One key for pg_advisory_lock, so only one instance migrates at a time. */
const MIGRATION_LOCK_KEY = 4_815_162_342;

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  applicationName?: string;
}

export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    applicationName: options.applicationName ?? 'guichet',
    entities: [],
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: options.poolSize, connectionTimeoutMillis: 5000 },
  });
}

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so that many
 * portal instances booting together migrate once. Returns the names applied.
 */
export async function migrate(dataSource: DataSource, logger?: JsonLogger): Promise<string[]> {
  // The lock is held on a connection of its own, outside the pool the migrations use.
  const lock = new pg.Client({ connectionString: (dataSource.options as { url: string }).url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0)
      logger?.event('info', 'database.migrated', { applied: applied.map((m) => m.name) });
    return applied.map((m) => m.name);
  } finally {
    await lock.end();
  }
}

/**
 * The rows of an UPDATE or DELETE ... RETURNING. TypeORM's query() answers those
 * with `[rows, affectedCount]` (and plain rows for SELECT and INSERT).
 */
export async function returningRows<T>(
  runner: { query(sql: string, params?: unknown[]): Promise<unknown> },
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await runner.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
