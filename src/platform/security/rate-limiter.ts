import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { returningRows } from '../database/database.js';
import type { RateLimitName, RateLimitRule, RateLimitRules } from './rate-limit-rules.js';

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  /** Seconds until the window ends (and the limit resets). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window rate limits kept in PostgreSQL, so that every portal instance
 * counts the same hits. One atomic upsert per hit. The rules are the one table
 * of the validated configuration (`AppConfig.rateLimits`): services name a rule,
 * never a number.
 */
@Injectable()
export class RateLimiter {
  private readonly rules: RateLimitRules;

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.rules = config.rateLimits;
  }

  /** One hit on a named rule (src/platform/security/rate-limit-rules.ts) for one subject. */
  take(name: RateLimitName, subject: string): Promise<RateLimitResult> {
    const rule = this.rules[name];
    return this.hit(`${name}:${subject}`, rule.limit, rule.windowSeconds);
  }

  /** A rule as configured (RATE_LIMITS applied), e.g. to announce it in headers. */
  rule(name: RateLimitName): RateLimitRule {
    return this.rules[name];
  }

  private async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
    const rows = await returningRows<{ hits: number; retry: string }>(
      this.dataSource,
      `INSERT INTO rate_limit_hit AS r (key, hits, window_ends_at)
       VALUES ($1, 1, now() + make_interval(secs => $2))
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.window_ends_at <= now() THEN 1 ELSE r.hits + 1 END,
         window_ends_at = CASE WHEN r.window_ends_at <= now()
                               THEN now() + make_interval(secs => $2) ELSE r.window_ends_at END
       RETURNING hits, ceil(extract(epoch FROM r.window_ends_at - now()))::int AS retry`,
      [key, windowSeconds],
    );
    const { hits, retry } = rows[0];
    return { allowed: hits <= limit, hits, retryAfterSeconds: Math.max(1, Number(retry)) };
  }

  /**
   * Deletes every counter kept about these subjects (e.g. a closed account's
   * id and email address): keys end with `:<subject>`, whatever the rule.
   */
  async forget(manager: EntityManager, subjects: string[]): Promise<void> {
    await manager.query(
      `DELETE FROM rate_limit_hit
        WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS subject
                       WHERE right(rate_limit_hit.key, length(subject) + 1) = ':' || subject)`,
      [subjects],
    );
  }

  /**
   * Deletes, in the caller's transaction, at most `limit` counters whose window
   * ended more than `hours` ago (the retention schedule, docs/adr/0047): a
   * counter keys its subject (an address, an account id), and once its window
   * is over it limits nothing. Returns how many went.
   */
  async purgeExpired(manager: EntityManager, hours: number, limit: number): Promise<number> {
    const rows = await returningRows<{ key: string }>(
      manager,
      `DELETE FROM rate_limit_hit WHERE rate_limit_hit.key IN (
         SELECT old.key FROM rate_limit_hit AS old
          WHERE old.window_ends_at < now() - make_interval(hours => $1)
          LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING rate_limit_hit.key`,
      [hours, limit],
    );
    return rows.length;
  }
}
