import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rate-limit counters are written on every API request and kept for minutes:
 * an UNLOGGED table writes no WAL, so a request's counter no longer waits for
 * a flush to disk (issue 17, docs/benchmarks.md). What it costs: after a crash
 * of PostgreSQL (not a clean restart) the table is empty, and a standby has no
 * copy; counters starting again from zero is harmless.
 */
export class RateLimitHitsUnlogged1765400000060 implements MigrationInterface {
  name = 'RateLimitHitsUnlogged1765400000060';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rate_limit_hit SET UNLOGGED`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE rate_limit_hit SET LOGGED`);
  }
}
