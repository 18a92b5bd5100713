// Sessions and identities kept in memory for at most a second (ADR 0037): what
// takes them away — signing out, a new password, closing the account, a staff
// role or an SME membership removed — stops working on the next requests, on
// this instance and on a second one sharing the database, within about a
// second (each wait is bounded; no timing is asserted).
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.js';
import { CHANGE_FEED_APPLICATION, ChangeFeed } from '../src/platform/database/change-feed.js';
import { endSessions } from '../src/platform/http/sessions.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { createPerson, PASSWORD, signedInAgent, smeMember } from './support/people.js';
import {
  adminQuery,
  csrfFrom,
  databaseUrl,
  eventually,
  startTestApp,
  testConfig,
  type TestApp,
} from './support/test-app.js';

const CACHED = { SESSION_CACHE_MS: '1000' };
/** Bounded: the second is the promise; the rest is slack for a loaded machine. */
const WITHIN_MS = 3000;

let one: TestApp;
let two: NestExpressApplication;
let twoUrl: string;
let db: DataSource;

beforeAll(async () => {
  one = await startTestApp(CACHED);
  db = one.app.get(DataSource);
  const config = testConfig({ ...CACHED, DATABASE_URL: databaseUrl(one.database) });
  two = await createApp(config, { logger: new JsonLogger('error'), skipBootTasks: true });
  await two.listen(0, '127.0.0.1');
  twoUrl = `http://127.0.0.1:${(two.getHttpServer().address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await two?.close();
  await one?.close();
});

/** The session cookie an agent holds (to replay it on the other instance). */
async function cookieOf(agent: ReturnType<typeof request.agent>): Promise<string> {
  const jar = (
    agent as unknown as {
      jar: { getCookie(n: string, a: object): { toValueString(): string } | undefined };
    }
  ).jar;
  for (const url of [one.url, twoUrl]) {
    const cookie = jar.getCookie('guichet_session', {
      domain: new URL(url).hostname,
      path: '/',
      secure: false,
      script: false,
    });
    if (cookie) return cookie.toValueString();
  }
  throw new Error('no session cookie');
}

const accountPage = (url: string, cookie: string) =>
  request(url).get('/account').set('Cookie', cookie).redirects(0);

/** Asks both instances (each has the session in memory first) until neither lets it in. */
async function refusedOnBoth(cookie: string, signedIn: (res: request.Response) => boolean) {
  for (const url of [one.url, twoUrl]) {
    await eventually(async () => !signedIn(await accountPage(url, cookie)), WITHIN_MS);
  }
}

const isSignedIn = (res: request.Response) => res.status === 200;

async function postWithCsrf(
  agent: ReturnType<typeof request.agent>,
  page: string,
  path: string,
  fields: Record<string, string>,
) {
  const csrf = csrfFrom((await agent.get(page)).text);
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: csrf, ...fields });
}

describe('a session kept in memory on two instances', () => {
  it('is signed out everywhere once the person signs out', async () => {
    const person = await createPerson(db);
    const agent = await signedInAgent(one.url, person.email);
    const cookie = await cookieOf(agent);
    expect((await agent.get('/account')).status).toBe(200);
    expect((await accountPage(twoUrl, cookie)).status).toBe(200);
    expect((await accountPage(one.url, cookie)).status).toBe(200);

    expect((await postWithCsrf(agent, '/account', '/sign-out', {})).status).toBe(303);

    // This instance forgot it as it signed out; the other hears it from the database.
    expect((await accountPage(one.url, cookie)).status).not.toBe(200);
    await refusedOnBoth(cookie, isSignedIn);
  });

  it('ends the other sessions when the password changes, and keeps the one that changed it', async () => {
    const person = await createPerson(db);
    const changer = await signedInAgent(one.url, person.email);
    const other = await cookieOf(await signedInAgent(twoUrl, person.email));
    expect((await accountPage(one.url, other)).status).toBe(200);
    expect((await accountPage(twoUrl, other)).status).toBe(200);

    const res = await postWithCsrf(changer, '/account/password', '/account/password', {
      currentPassword: PASSWORD,
      newPassword: 'quatre poires jaunes au comptoir',
    });
    expect(res.status).toBe(303);

    await refusedOnBoth(other, isSignedIn);
    expect((await changer.get('/account')).status).toBe(200);
  });

  it('signs a closed account out everywhere', async () => {
    const person = await createPerson(db);
    const agent = await signedInAgent(one.url, person.email);
    const elsewhere = await cookieOf(await signedInAgent(one.url, person.email));
    expect((await accountPage(twoUrl, elsewhere)).status).toBe(200);

    const res = await postWithCsrf(agent, '/account/close', '/account/close', {
      password: PASSWORD,
    });
    expect(res.status).toBe(303);

    await refusedOnBoth(elsewhere, isSignedIn);
  });

  it('takes a removed staff role away from both instances', async () => {
    const person = await createPerson(db);
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [person.id]);
    const cookie = await cookieOf(await signedInAgent(one.url, person.email));
    const staffLink = async (url: string) =>
      (await request(url).get('/').set('Cookie', cookie)).text.includes('href="/staff"');
    expect(await staffLink(one.url)).toBe(true);
    expect(await staffLink(twoUrl)).toBe(true);

    await db.query(`DELETE FROM staff_member WHERE account_id = $1`, [person.id]);

    for (const url of [one.url, twoUrl]) {
      await eventually(async () => !(await staffLink(url)), WITHIN_MS);
      expect((await request(url).get('/staff').set('Cookie', cookie)).status).toBe(404);
    }
  });

  it('stops acting for an SME the person no longer belongs to', async () => {
    const member = await smeMember(one.url, db, { legalName: 'Quincaillerie Cache inc.' });
    const actsForSme = async (url: string) =>
      (await request(url).get('/').set('Cookie', member.cookie)).text.includes(
        'Quincaillerie Cache inc.',
      );
    expect(await actsForSme(one.url)).toBe(true);
    expect(await actsForSme(twoUrl)).toBe(true);

    await db.query(
      `DELETE FROM organization_membership WHERE organization_id = $1 AND account_id = $2`,
      [member.organizationId, member.accountId],
    );

    for (const url of [one.url, twoUrl])
      await eventually(async () => !(await actsForSme(url)), WITHIN_MS);
  });

  it('follows a switch of who the person acts for made on the other instance', async () => {
    const member = await smeMember(one.url, db, { legalName: 'Fromagerie Bascule inc.' });
    const actsForSme = async (url: string) =>
      (await request(url).get('/').set('Cookie', member.cookie)).text.includes(
        'Fromagerie Bascule inc.',
      );
    expect(await actsForSme(twoUrl)).toBe(true);

    const page = await request(one.url).get('/acting-as').set('Cookie', member.cookie);
    const res = await request(one.url)
      .post('/acting-as')
      .set('Cookie', member.cookie)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), actingAs: 'myself', return: '/' });
    expect(res.status).toBe(303);

    await eventually(async () => !(await actsForSme(twoUrl)), WITHIN_MS);
  });

  /** The session id inside a `guichet_session=s:<sid>.<signature>` cookie. */
  const sidOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0];
  /**
   * What the session store does when a request that changed its session ends
   * (connect-pg-simple's `set`, word for word): an upsert of the whole row.
   */
  const saveAsTheStoreDoes = (
    client: { query(sql: string, parameters: unknown[]): Promise<unknown> },
    row: { sid: string; sess: unknown; expire: Date },
  ) =>
    client.query(
      `INSERT INTO "http_session" (sess, expire, sid) SELECT $1, to_timestamp($2), $3
       ON CONFLICT (sid) DO UPDATE SET sess=$1, expire=to_timestamp($2) RETURNING sid`,
      [row.sess, row.expire.getTime() / 1000, row.sid],
    );
  const sessionRow = async (sid: string) =>
    (
      await db.query<{ sid: string; sess: unknown; expire: Date }[]>(
        `SELECT sid, sess, expire FROM http_session WHERE sid = $1`,
        [sid],
      )
    )[0];

  it('stays signed out when a request under way saves the session after it was ended', async () => {
    const person = await createPerson(db);
    const cookie = await cookieOf(await signedInAgent(one.url, person.email));
    const row = await sessionRow(sidOf(cookie));
    expect(row).toBeDefined();

    // Ended (a closed account, a new password elsewhere), then the request
    // that had read it before ends and saves it.
    await endSessions(db, person.id);
    await saveAsTheStoreDoes(db, row);

    expect(await sessionRow(row.sid)).toBeUndefined();
    await refusedOnBoth(cookie, isSignedIn);
  });

  it('stays signed out when the save waited for the row while it was being ended', async () => {
    const person = await createPerson(db);
    const cookie = await cookieOf(await signedInAgent(one.url, person.email));
    const row = await sessionRow(sidOf(cookie));
    const ending = db.createQueryRunner();
    await ending.connect();
    const saving = db.createQueryRunner();
    await saving.connect();
    try {
      await ending.startTransaction();
      await endSessions(ending.manager, person.id);
      // The save finds the row still there, locked: it waits for the end to commit.
      const saved = saveAsTheStoreDoes(saving, row);
      await eventually(async () => {
        const [{ waiting }] = await db.query<{ waiting: number }[]>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE 'INSERT INTO "http_session"%'`,
        );
        return waiting === 1;
      }, WITHIN_MS);
      await ending.commitTransaction();
      await saved;
    } finally {
      await ending.release();
      await saving.release();
    }

    expect(await sessionRow(row.sid)).toBeUndefined();
    await refusedOnBoth(cookie, isSignedIn);
  });

  it('listens again after its connection is cut (a database restart), and revocation still reaches both', async () => {
    const feeds = [one.app.get(ChangeFeed), two.get(ChangeFeed)];
    expect(feeds.map((f) => f.listening)).toEqual([true, true]);
    const cut = await adminQuery(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND application_name = $2`,
      [one.database, CHANGE_FEED_APPLICATION],
    );
    expect(cut.rowCount).toBe(2);
    // Backoff from 100 ms: bounded, well under the wait.
    await eventually(async () => feeds.every((f) => f.listening), 10_000);

    const person = await createPerson(db);
    const agent = await signedInAgent(one.url, person.email);
    const cookie = await cookieOf(agent);
    expect((await accountPage(twoUrl, cookie)).status).toBe(200);
    expect((await postWithCsrf(agent, '/account', '/sign-out', {})).status).toBe(303);
    await refusedOnBoth(cookie, isSignedIn);
  });
});
