import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/platform/database/database.js';
import { RATE_LIMIT_DEFAULTS } from '../../src/platform/security/rate-limit-rules.js';
import { RateLimiter } from '../../src/platform/security/rate-limiter.js';
import { adminQuery, createTestDatabase, databaseUrl, testConfig } from '../support/test-app.js';

/**
 * The rate limits at the service level ("medium" tests): RateLimiter against
 * the real PostgreSQL, its rules read from the validated configuration
 * (defaults, RATE_LIMITS applied). The pages' 429s have their own tests
 * (test/rate-limits.spec.ts).
 */
describe('RateLimiter (real PostgreSQL)', () => {
  let database: string;
  let db: DataSource;
  let limiter: RateLimiter;

  const configWith = (RATE_LIMITS: string) =>
    testConfig({ DATABASE_URL: databaseUrl(database), RATE_LIMITS });
  const limiterWith = (RATE_LIMITS: string) => new RateLimiter(db, configWith(RATE_LIMITS));

  async function counters(): Promise<string[]> {
    const rows = await db.query<{ key: string }[]>(
      `SELECT rate_limit_hit.key FROM rate_limit_hit ORDER BY rate_limit_hit.key`,
    );
    return rows.map((r) => r.key);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDataSource({ url: databaseUrl(database), poolSize: 2 });
    await db.initialize();
    limiter = limiterWith('');
  });

  afterAll(async () => {
    await db.destroy();
    await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('allows a rule’s limit of hits in its window, then refuses until the window ends', async () => {
    // reset:email: 3 an hour by default.
    const subject = 'ana@exemple.ca';
    for (const hits of [1, 2, 3])
      expect(await limiter.take('reset:email', subject)).toMatchObject({ allowed: true, hits });
    const refused = await limiter.take('reset:email', subject);
    expect(refused).toMatchObject({ allowed: false, hits: 4 });
    expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(await counters()).toContain('reset:email:ana@exemple.ca');

    // When the window has ended, counting starts again.
    await db.query(
      `UPDATE rate_limit_hit SET window_ends_at = now() - interval '1 second' WHERE key = $1`,
      ['reset:email:ana@exemple.ca'],
    );
    expect(await limiter.take('reset:email', subject)).toMatchObject({ allowed: true, hits: 1 });
  });

  it('counts each subject and each rule apart', async () => {
    for (let i = 0; i < 3; i++) await limiter.take('reset:email', 'first@exemple.ca');
    expect((await limiter.take('reset:email', 'first@exemple.ca')).allowed).toBe(false);
    expect(await limiter.take('reset:email', 'second@exemple.ca')).toMatchObject({
      allowed: true,
      hits: 1,
    });
    // Another rule with the same subject has its own counter.
    expect(await limiter.take('account-exists:email', 'first@exemple.ca')).toMatchObject({
      allowed: true,
      hits: 1,
    });
  });

  it('shares the counts between portal instances', async () => {
    const other = limiterWith('');
    expect((await limiter.take('register:ip', '198.51.100.4')).hits).toBe(1);
    expect((await other.take('register:ip', '198.51.100.4')).hits).toBe(2);
  });

  it('reads every rule from the validated configuration, RATE_LIMITS overriding the defaults', async () => {
    const config = configWith('feedback:ip=2/60, api:key=1200/60');
    expect(config.rateLimits).toEqual({
      ...RATE_LIMIT_DEFAULTS,
      'feedback:ip': { limit: 2, windowSeconds: 60 },
      'api:key': { limit: 1200, windowSeconds: 60 },
    });
    expect(configWith('').rateLimits).toEqual(RATE_LIMIT_DEFAULTS);
    expect(() => configWith('feedback:ip=0/60')).toThrow(
      /RATE_LIMITS "feedback:ip=0\/60" needs a limit and a window of at least 1/,
    );

    const overridden = limiterWith('feedback:ip=2/60');
    expect(overridden.rule('feedback:ip')).toEqual({ limit: 2, windowSeconds: 60 });
    expect(overridden.rule('feedback:account')).toEqual(RATE_LIMIT_DEFAULTS['feedback:account']);
    expect((await overridden.take('feedback:ip', '203.0.113.9')).allowed).toBe(true);
    expect((await overridden.take('feedback:ip', '203.0.113.9')).allowed).toBe(true);
    const refused = await overridden.take('feedback:ip', '203.0.113.9');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('forgets every counter kept about the subjects it is given, whatever the rule', async () => {
    await limiter.take('password-change:account', 'acc-forget');
    await limiter.take('feedback:account', 'acc-forget');
    await limiter.take('feedback:account', 'acc-keep');
    // Only a whole subject after the rule's name matches, not a longer one ending the same way.
    await limiter.take('feedback:account', 'other-acc-forget');
    await db.transaction((manager) => limiter.forget(manager, ['acc-forget', 'nobody']));
    const left = await counters();
    expect(left).not.toContain('password-change:account:acc-forget');
    expect(left).not.toContain('feedback:account:acc-forget');
    expect(left).toEqual(
      expect.arrayContaining(['feedback:account:acc-keep', 'feedback:account:other-acc-forget']),
    );
    // Forgotten, the subject starts again from nothing.
    expect((await limiter.take('feedback:account', 'acc-forget')).hits).toBe(1);
  });
});
