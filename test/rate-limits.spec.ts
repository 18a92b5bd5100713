import request from 'supertest';
import { DataSource } from 'typeorm';
import { PASSWORD, createPerson, signedInAgent, smeMember } from './support/people.js';
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

  it('slows a client address after 20 wrong passwords (whatever the emails), then says when to retry', async () => {
    const { statuses, last } = await postMany('/sign-in', '192.0.2.10', 22, (i) => ({
      email: `nobody${i}@exemple.ca`,
      password: 'wrong password',
    }));
    expect(statuses.slice(0, 20).every((s) => s === 422)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(last.text).toMatch(/Trop de tentatives. Réessayez dans \d+ minutes?/);
  });

  it('allows 30 sign-in attempts per address in 15 minutes from browsers not known there, right or wrong', async () => {
    const db = portal.app.get(DataSource);
    const person = await createPerson(db);
    // A new browser each time: none is known for the account.
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 31; i++) {
      last = (
        await postMany('/sign-in', '192.0.2.40', 1, () => ({
          email: person.email,
          password: PASSWORD,
        }))
      ).last;
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 303)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('caps a burst of parallel attempts on one email address from many client addresses at 30', async () => {
    const attempt = async (i: number) =>
      (
        await postMany('/sign-in', `203.0.113.${i + 1}`, 1, () => ({
          email: 'burst-target@exemple.ca',
          password: `wrong password ${i}`,
        }))
      ).statuses[0];
    const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(i)));
    expect(statuses.filter((s) => s === 422).length).toBeLessThanOrEqual(30);
    expect(statuses.filter((s) => s !== 422).every((s) => s === 429)).toBe(true);
  });

  it('lets a person in from their known browser at an address strangers have slowed down', async () => {
    const db = portal.app.get(DataSource);
    const person = await createPerson(db);
    const ownBrowser = await signedInAgent(portal.url, person.email, 'fr', '192.0.2.12');
    await postMany('/sign-in', '192.0.2.12', 21, (i) => ({
      email: `stranger${i}@exemple.ca`,
      password: 'wrong password',
    }));
    const stranger = await postMany('/sign-in', '192.0.2.12', 1, () => ({
      email: person.email,
      password: PASSWORD,
    }));
    expect(stranger.statuses).toEqual([429]);
    const csrf = csrfFrom(
      (await ownBrowser.get('/sign-in').set('X-Forwarded-For', '192.0.2.12')).text,
    );
    const owner = await ownBrowser
      .post('/sign-in')
      .set('X-Forwarded-For', '192.0.2.12')
      .type('form')
      .send({ _csrf: csrf, email: person.email, password: PASSWORD, return: '/account' });
    expect(owner.status).toBe(303);
  });

  it('allows 20 new passwords per address in an hour with reset links, refusing bad links first', async () => {
    const { statuses, last } = await postMany('/password-reset/choose', '192.0.2.30', 21, () => ({
      token: 'not-a-real-token-but-the-right-shape-0123456789',
      password: 'un nouveau mot de passe solide',
    }));
    expect(statuses.slice(0, 20).every((s) => s === 410)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
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

  it("allows an SME's owner 10 pilot volunteer requests in an hour, then shows the pilot page again with 429", async () => {
    const db = portal.app.get(DataSource);
    const { agent } = await smeMember(portal.url, db, { legalName: 'Quincaillerie du Rang inc.' });
    const csrf = csrfFrom((await agent.get('/pilot')).text);
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 11; i++) {
      last = await agent
        .post('/pilot/volunteer')
        .type('form')
        .send({ _csrf: csrf, message: `Demande ${i}`, terms: 'accepted' });
      statuses.push(last.status);
    }
    // One request is kept; the next ones are refused as pending, and still count.
    expect(statuses).toEqual([303, 422, 422, 422, 422, 422, 422, 422, 422, 422, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.text).toMatch(/Trop de tentatives. Réessayez dans \d+ minutes?/);
    expect(last!.text).toContain('volunteer-pending');
  });
});
