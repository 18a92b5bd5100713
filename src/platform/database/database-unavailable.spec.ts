import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises PostgreSQL going away, directly or inside TypeORM and cause chains', () => {
    expect(isDatabaseUnavailable(withCode('the database system is shutting down', '57P03'))).toBe(
      true,
    );
    expect(
      isDatabaseUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')),
    ).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isDatabaseUnavailable(
        new Error('Query runner already released. Cannot run queries anymore.'),
      ),
    ).toBe(true);
    const terminated = withCode('terminating connection due to administrator command', '57P01');
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], terminated))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: terminated }))).toBe(true);
  });

  it('leaves every other error alone (a bug stays a 500)', () => {
    expect(isDatabaseUnavailable(withCode('duplicate key value', '23505'))).toBe(false);
    expect(
      isDatabaseUnavailable(new QueryFailedError('SELECT', [], withCode('syntax error', '42601'))),
    ).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable('Connection terminated')).toBe(false);
    // Another service's socket (a fetch to Unleash's Admin API) is not the database.
    const refused = withCode('connect ECONNREFUSED 127.0.0.1:4242', 'ECONNREFUSED');
    expect(isDatabaseUnavailable(new TypeError('fetch failed', { cause: refused }))).toBe(false);
    // The database's socket inside TypeORM's error still is.
    const reset = withCode('read ECONNRESET', 'ECONNRESET');
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], reset))).toBe(true);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
