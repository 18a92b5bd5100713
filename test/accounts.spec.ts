import request from 'supertest';
import { DataSource } from 'typeorm';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

const unique = () =>
  `person-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@exemple.ca`;
const GOOD_PASSWORD = 'trois pommes vertes au marché';

describe('accounts: registration, confirmation, signing in and out', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
  });
  afterAll(() => portal.close());

  /** Opens a form page with a fresh agent and returns the agent and the page's CSRF token. */
  async function formAgent(path: string, lang = 'fr') {
    const agent = request.agent(portal.url);
    const page = await agent.get(path).set('Cookie', `guichet_lang=${lang}`);
    expect(page.status).toBe(200);
    return { agent, csrf: csrfFrom(page.text) };
  }

  async function register(email: string, password = GOOD_PASSWORD) {
    const { agent, csrf } = await formAgent('/register');
    return agent
      .post('/register')
      .type('form')
      .send({ _csrf: csrf, displayName: 'Marie Tremblay', email, password, preferredLocale: 'fr' });
  }

  async function confirmFromEmail(email: string) {
    await eventually(async () => (await mailFor(email)).length > 0, 5000);
    const [message] = await mailFor(email);
    const link = /(http:\/\/\S+\/account\/confirm-email\?token=\S+)/.exec(message.text)![1];
    const { agent, csrf } = await formAgent(new URL(link).pathname + new URL(link).search);
    const token = new URL(link).searchParams.get('token')!;
    return agent.post('/account/confirm-email').type('form').send({ _csrf: csrf, token });
  }

  async function signIn(email: string, password: string) {
    const { agent, csrf } = await formAgent('/sign-in');
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ _csrf: csrf, email, password, return: '/account' });
    return { agent, res };
  }

  it('refuses a form sent without its CSRF token with a clear 403 page', async () => {
    const res = await request(portal.url)
      .post('/register')
      .type('form')
      .send({ displayName: 'X', email: unique(), password: GOOD_PASSWORD, preferredLocale: 'fr' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Cette page a expiré');
    expect(await db.query(`SELECT count(*)::int AS n FROM account`)).toEqual([{ n: 0 }]);
  });

  it('re-renders registration with 422, a summary in field order, messages beside fields, and what was typed', async () => {
    const { agent, csrf } = await formAgent('/register', 'en');
    const res = await agent.post('/register').set('Cookie', 'guichet_lang=en').type('form').send({
      _csrf: csrf,
      displayName: '',
      email: 'not-an-email',
      password: 'secret-typed',
      preferredLocale: '',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('<title>Error: Create an account');
    const start = res.text.indexOf('govuk-error-summary__list');
    const summary = res.text.slice(start, res.text.indexOf('</ul>', start));
    expect([...summary.matchAll(/href="#(\w+)"/g)].map((m) => m[1])).toEqual([
      'displayName',
      'email',
      'preferredLocale',
    ]);
    expect(res.text).toContain('Enter your full name');
    expect(res.text).toContain(
      'Enter an email address in the correct format, like name@example.ca',
    );
    expect(res.text).toContain('id="email-error"');
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).not.toContain('secret-typed');
  });

  it('refuses short and common passwords, saying why', async () => {
    const short = await register(unique(), 'court');
    expect(short.status).toBe(422);
    expect(short.text).toContain('Le mot de passe doit compter au moins 10 caractères');
    const common = await register(unique(), 'password123');
    expect(common.status).toBe(422);
    expect(common.text).toContain('Ce mot de passe est trop courant');
  });

  it('registers, hashes with argon2id, audits, emails a link that confirms the address once', async () => {
    const email = unique();
    const res = await register(email);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/register/check-email');

    const [account] = await db.query(
      `SELECT id, password_hash, email_confirmed_at FROM account WHERE email = $1`,
      [email],
    );
    expect(account.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(account.password_hash.split('$')[3].split(',').sort()).toEqual([
      'm=19456',
      'p=1',
      't=2',
    ]);
    expect(account.email_confirmed_at).toBeNull();
    const [event] = await db.query(
      `SELECT action, actor_type, actor_id, ip FROM audit_event WHERE entity_id = $1`,
      [account.id],
    );
    expect(event).toEqual({
      action: 'account.registered',
      actor_type: 'person',
      actor_id: account.id,
      ip: expect.any(String),
    });

    const confirmed = await confirmFromEmail(email);
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Votre adresse courriel est confirmée');
    const [after] = await db.query(`SELECT email_confirmed_at FROM account WHERE id = $1`, [
      account.id,
    ]);
    expect(after.email_confirmed_at).toBeInstanceOf(Date);

    // The same link again: used.
    const [message] = await mailFor(email);
    const token = /token=(\S+)/.exec(message.text)![1];
    const { agent, csrf } = await formAgent(`/account/confirm-email?token=${token}`);
    const again = await agent
      .post('/account/confirm-email')
      .type('form')
      .send({ _csrf: csrf, token });
    expect(again.status).toBe(410);
  });

  it('answers a registration for an address that has an account exactly like a new one, and tells the owner by email', async () => {
    const email = unique();
    await register(email);
    const second = await register(email.toUpperCase());
    expect(second.status).toBe(303);
    expect(second.headers.location).toBe('/register/check-email');
    await eventually(async () => (await mailFor(email)).length === 2, 5000);
    expect((await mailFor(email)).map((m) => m.subject)).toContain('Votre compte Guichet');
    expect(
      await db.query(`SELECT count(*)::int AS n FROM account WHERE lower(email) = lower($1)`, [
        email,
      ]),
    ).toEqual([{ n: 1 }]);
  });

  it('gives the same message for a wrong password and an unknown email', async () => {
    const email = unique();
    await register(email);
    await confirmFromEmail(email);
    const wrong = await signIn(email, 'not the right password');
    const unknown = await signIn(unique(), 'not the right password');
    for (const { res } of [wrong, unknown]) {
      expect(res.status).toBe(422);
      expect(res.text).toContain('L’adresse courriel ou le mot de passe est incorrect');
    }
  });

  it('asks to confirm the address before signing in, and sends a new link', async () => {
    const email = unique();
    await register(email);
    await eventually(async () => (await mailFor(email)).length === 1, 5000);
    const { res } = await signIn(email, GOOD_PASSWORD);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Confirmez d’abord votre adresse courriel');
    await eventually(async () => (await mailFor(email)).length === 2, 5000);
  });

  it('signs in with a new session id kept in PostgreSQL, and signs out destroying it', async () => {
    const email = unique();
    await register(email);
    await confirmFromEmail(email);

    const { agent, csrf } = await formAgent('/sign-in');
    const before = await db.query(`SELECT sid FROM http_session`);
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ _csrf: csrf, email, password: GOOD_PASSWORD, return: '/account' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    const cookie = res.headers['set-cookie'][0];
    expect(cookie).toMatch(/^guichet_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const sid = /^guichet_session=s:([^.]+)\./.exec(decodeURIComponent(cookie))![1];
    expect(before.map((r: { sid: string }) => r.sid)).not.toContain(sid);
    const [stored] = await db.query(`SELECT sess FROM http_session WHERE sid = $1`, [sid]);
    expect(stored.sess.accountId).toEqual(expect.any(String));

    const page = await agent.get('/account');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Marie Tremblay');
    expect(page.text).toContain(email);

    const signOut = await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) });
    expect(signOut.status).toBe(303);
    expect(await db.query(`SELECT sid FROM http_session WHERE sid = $1`, [sid])).toEqual([]);
    const after = await agent.get('/account');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/sign-in?return=%2Faccount');
    const actions = await db.query(
      `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [stored.sess.accountId],
    );
    expect(actions.map((a: { action: string }) => a.action)).toEqual([
      'account.registered',
      'account.email_confirmed',
      'account.signed_in',
      'account.signed_out',
    ]);
  });

  it('locks an account for 15 minutes after 5 failed sign-ins, saying when to retry, even with the right password', async () => {
    const email = unique();
    await register(email);
    await confirmFromEmail(email);
    for (let i = 0; i < 4; i++)
      expect((await signIn(email, `wrong password ${i}`)).res.status).toBe(422);
    const fifth = await signIn(email, 'wrong password 5');
    expect(fifth.res.text).toContain('Trop de tentatives de connexion. Réessayez dans 15 minutes');
    const right = await signIn(email, GOOD_PASSWORD);
    expect(right.res.status).toBe(422);
    expect(right.res.text).toMatch(/Réessayez dans 1[45] minutes/);
    const [locked] = await db.query(
      `SELECT a.action FROM audit_event a JOIN account c ON c.id::text = a.entity_id WHERE c.email = $1 AND a.action = 'account.locked'`,
      [email],
    );
    expect(locked).toEqual({ action: 'account.locked' });
  });

  it('resets a forgotten password by email, signing out every session, without revealing unknown addresses', async () => {
    const email = unique();
    await register(email);
    await confirmFromEmail(email);
    const { agent: signedIn } = await signIn(email, GOOD_PASSWORD);
    expect((await signedIn.get('/account')).status).toBe(200);

    const ask = async (address: string) => {
      const { agent, csrf } = await formAgent('/password-reset');
      return agent.post('/password-reset').type('form').send({ _csrf: csrf, email: address });
    };
    const nobody = unique();
    for (const res of [await ask(email), await ask(nobody)]) {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/password-reset/check-email');
    }
    await eventually(
      async () => (await mailFor(email)).some((m) => m.subject.startsWith('Réinitialiser')),
      5000,
    );
    expect(await mailFor(nobody)).toEqual([]);

    const resetMail = (await mailFor(email)).find((m) => m.subject.startsWith('Réinitialiser'))!;
    const token = /choose\?token=(\S+)/.exec(resetMail.text)![1];
    const { agent, csrf } = await formAgent(`/password-reset/choose?token=${token}`);
    const weak = await agent
      .post('/password-reset/choose')
      .type('form')
      .send({ _csrf: csrf, token, password: 'password123' });
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('Ce mot de passe est trop courant');

    const newPassword = 'un nouveau mot de passe solide';
    const done = await agent
      .post('/password-reset/choose')
      .type('form')
      .send({ _csrf: csrf, token, password: newPassword });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Votre mot de passe a été changé');
    expect((await signedIn.get('/account')).status).toBe(303);
    expect((await signIn(email, GOOD_PASSWORD)).res.status).toBe(422);
    expect((await signIn(email, newPassword)).res.status).toBe(303);

    const again = await agent
      .post('/password-reset/choose')
      .type('form')
      .send({ _csrf: csrf, token, password: 'encore un autre mot de passe' });
    expect(again.status).toBe(410);
    await eventually(
      async () =>
        (await mailFor(email)).some((m) => m.subject.startsWith('Votre mot de passe a été changé')),
      5000,
    );
  });

  it('changes the name and language, audited with before and after', async () => {
    const email = unique();
    await register(email);
    await confirmFromEmail(email);
    const { agent } = await signIn(email, GOOD_PASSWORD);
    const form = await agent.get('/account/profile');
    expect(form.text).toContain('value="Marie Tremblay"');
    const bad = await agent
      .post('/account/profile')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), displayName: ' ', preferredLocale: 'fr' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Entrez votre nom complet');
    const ok = await agent
      .post('/account/profile')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        displayName: 'Marie Tremblay-Roy',
        preferredLocale: 'en',
      });
    expect(ok.status).toBe(303);
    const page = await agent.get('/account?saved=1');
    expect(page.text).toContain('Marie Tremblay-Roy');
    expect(page.text).toContain('Vos renseignements ont été enregistrés.');
    const [event] = await db.query(
      `SELECT before, after FROM audit_event WHERE action = 'account.profile_updated' AND entity_id =
         (SELECT id::text FROM account WHERE email = $1)`,
      [email],
    );
    expect(event).toEqual({
      before: { displayName: 'Marie Tremblay', preferredLocale: 'fr' },
      after: { displayName: 'Marie Tremblay-Roy', preferredLocale: 'en' },
    });
  });

  it('closes an account with its password: anonymised, signed out, the address free again', async () => {
    const email = unique();
    await register(email);
    await confirmFromEmail(email);
    const { agent } = await signIn(email, GOOD_PASSWORD);
    const [{ id }] = await db.query(`SELECT id FROM account WHERE email = $1`, [email]);
    const form = await agent.get('/account/close');
    const wrong = await agent
      .post('/account/close')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: 'pas le bon' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Le mot de passe est incorrect');

    const closed = await agent
      .post('/account/close')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), password: GOOD_PASSWORD });
    expect(closed.status).toBe(303);
    expect(closed.headers.location).toBe('/account/closed');
    const [row] = await db.query(
      `SELECT email, display_name, closed_at FROM account WHERE id = $1`,
      [id],
    );
    expect(row.email).toBe(`closed+${id}@closed.invalid`);
    expect(row.display_name).toBe('');
    expect(row.closed_at).toBeInstanceOf(Date);
    expect(
      await db.query(`SELECT sid FROM http_session WHERE sess->>'accountId' = $1`, [id]),
    ).toEqual([]);
    expect((await agent.get('/account')).status).toBe(303);
    expect((await signIn(email, GOOD_PASSWORD)).res.status).toBe(422);
    const [event] = await db.query(
      `SELECT before, after FROM audit_event WHERE action = 'account.closed' AND entity_id = $1`,
      [id],
    );
    expect(event).toEqual({ before: null, after: null });
    expect((await register(email)).status).toBe(303);
    expect(
      await db.query(`SELECT count(*)::int AS n FROM account WHERE email = $1`, [email]),
    ).toEqual([{ n: 1 }]);
  });
});
