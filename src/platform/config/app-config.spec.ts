import { ConfigError, loadConfig, roleGroups } from './app-config.js';

const valid = {
  DATABASE_URL: 'postgres://guichet:s3cret-db-pass@db.internal:5432/guichet',
  UNLEASH_URL: 'http://unleash:4242/api',
  UNLEASH_CLIENT_TOKEN: 'default:production.client-secret-value',
  UNLEASH_ADMIN_TOKEN: '*:*.admin-secret-value',
  SMTP_URL: 'smtp://relay.city.example:25',
  SESSION_SECRET: 'a-long-random-session-secret-for-tests-0123',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('accepts the production variables and applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config.DATABASE_URL).toBe(valid.DATABASE_URL);
    expect(config.PORT).toBe(3000);
    expect(config.FLAGS_REFRESH_INTERVAL_MS).toBe(5000);
    expect(config.UNLEASH_ENVIRONMENT).toBe('production');
    expect(config.SEED_DEMO).toBe(false);
    expect(config.DATABASE_MIGRATE_ON_BOOT).toBe(true);
  });

  it('converts numbers and booleans from their text form', () => {
    const config = loadConfig({ ...valid, PORT: '8080', SEED_DEMO: 'true', TRUST_PROXY: '1' });
    expect(config.PORT).toBe(8080);
    expect(config.SEED_DEMO).toBe(true);
    expect(config.TRUST_PROXY).toBe(1);
  });

  it('trusts no proxy unless told which: addresses, CIDRs, express range names or a hop count', () => {
    expect(loadConfig(valid).TRUST_PROXY).toBe(false);
    expect(loadConfig({ ...valid, TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ ...valid, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ ...valid, TRUST_PROXY: ' 10.0.0.0/8, 127.0.0.1 ' }).TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
    expect(
      loadConfig({ ...valid, TRUST_PROXY: 'loopback,uniquelocal,fd00::/8,::1' }).TRUST_PROXY,
    ).toEqual(['loopback', 'uniquelocal', 'fd00::/8', '::1']);
  });

  it('refuses a TRUST_PROXY that would believe anyone, or that it cannot read, and says what it takes', () => {
    for (const value of [
      'true',
      '10.0.0.0/33',
      '10.0.0',
      'proxy.city.example',
      '10.0.0.1,',
      '11',
    ]) {
      const problems = problemsOf({ ...valid, TRUST_PROXY: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^TRUST_PROXY must be false, a number of proxy hops \(1 to 10\)/);
      expect(problems[0]).toContain('CIDRs separated by commas (e.g. 10.0.0.0/8,127.0.0.1');
      expect(problems[0]).toContain(`"true" is not accepted`);
      expect(problems[0]).toContain(`(got "${value}")`);
    }
  });

  it('scans with clamd only when CLAMAV_URL names one, and says what it takes', () => {
    expect(loadConfig(valid).CLAMAV_URL).toBe('');
    expect(loadConfig({ ...valid, CLAMAV_URL: 'tcp://clamav:3310' }).CLAMAV_URL).toBe(
      'tcp://clamav:3310',
    );
    expect(
      loadConfig({ ...valid, CLAMAV_URL: 'unix:///var/run/clamav/clamd.ctl' }).CLAMAV_URL,
    ).toBe('unix:///var/run/clamav/clamd.ctl');
    expect(problemsOf({ ...valid, CLAMAV_URL: 'http://clamav:3310' })).toEqual([
      'CLAMAV_URL must be empty (scanning off), tcp://host:port (e.g. tcp://clamav:3310) or unix:///path/to/clamd.ctl (got "http://clamav:3310")',
    ]);
    expect(loadConfig(valid).CLAMAV_RESCAN_INTERVAL_MS).toBe(60_000);
  });

  it('refuses to seed the demo people in production', () => {
    expect(problemsOf({ ...valid, NODE_ENV: 'production', SEED_DEMO: 'true' })).toEqual([
      expect.stringMatching(/^SEED_DEMO must be false when NODE_ENV is production/),
    ]);
    expect(loadConfig({ ...valid, NODE_ENV: 'production' }).SEED_DEMO).toBe(false);
    expect(loadConfig({ ...valid, NODE_ENV: 'development', SEED_DEMO: 'true' }).SEED_DEMO).toBe(
      true,
    );
  });

  it('keeps delivered emails 30 days unless told otherwise', () => {
    expect(loadConfig(valid).OUTBOX_RETENTION_DAYS).toBe(30);
    expect(loadConfig({ ...valid, OUTBOX_RETENTION_DAYS: '7' }).OUTBOX_RETENTION_DAYS).toBe(7);
    expect(problemsOf({ ...valid, OUTBOX_RETENTION_DAYS: '0' })).toEqual([
      expect.stringMatching(/^OUTBOX_RETENTION_DAYS is too small/),
    ]);
  });

  it('names every required variable that is missing', () => {
    const problems = problemsOf({});
    for (const name of [
      'DATABASE_URL',
      'UNLEASH_URL',
      'UNLEASH_CLIENT_TOKEN',
      'UNLEASH_ADMIN_TOKEN',
      'SMTP_URL',
      'SESSION_SECRET',
    ]) {
      expect(problems).toContain(`${name} is required but not set`);
    }
  });

  it('names a malformed variable and shows what it got when it is not a secret', () => {
    expect(problemsOf({ ...valid, PORT: 'eighty' })).toEqual([
      expect.stringMatching(/^PORT must be a whole number.*"eighty"/),
    ]);
    expect(problemsOf({ ...valid, LOG_LEVEL: 'loud' })).toEqual([
      expect.stringMatching(/^LOG_LEVEL must be one of/),
    ]);
    expect(problemsOf({ ...valid, FLAGS_REFRESH_INTERVAL_MS: '5' })).toEqual([
      expect.stringMatching(/^FLAGS_REFRESH_INTERVAL_MS is too small/),
    ]);
  });

  it('never repeats a secret value in its messages', () => {
    const error = (() => {
      try {
        loadConfig({
          ...valid,
          DATABASE_URL: 'mysql://user:hunter2-secret@db/x',
          SMTP_URL: 'ftp://u:smtp-pass@x',
        });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('DATABASE_URL must be a URL');
    expect(error!.message).toContain('SMTP_URL must be a URL');
    expect(error!.message).not.toContain('hunter2');
    expect(error!.message).not.toContain('smtp-pass');
  });

  it('reads the rate limits from one list, with overrides checked at boot', () => {
    expect(loadConfig(valid).RATE_LIMITS).toBe('');
    expect(
      loadConfig({ ...valid, RATE_LIMITS: 'sign-in:ip=60/900, reset:email=5/3600' }).RATE_LIMITS,
    ).toBe('sign-in:ip=60/900, reset:email=5/3600');
    expect(problemsOf({ ...valid, RATE_LIMITS: 'sign-in:ip=60' })).toEqual([
      expect.stringMatching(/^RATE_LIMITS "sign-in:ip=60" is not name=limit\/seconds/),
    ]);
    expect(problemsOf({ ...valid, RATE_LIMITS: 'nothing:here=1/1' })).toEqual([
      expect.stringMatching(
        /^RATE_LIMITS "nothing:here" is not a rate limit \(known: sign-in:ip, /,
      ),
    ]);
    expect(
      loadConfig({ ...valid, SIGN_IN_FREE_FAILURES_PER_ACCOUNT: '8' })
        .SIGN_IN_FREE_FAILURES_PER_ACCOUNT,
    ).toBe(8);
    expect(problemsOf({ ...valid, SIGN_IN_FIRST_DELAY_SECONDS: '0' })).toEqual([
      expect.stringMatching(/^SIGN_IN_FIRST_DELAY_SECONDS is too small/),
    ]);
  });

  it('reads the retention schedule and the privacy officer, with documented defaults, and refuses nonsense', () => {
    const config = loadConfig(valid);
    expect([
      config.CLOSED_ACCOUNT_RETENTION_DAYS,
      config.DRAFT_RETENTION_DAYS,
      config.OUTBOX_RETENTION_DAYS,
      config.RATE_LIMIT_RETENTION_HOURS,
      config.FEEDBACK_CONTACT_RETENTION_DAYS,
      config.AUDIT_PERSONAL_DATA_RETENTION_DAYS,
      config.RETENTION_INTERVAL_HOURS,
      config.RETENTION_BATCH_SIZE,
    ]).toEqual([90, 365, 30, 24, 365, 2557, 24, 5000]);
    expect(config.PRIVACY_OFFICER_EMAIL).toBe('vie-privee@val-des-cedres.example');
    const set = loadConfig({
      ...valid,
      DRAFT_RETENTION_DAYS: '180',
      RETENTION_INTERVAL_HOURS: '0',
      PRIVACY_OFFICER_NAME: 'Hélène Roy',
      PRIVACY_OFFICER_EMAIL: 'prp@ville.example',
    });
    expect([set.DRAFT_RETENTION_DAYS, set.RETENTION_INTERVAL_HOURS]).toEqual([180, 0]);
    expect([set.PRIVACY_OFFICER_NAME, set.PRIVACY_OFFICER_EMAIL]).toEqual([
      'Hélène Roy',
      'prp@ville.example',
    ]);
    expect(
      problemsOf({
        ...valid,
        DRAFT_RETENTION_DAYS: '7',
        AUDIT_PERSONAL_DATA_RETENTION_DAYS: 'seven years',
        RETENTION_BATCH_SIZE: '0',
        PRIVACY_OFFICER_EMAIL: 'nobody',
        PRIVACY_OFFICER_NAME: '',
      }),
    ).toEqual([
      expect.stringMatching(/^DRAFT_RETENTION_DAYS is too small/),
      expect.stringMatching(/^AUDIT_PERSONAL_DATA_RETENTION_DAYS must be a whole number/),
      expect.stringMatching(/^RETENTION_BATCH_SIZE is too small/),
      expect.stringMatching(/^PRIVACY_OFFICER_NAME must not be empty/),
      expect.stringMatching(/^PRIVACY_OFFICER_EMAIL must be an email address/),
    ]);
  });
  it("reads the city directory's settings, all three together, with the groups' roles", () => {
    const directory = {
      ...valid,
      OIDC_ISSUER: 'https://login.example.com/tenant/v2.0',
      OIDC_CLIENT_ID: 'guichet',
      OIDC_CLIENT_SECRET: 'directory-client-secret',
      OIDC_ROLE_GROUPS: 'Guichet Clerks=clerk, Guichet Clerks=analyst,ops=admin',
    };
    const config = loadConfig(directory);
    expect(config.OIDC_GROUPS_CLAIM).toBe('groups');
    expect(config.OIDC_SCOPES).toBe('openid email profile');
    expect(roleGroups(config.OIDC_ROLE_GROUPS)).toEqual(
      new Map([
        ['Guichet Clerks', ['clerk', 'analyst']],
        ['ops', ['admin']],
      ]),
    );
    expect(loadConfig(valid).OIDC_ISSUER).toBeUndefined();
    // As docker-compose passes variables left out of .env.
    const empty = { OIDC_ISSUER: '', OIDC_CLIENT_ID: '', OIDC_CLIENT_SECRET: '' };
    expect(loadConfig({ ...valid, ...empty }).OIDC_ISSUER).toBeUndefined();
    expect(problemsOf({ ...valid, OIDC_ISSUER: directory.OIDC_ISSUER })).toEqual([
      'OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: set all three (staff sign in with the directory) or none',
    ]);
    expect(problemsOf({ ...directory, OIDC_ROLE_GROUPS: '' })[0]).toMatch(
      /^OIDC_ROLE_GROUPS is required with OIDC_ISSUER/,
    );
    expect(problemsOf({ ...directory, OIDC_ROLE_GROUPS: 'ops=boss' })[0]).toMatch(
      /^OIDC_ROLE_GROUPS /,
    );
    expect(problemsOf({ ...directory, OIDC_SCOPES: 'email' })[0]).toMatch(/^OIDC_SCOPES /);
    const secret = problemsOf({ ...directory, OIDC_CLIENT_SECRET: 'x', OIDC_SCOPES: 'bad' });
    expect(secret.join('\n')).not.toContain('directory-client-secret');
  });
  it('asks staff a second factor unless told otherwise, and never lets production go without', () => {
    expect(loadConfig(valid).STAFF_SECOND_FACTOR).toBe('required');
    expect(loadConfig(valid).REAUTH_MINUTES).toBe(15);
    expect(loadConfig({ ...valid, STAFF_SECOND_FACTOR: 'off' }).STAFF_SECOND_FACTOR).toBe('off');
    expect(problemsOf({ ...valid, NODE_ENV: 'production', STAFF_SECOND_FACTOR: 'off' })).toEqual([
      'STAFF_SECOND_FACTOR must be required when NODE_ENV is production (staff passwords alone are not enough) (got "off")',
    ]);
    expect(problemsOf({ ...valid, REAUTH_MINUTES: '0' })[0]).toMatch(/^REAUTH_MINUTES /);
  });
});
