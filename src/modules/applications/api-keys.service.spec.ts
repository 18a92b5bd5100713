import request from 'supertest';
import { DataSource } from 'typeorm';
import { Refusal } from '../../platform/errors/refusal.js';
import { I18nService } from '../../platform/i18n/i18n.service.js';
import { createPerson } from '../../../test/support/people.js';
import { startTestApp, type TestApp } from '../../../test/support/test-app.js';
import { ApiKeysService, type ApiScope } from './api-keys.service.js';

/**
 * ApiKeysService.authenticate against the real PostgreSQL: the API's rate
 * limits (failed attempts by address, requests by key) and its scopes, tested
 * where they live. Small limits through RATE_LIMITS, as an operator would set them.
 */
describe('ApiKeysService.authenticate (medium: the real database)', () => {
  let portal: TestApp;
  let db: DataSource;
  let keys: ApiKeysService;
  let owner: { accountId: string; organizationId: string };
  const origin = (ip: string) => ({ ip, requestId: 'test' });
  let addressCounter = 0;
  /** A documentation-range address of its own for each test: counters are per address. */
  const address = () => `192.0.2.${++addressCounter}`;

  async function keyFor(scopes: ApiScope[]): Promise<{ token: string; id: string }> {
    const created = await keys.create(
      owner.accountId,
      owner.organizationId,
      { name: 'Intégration', scopes },
      origin('198.51.100.1'),
    );
    if (!created.ok) throw new Error(`could not create a key: ${created.problem}`);
    return { token: created.token, id: created.key.id };
  }

  /** The refusal an authentication ends with (fails the test if it lets the request in). */
  async function refusal(token: string | undefined, scope: string, ip: string): Promise<Refusal> {
    try {
      await keys.authenticate(token, scope, origin(ip));
    } catch (error) {
      if (error instanceof Refusal) return error;
      throw error;
    }
    throw new Error('authenticate let the request in');
  }

  beforeAll(async () => {
    portal = await startTestApp({ RATE_LIMITS: 'api:auth-failed=3/60,api:key=2/60' });
    db = portal.app.get(DataSource);
    keys = portal.app.get(ApiKeysService);
    const person = await createPerson(db);
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone, verified_at)
       VALUES ('Atelier Gagnon inc.', '1199887766', '12 rue Principale', 'Val-des-Cèdres', 'J0A 1B0', 8, '31-33',
         $1, $2, '418 555-0123', now())
       RETURNING id`,
      [person.displayName, person.email],
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [org.id, person.id],
    );
    owner = { accountId: person.id, organizationId: org.id as string };
  });

  afterAll(async () => {
    await portal?.close();
  });

  it('lets a valid key in within its scope, and says where it stands against its limit', async () => {
    const key = await keyFor(['applications:read']);
    const first = await keys.authenticate(key.token, 'applications:read', origin(address()));
    expect(first.principal).toMatchObject({
      keyId: key.id,
      organizationId: owner.organizationId,
      organizationName: 'Atelier Gagnon inc.',
      accountId: owner.accountId,
      scopes: ['applications:read'],
    });
    expect(first.rateLimit).toMatchObject({ limit: 2, remaining: 1 });
    expect(first.rateLimit.resetSeconds).toBeGreaterThan(0);
  });

  it('refuses a missing, malformed or unknown key (401 invalid_api_key), then the address once it failed too often (429, Retry-After)', async () => {
    const ip = address();
    for (const token of [undefined, 'not-a-key', `gk_abcdefgh_${'x'.repeat(43)}`]) {
      const refused = await refusal(token, 'applications:read', ip);
      expect([refused.code, refused.status, refused.details.headers]).toEqual([
        'invalid_api_key',
        401,
        { 'WWW-Authenticate': 'Bearer realm="guichet"' },
      ]);
    }
    const limited = await refusal(undefined, 'applications:read', ip);
    expect([limited.code, limited.publicCode, limited.status, limited.spec.message]).toEqual([
      'rate_limited_address',
      'rate_limited',
      429,
      'api.errors.rate_limited_address',
    ]);
    expect(Number(limited.details.headers?.['Retry-After'])).toBeGreaterThan(0);
    expect(Number(limited.details.headers?.['Retry-After'])).toBeLessThanOrEqual(60);

    // Another address is not affected; a valid key from the refused address still works
    // (only failures are counted by address).
    expect((await refusal(undefined, 'applications:read', address())).code).toBe('invalid_api_key');
    const key = await keyFor(['applications:read']);
    await expect(keys.authenticate(key.token, 'applications:read', origin(ip))).resolves.toEqual(
      expect.objectContaining({ principal: expect.objectContaining({ keyId: key.id }) }),
    );
  });

  it('limits each key (429 rate_limited with Retry-After and the RateLimit headers); other keys are not affected', async () => {
    const busy = await keyFor(['applications:read']);
    const quiet = await keyFor(['applications:read']);
    const ip = address();
    await keys.authenticate(busy.token, 'applications:read', origin(ip));
    const second = await keys.authenticate(busy.token, 'applications:read', origin(ip));
    expect(second.rateLimit.remaining).toBe(0);
    const limited = await refusal(busy.token, 'applications:read', ip);
    expect([limited.code, limited.publicCode, limited.status]).toEqual([
      'rate_limited',
      'rate_limited',
      429,
    ]);
    const headers = limited.details.headers ?? {};
    expect(headers['RateLimit-Limit']).toBe('2');
    expect(headers['RateLimit-Remaining']).toBe('0');
    expect(Number(headers['Retry-After'])).toBeGreaterThan(0);
    expect(headers['Retry-After']).toBe(headers['RateLimit-Reset']);
    const [counter] = await db.query(`SELECT hits FROM rate_limit_hit WHERE key = $1`, [
      `api:key:${busy.id}`,
    ]);
    expect(counter.hits).toBe(3);

    const other = await keys.authenticate(quiet.token, 'applications:read', origin(ip));
    expect(other.rateLimit.remaining).toBe(1);
  });

  it('refuses an operation outside the key’s scopes (403 insufficient_scope), after counting the request', async () => {
    const readOnly = await keyFor(['applications:read']);
    const refused = await refusal(readOnly.token, 'applications:write', address());
    expect([refused.code, refused.status]).toEqual(['insufficient_scope', 403]);
    expect(refused.details.headers).toMatchObject({
      'WWW-Authenticate':
        'Bearer realm="guichet", error="insufficient_scope", scope="applications:write"',
      'RateLimit-Remaining': '1',
    });
    // An operation that declares no scope is refused to every key.
    expect((await refusal(readOnly.token, undefined as unknown as string, address())).code).toBe(
      'insufficient_scope',
    );
  });

  it('refuses a revoked or expired key like an unknown one, and counts it against the address', async () => {
    const revoked = await keyFor(['applications:read']);
    const revocation = await keys.revoke(
      owner.accountId,
      owner.organizationId,
      revoked.id,
      origin('198.51.100.1'),
    );
    expect(revocation.ok).toBe(true);
    const expired = await keyFor(['applications:read']);
    await db.query(
      `UPDATE api_key SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second'
        WHERE id = $1`,
      [expired.id],
    );
    const ip = address();
    for (const key of [revoked, expired])
      expect((await refusal(key.token, 'applications:read', ip)).code).toBe('invalid_api_key');
    const [failures] = await db.query(`SELECT hits FROM rate_limit_hit WHERE key = $1`, [
      `api:auth-failed:${ip}`,
    ]);
    expect(failures.hits).toBe(2);
  });

  it('answers over HTTP with the same bodies: in the Accept-Language language (not the cookie’s), announced in Content-Language', async () => {
    const en = { 'Accept-Language': 'en', Cookie: 'guichet_lang=fr' };
    const wrong = await request(portal.url).get('/api/v1/services').set(en);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['content-language']).toBe('en');
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="guichet"');
    expect(Object.keys(wrong.body)).toEqual(['code', 'message', 'requestId']);
    expect(wrong.body).toEqual({
      code: 'invalid_api_key',
      message: portal.app.get(I18nService).t('en', 'api.errors.invalid_api_key'),
      requestId: expect.any(String),
    });
    // api:auth-failed=3/60 here: the fourth failure from this address is refused by address.
    for (let i = 0; i < 2; i++) await request(portal.url).get('/api/v1/services').set(en);
    const limited = await request(portal.url).get('/api/v1/services').set(en);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-language']).toBe('en');
    expect(limited.body).toEqual({
      code: 'rate_limited',
      message:
        'Too many requests without a valid API key from your address. Try again after the delay in the Retry-After header.',
      requestId: expect.any(String),
    });
  });
});
