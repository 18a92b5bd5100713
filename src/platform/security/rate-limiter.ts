import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returningRows } from '../database/database.js';

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  /** Seconds until the window ends (and the limit resets). */
  retryAfterSeconds: number;
}

/**
 * Fixed-window rate limits kept in PostgreSQL, so that every portal instance
 * counts the same hits. One atomic upsert per hit.
 */
@Injectable()
export class RateLimiter {
  constructor(private readonly dataSource: DataSource) {}

  async hit(key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
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
}
