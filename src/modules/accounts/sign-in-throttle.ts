import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/app-config.js';
import { returningRows } from '../../platform/database/database.js';

/** What a throttle counts failures for. */
export type ThrottleKey =
  { kind: 'email'; email: string } | { kind: 'ip'; ip: string } | { kind: 'device'; nonce: string };

const keyOf = (key: ThrottleKey) =>
  key.kind === 'email'
    ? `email:${key.email.trim().toLowerCase()}`
    : key.kind === 'ip'
      ? `ip:${key.ip}`
      : `device:${key.nonce}`;

/**
 * Sign-in throttling (docs/adr/0015): after a number of free failures, each
 * further wrong password makes the next attempt wait, the wait doubling up to
 * a maximum. Nothing is ever locked: once the wait is over, the right password
 * works, and a browser known for the account is not held back by the email's or
 * the client address's count. Failures are keyed by the email address typed,
 * whether or not it has an account, so that waits reveal nothing.
 */
@Injectable()
export class SignInThrottle {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Seconds the longest of these keys must still wait, 0 when none does. */
  async waitSeconds(keys: ThrottleKey[]): Promise<number> {
    const [row] = await this.dataSource.query<{ seconds: number | null }[]>(
      `SELECT max(ceil(extract(epoch FROM sign_in_throttle.blocked_until - now())))::int AS seconds
         FROM sign_in_throttle
        WHERE sign_in_throttle.key = ANY($1) AND sign_in_throttle.blocked_until > now()`,
      [keys.map(keyOf)],
    );
    return Math.max(0, row?.seconds ?? 0);
  }

  /**
   * Counts a wrong password against each key (and deletes the failures no
   * longer remembered, which keeps the table small). Returns until when the
   * longest wait now runs, if any key must now wait.
   */
  async fail(manager: EntityManager, keys: ThrottleKey[]): Promise<Date | undefined> {
    const memory = this.config.SIGN_IN_FAILURES_MEMORY_MINUTES;
    await manager.query(
      `DELETE FROM sign_in_throttle
        WHERE last_failure_at < now() - make_interval(mins => $1)
          AND (blocked_until IS NULL OR blocked_until < now())`,
      [memory],
    );
    let until: Date | undefined;
    for (const key of keys) {
      const free =
        key.kind === 'ip'
          ? this.config.SIGN_IN_FREE_FAILURES_PER_ADDRESS
          : this.config.SIGN_IN_FREE_FAILURES_PER_ACCOUNT;
      // The wait doubles with each failure past the free ones, up to the maximum.
      await manager.query(
        `INSERT INTO sign_in_throttle AS t (key, failures, last_failure_at) VALUES ($1, 1, now())
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN t.last_failure_at < now() - make_interval(mins => $2)
                           THEN 1 ELSE t.failures + 1 END,
           last_failure_at = now()`,
        [keyOf(key), memory],
      );
      const [row] = await returningRows<{ blocked_until: Date | null }>(
        manager,
        `UPDATE sign_in_throttle SET blocked_until = CASE WHEN failures >= $2 THEN now() +
           make_interval(secs => least($4::float8, $3::float8 * power(2, least(failures - $2, 30))))
           END
         WHERE key = $1 RETURNING blocked_until`,
        [
          keyOf(key),
          free,
          this.config.SIGN_IN_FIRST_DELAY_SECONDS,
          this.config.SIGN_IN_MAX_DELAY_SECONDS,
        ],
      );
      if (row.blocked_until && (!until || row.blocked_until > until)) until = row.blocked_until;
    }
    return until;
  }

  /** Forgets these keys' failures (a right password, a reset, a closed account). */
  async clear(manager: EntityManager, keys: ThrottleKey[]): Promise<void> {
    await manager.query(`DELETE FROM sign_in_throttle WHERE key = ANY($1)`, [keys.map(keyOf)]);
  }
}
