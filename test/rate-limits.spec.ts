import request from 'supertest';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

/**
 * Rate limits on authentication, counted in PostgreSQL (so every portal instance
 * sees the same count). Each test comes from its own documentation-range address.
 */
describe('rate limits', () => {
  let portal: TestApp;

  beforeAll(async () => {
    portal = await startTestApp({ TRUST_PROXY: 'loopback' });
  });
  afterAll(() => portal.close());

  async function postMany(
    path: string,
    ip: string,
    times: number,
    fields: (i: number) => Record<string, string>,
  ) {
    const agent = request.agent(portal.url);
    const csrf = csrfFrom((await agent.get(path).set('X-Forwarded-For', ip)).text);
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < times; i++) {
      last = await agent
        .post(path)
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ _csrf: csrf, ...fields(i) });
      statuses.push(last.status);
    }
    return { statuses, last: last! };
  }

  it('allows 30 sign-in attempts per address in 15 minutes, then says when to retry', async () => {
    const { statuses, last } = await postMany('/sign-in', '192.0.2.10', 31, (i) => ({
      email: `nobody${i}@exemple.ca`,
      password: 'wrong password',
    }));
    expect(statuses.slice(0, 30).every((s) => s === 422)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(last.text).toMatch(/Trop de tentatives. Réessayez dans \d+ minutes/);
  });

  it('allows 20 registrations per address in an hour', async () => {
    const { statuses } = await postMany('/register', '192.0.2.11', 21, () => ({ displayName: '' }));
    expect(statuses.slice(0, 20).every((s) => s === 422)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it('allows 3 password-reset requests per email address in an hour, whatever the address of the sender', async () => {
    const ask = (ip: string) =>
      postMany('/password-reset', ip, 1, () => ({ email: 'someone@exemple.ca' })).then(
        (r) => r.statuses[0],
      );
    expect([await ask('192.0.2.20'), await ask('192.0.2.21'), await ask('192.0.2.22')]).toEqual([
      303, 303, 303,
    ]);
    expect(await ask('192.0.2.23')).toBe(429);
  });
});
