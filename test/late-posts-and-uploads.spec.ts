import { randomUUID } from 'node:crypto';
import http from 'node:http';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { pdfOfSize, releaseService } from './support/applications.js';
import { createPerson, signedInAgent, PASSWORD } from './support/people.js';
import { ageSessions, csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

const MiB = 1024 * 1024;

/**
 * Starts a multipart post whose body announces `declaredBytes` but sends only
 * its beginning (the fields, then the start of a file), and resolves with the
 * answer: one that comes before the body is complete proves the file was never
 * read. On the old code, which read the whole body first, it never came.
 */
function partialMultipart(
  url: string,
  path: string,
  fields: Record<string, string>,
  { cookie, declaredBytes = 50 * MiB }: { cookie?: string; declaredBytes?: number } = {},
): Promise<{ status: number; setCookie: string[] | undefined; connection?: string }> {
  const boundary = '----guichet-test-boundary';
  const head = Buffer.concat([
    ...Object.entries(fields).map(([name, value]) =>
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    ),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="sitePlan"; filename="plan.pdf"\r\n` +
        `Content-Type: application/pdf\r\n\r\n`,
    ),
    pdfOfSize(64 * 1024),
  ]);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(declaredBytes),
        ...(cookie ? { Cookie: cookie } : {}),
      },
    });
    req.on('response', (res) => {
      resolve({
        status: res.statusCode!,
        setCookie: res.headers['set-cookie'],
        connection: res.headers.connection,
      });
      res.resume();
      req.destroy();
    });
    req.on('error', (error) => reject(error));
    req.write(head);
    // The rest of the body is never sent.
  });
}

async function start(agent: Agent): Promise<string> {
  const page = await agent.get('/services/building-permit/citizen');
  const res = await agent
    .post('/services/building-permit/citizen/start')
    .type('form')
    .send({ _csrf: csrfFrom(page.text) });
  expect(res.status).toBe(303);
  return res.headers.location as string;
}

const cookieOf = (agent: Agent, url: string) =>
  // supertest's agent keeps its cookies in a jar.
  (agent as unknown as { jar: { getCookies(a: unknown): { toValueString(): string }[] } }).jar
    .getCookies({ domain: new URL(url).hostname, path: '/', secure: false, script: false })
    .map((c) => c.toValueString())
    .join('; ');

describe('posts without a session, late posts, and upload limits', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp({
      UPLOAD_STEP_MAX_BYTES: String(1 * MiB),
      ACCOUNT_DRAFT_ATTACHMENTS_MAX_BYTES: String(1.5 * MiB),
    });
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
  });
  afterAll(() => portal.close());

  const sessionRows = async () =>
    Number((await db.query(`SELECT count(*)::int AS n FROM http_session`))[0].n);
  const attachmentRows = async (draft: string) =>
    Number(
      (
        await db.query(
          `SELECT count(*)::int AS n FROM application_attachment WHERE application_id = $1`,
          [draft.split('/').pop()],
        )
      )[0].n,
    );

  describe('a post with no session', () => {
    it('is refused (403), stores no session and sets no cookie, form or multipart', async () => {
      const before = await sessionRows();
      const path = `/applications/${randomUUID()}/steps/contractor`;
      const form = await request(portal.url)
        .post(path)
        .type('form')
        .send({ doneBy: 'contractor', contractorName: 'x'.repeat(20_000), again: ['a', 'b'] });
      expect(form.status).toBe(403);
      expect(form.headers['set-cookie']).toBeUndefined();
      const multipart = await request(portal.url)
        .post(path)
        .field('contractorName', 'Toitures Boréal inc.')
        .attach('sitePlan', pdfOfSize(4096), 'plan.pdf');
      expect(multipart.status).toBe(403);
      expect(multipart.headers['set-cookie']).toBeUndefined();
      expect(await sessionRows()).toBe(before);
    });

    it('is refused before its file is read: a large body is answered before it is sent', async () => {
      const before = await sessionRows();
      const res = await partialMultipart(
        portal.url,
        `/applications/${randomUUID()}/steps/documents`,
        {
          action: 'upload:sitePlan',
        },
      );
      expect(res.status).toBe(403);
      expect(res.connection).toBe('close');
      expect(res.setCookie).toBeUndefined();
      expect(await sessionRows()).toBe(before);
    });
  });

  describe('another site posting for a signed-in person', () => {
    it('cannot replace their session cookie nor sign them out', async () => {
      const person = await createPerson(db);
      const agent = await signedInAgent(portal.url, person.email);
      const draft = await start(agent);
      // SameSite=Lax: the browser sends no cookie with another site's post.
      const crossSite = await request(portal.url)
        .post(`${draft}/steps/contractor`)
        .set('Origin', 'https://evil.example')
        .type('form')
        .send({ doneBy: 'contractor', contractorName: 'Pirate' });
      expect(crossSite.status).toBe(403);
      expect(crossSite.headers['set-cookie']).toBeUndefined();
      // Even with the cookie but without the token, nothing is changed or kept.
      const noToken = await agent
        .post(`${draft}/steps/contractor`)
        .type('form')
        .send({ doneBy: 'contractor', contractorName: 'Pirate' });
      expect(noToken.status).toBe(403);
      // A token of the right length in accented letters: refused, not an error page.
      const form = await agent.get(`${draft}/steps/contractor`);
      const accented = await agent
        .post(`${draft}/steps/contractor`)
        .type('form')
        .send({ _csrf: 'é'.repeat(csrfFrom(form.text).length), contractorName: 'Pirate' });
      expect(accented.status).toBe(403);
      const page = await agent.get(`${draft}/steps/contractor`);
      expect(page.status).toBe(200);
      expect(page.text).not.toContain('Pirate');
    });

    it('refuses a multipart post with a wrong token before reading its file, and stores nothing', async () => {
      const person = await createPerson(db);
      const agent = await signedInAgent(portal.url, person.email);
      const draft = await start(agent);
      const res = await partialMultipart(
        portal.url,
        `${draft}/steps/documents`,
        { _csrf: 'not-the-token', action: 'upload:sitePlan' },
        { cookie: cookieOf(agent, portal.url) },
      );
      expect(res.status).toBe(403);
      expect(await attachmentRows(draft)).toBe(0);
      // Still signed in.
      expect((await agent.get(draft)).status).toBe(200);
    });
  });

  describe('a step posted after the session timed out', () => {
    async function timedOut() {
      const person = await createPerson(db);
      const agent = await signedInAgent(portal.url, person.email);
      const draft = await start(agent);
      const page = await agent.get(`${draft}/steps/contractor`);
      await ageSessions(db, person.id, { idleMinutes: portal.config.SESSION_IDLE_MINUTES + 1 });
      return { person, agent, draft, csrf: csrfFrom(page.text) };
    }

    const signIn = async (agent: Agent, email: string, returnTo: string) => {
      const page = await agent.get(`/sign-in?return=${encodeURIComponent(returnTo)}`);
      return agent
        .post('/sign-in')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email, password: PASSWORD, return: returnTo });
    };

    it('is signed out, and a post without its token keeps nothing', async () => {
      const { person, agent, draft } = await timedOut();
      expect((await agent.get(draft)).status).toBe(303);
      const res = await agent
        .post(`${draft}/steps/contractor`)
        .type('form')
        .send({ _csrf: 'forged', contractorName: 'Pirate' });
      expect(res.status).toBe(403);
      const [row] = await db.query(
        `SELECT sess FROM http_session WHERE sess->>'expiredAccountId' = $1`,
        [person.id],
      );
      expect(row.sess).not.toHaveProperty('pendingInput');
    });

    it('keeps the text, capped, never the files, and shows it only to the same account', async () => {
      const { person, agent, draft, csrf } = await timedOut();
      const res = await agent
        .post(`${draft}/steps/contractor`)
        .type('form')
        .send({
          _csrf: csrf,
          doneBy: 'contractor',
          contractorName: 'Toitures Boréal inc.',
          huge: 'x'.repeat(portal.config.SESSION_KEPT_INPUT_MAX_BYTES),
        });
      expect(res.status).toBe(303);
      const [row] = await db.query(
        `SELECT sess FROM http_session WHERE sess->>'expiredAccountId' = $1`,
        [person.id],
      );
      expect(row.sess.pendingInput.accountId).toBe(person.id);
      expect(row.sess.pendingInput.raw.contractorName).toBe('Toitures Boréal inc.');
      expect(row.sess.pendingInput.raw).not.toHaveProperty('huge');
      expect(row.sess).not.toHaveProperty('accountId');

      // Someone else signs in on the same browser: what was typed does not follow them.
      const other = await createPerson(db);
      expect((await signIn(agent, other.email, '/applications')).status).toBe(303);
      const [theirs] = await db.query(
        `SELECT sess FROM http_session WHERE sess->>'accountId' = $1`,
        [other.id],
      );
      expect(theirs.sess).not.toHaveProperty('pendingInput');
      expect(
        await db.query(`SELECT 1 FROM http_session WHERE sess::text LIKE '%Toitures Boréal%'`),
      ).toHaveLength(0);
    });

    it('with a multipart step, keeps the text and reads no file', async () => {
      const { person, agent, draft, csrf } = await timedOut();
      const res = await agent
        .post(`${draft}/steps/documents`)
        .field('_csrf', csrf)
        .field('action', 'upload:sitePlan')
        .field('contractorName', 'Toitures Boréal inc.')
        .attach('sitePlan', pdfOfSize(4096), 'plan.pdf');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(
        `/sign-in?return=${encodeURIComponent(`${draft}/steps/documents`)}`,
      );
      expect(await attachmentRows(draft)).toBe(0);
      expect((await signIn(agent, person.email, `${draft}/steps/documents`)).status).toBe(303);
      expect((await agent.get(`${draft}/steps/documents`)).text).toContain(
        'Votre session avait expiré',
      );
    });
  });

  it('ends a session SESSION_ABSOLUTE_HOURS after signing in, however busy', async () => {
    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email);
    expect((await agent.get('/applications')).status).toBe(200);
    await ageSessions(db, person.id, {
      idleMinutes: 1,
      signedInHoursAgo: portal.config.SESSION_ABSOLUTE_HOURS + 1,
    });
    const res = await agent.get('/applications');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/sign-in?return=%2Fapplications');
  });

  describe('upload limits, from the configuration', () => {
    it('answers a file over UPLOAD_STEP_MAX_BYTES with the step’s field message (422)', async () => {
      const person = await createPerson(db);
      const agent = await signedInAgent(portal.url, person.email);
      const draft = await start(agent);
      const page = await agent.get(`${draft}/steps/documents`);
      const res = await agent
        .post(`${draft}/steps/documents`)
        .field('_csrf', csrfFrom(page.text))
        .field('action', 'upload:sitePlan')
        .attach('sitePlan', pdfOfSize(1.2 * MiB), 'plan.pdf');
      expect(res.status).toBe(422);
      expect(res.text).toContain('Le fichier doit faire 1 Mo ou moins');
      expect(await attachmentRows(draft)).toBe(0);
    });

    it('answers a file over the account’s quota over its drafts with the field message (422)', async () => {
      const person = await createPerson(db);
      const agent = await signedInAgent(portal.url, person.email);
      const upload = async (draft: string) => {
        const page = await agent.get(`${draft}/steps/documents`);
        return agent
          .post(`${draft}/steps/documents`)
          .field('_csrf', csrfFrom(page.text))
          .field('action', 'upload:sitePlan')
          .attach('sitePlan', pdfOfSize(0.9 * MiB), 'plan.pdf');
      };
      const first = await start(agent);
      expect((await upload(first)).status).toBe(200);
      const second = await start(agent);
      const refused = await upload(second);
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('Vos brouillons ne peuvent contenir plus de 1,5 Mo');
      expect(await attachmentRows(second)).toBe(0);
    });
  });
});
