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
    // Every request here comes from 127.0.0.1: the per-address limits have
    // their own tests (rate-limits.spec.ts), with an address per test.
    portal = await startTestApp({
      RATE_LIMITS: 'sign-in:ip=10000/900,register:ip=10000/3600',
      SIGN_IN_FREE_FAILURES_PER_ADDRESS: '10000',
    });
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

  async function signIn(
    email: string,
    password: string,
    existing?: ReturnType<typeof request.agent>,
  ) {
    const agent = existing ?? request.agent(portal.url);
    const csrf = csrfFrom((await agent.get('/sign-in')).text);
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ _csrf: csrf, email, password, return: '/account' });
    return { agent, res };
  }

  /** The message beside a form's field, as a person reads it. */
  const fieldMessage = (html: string, field = 'email') =>
    new RegExp(`id="${field}-error"[^>]*>\\s*<span[^>]*>[^<]*</span>\\s*([^<]*?)\\s*</p>`).exec(
      html,
    )?.[1];

  async function confirmedPerson() {
    const email = unique();
    await register(email);
    await confirmFromEmail(email);
    const [{ id }] = await db.query(`SELECT id FROM account WHERE email = $1`, [email]);
    return { email, id: id as string };
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
    const cookie = ([] as string[])
      .concat(res.headers['set-cookie'])
      .find((c) => c.startsWith('guichet_session='))!;
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

  it('slows strangers after 5 wrong passwords, but lets the owner in from a browser where they signed in before', async () => {
    const { email, id } = await confirmedPerson();
    // The owner signed in once on their own browser: it is now known for the account.
    const { agent: ownBrowser, res: first } = await signIn(email, GOOD_PASSWORD);
    expect(first.status).toBe(303);
    expect(String(first.headers['set-cookie'])).toMatch(
      /guichet_device=[^;]+; Max-Age=15552000; Path=\/sign-in; Expires=[^;]+; HttpOnly; SameSite=Lax/,
    );

    // Someone else tries passwords from elsewhere.
    for (let i = 0; i < 5; i++) {
      const { res } = await signIn(email, `wrong password ${i}`);
      expect(res.status).toBe(422);
      expect(fieldMessage(res.text)).toBe('L’adresse courriel ou le mot de passe est incorrect');
    }
    // Now a stranger waits, even with the right password: the attacker cannot tell.
    const stranger = await signIn(email, GOOD_PASSWORD);
    expect(stranger.res.status).toBe(429);
    expect(Number(stranger.res.headers['retry-after'])).toBeGreaterThan(0);
    expect(fieldMessage(stranger.res.text)).toMatch(
      /^Trop de tentatives. Réessayez dans \d+ minutes?$/,
    );

    // The owner, on their own browser, is not held back.
    const owner = await signIn(email, GOOD_PASSWORD, ownBrowser);
    expect(owner.res.status).toBe(303);
    expect((await ownBrowser.get('/account')).status).toBe(200);
    // A forged cookie is only a stranger's.
    const forger = request.agent(portal.url);
    const forged = /guichet_device=([^;]+)/.exec(String(first.headers['set-cookie']))![1];
    (
      forger as unknown as { jar: { setCookie(cookie: string, domain: string): void } }
    ).jar.setCookie(
      `guichet_device=${forged.slice(0, -2)}xx; Path=/sign-in`,
      new URL(portal.url).hostname,
    );
    expect((await signIn(email, GOOD_PASSWORD, forger)).res.status).toBe(429);

    const events = await db.query(
      `SELECT action FROM audit_event WHERE entity_id = $1 ORDER BY id`,
      [id],
    );
    expect(events.map((e: { action: string }) => e.action)).toContain('account.sign_in_throttled');
  });

  it('answers an email without an account exactly like one with an account, wrong password after wrong password', async () => {
    const { email } = await confirmedPerson();
    const nobody = unique();
    const answers = async (address: string) => {
      const seen: [number, string | undefined][] = [];
      for (let i = 0; i < 7; i++) {
        const { res } = await signIn(address, `wrong password ${i}`);
        seen.push([res.status, fieldMessage(res.text)?.replace(/\d+/, 'N')]);
      }
      return seen;
    };
    const real = await answers(email);
    expect(real.map(([status]) => status)).toEqual([422, 422, 422, 422, 422, 429, 429]);
    expect(await answers(nobody)).toEqual(real);
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

  /** Asks for a reset link and returns the token it carries (the newest such email). */
  async function resetToken(email: string) {
    const { agent, csrf } = await formAgent('/password-reset');
    const before = (await mailFor(email)).length;
    expect(
      (await agent.post('/password-reset').type('form').send({ _csrf: csrf, email })).status,
    ).toBe(303);
    await eventually(async () => (await mailFor(email)).length > before, 5000);
    const mails = (await mailFor(email)).filter((m) => m.subject.startsWith('Réinitialiser'));
    return /choose\?token=(\S+)/.exec(mails[mails.length - 1].text)![1];
  }

  async function choose(token: string, password: string) {
    const { agent, csrf } = await formAgent(`/password-reset/choose?token=${token}`);
    return agent.post('/password-reset/choose').type('form').send({ _csrf: csrf, token, password });
  }

  it('checks the reset link before the new password, so a bad link is refused before any password work', async () => {
    const { email } = await confirmedPerson();
    const token = await resetToken(email);
    const forged = `${token.slice(0, -4)}AAAA`;
    // A weak password with a bad link: the link is what is wrong.
    expect((await choose(forged, 'password123')).status).toBe(410);
    expect((await choose(forged, 'un nouveau mot de passe solide')).status).toBe(410);
    expect((await choose('short', 'un nouveau mot de passe solide')).status).toBe(410);
    // The real link still works.
    const weak = await choose(token, 'password123');
    expect(weak.status).toBe(422);
    expect(fieldMessage(weak.text, 'password')).toContain('Ce mot de passe est trop courant');
    expect((await choose(token, 'un nouveau mot de passe solide')).status).toBe(200);
  });

  it('makes every other reset link of the account stop working once one is used', async () => {
    const { email } = await confirmedPerson();
    const older = await resetToken(email);
    const newer = await resetToken(email);
    expect((await choose(newer, 'un nouveau mot de passe solide')).status).toBe(200);
    const stale = await choose(older, 'encore un autre mot de passe');
    expect(stale.status).toBe(410);
    expect(stale.text).toContain('Ce lien n’est plus valide');
    expect((await signIn(email, 'un nouveau mot de passe solide')).res.status).toBe(303);
  });

  it('lets a signed-in person change their password: 422 with reasons, then other sessions signed out, audited, emailed', async () => {
    const { email, id } = await confirmedPerson();
    const { agent: here } = await signIn(email, GOOD_PASSWORD);
    const { agent: elsewhere } = await signIn(email, GOOD_PASSWORD);
    const outstanding = await resetToken(email);
    const account = await here.get('/account');
    expect(account.text).toContain('href="/account/password"');
    const form = await here.get('/account/password');
    expect(form.status).toBe(200);
    expect(form.text).toContain('autocomplete="current-password"');

    const bad = await here
      .post('/account/password')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), currentPassword: 'pas le bon', newPassword: 'court' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('govuk-error-summary');
    expect(fieldMessage(bad.text, 'currentPassword')).toBe('Le mot de passe est incorrect');
    expect(fieldMessage(bad.text, 'newPassword')).toBe(
      'Le mot de passe doit compter au moins 10 caractères',
    );
    const withoutCsrf = await here
      .post('/account/password')
      .type('form')
      .send({ currentPassword: GOOD_PASSWORD, newPassword: 'un nouveau mot de passe solide' });
    expect(withoutCsrf.status).toBe(403);

    const done = await here
      .post('/account/password')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        currentPassword: GOOD_PASSWORD,
        newPassword: 'un nouveau mot de passe solide',
      });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/account?password=changed');
    const after = await here.get('/account?password=changed');
    expect(after.status).toBe(200);
    expect(after.text).toContain(
      'Votre mot de passe a été changé. Vos autres sessions ont été fermées.',
    );
    expect((await elsewhere.get('/account')).status).toBe(303);
    expect((await choose(outstanding, 'encore un autre mot de passe')).status).toBe(410);
    expect((await signIn(email, GOOD_PASSWORD)).res.status).toBe(422);
    expect((await signIn(email, 'un nouveau mot de passe solide')).res.status).toBe(303);
    const [event] = await db.query(
      `SELECT actor_id, before, after FROM audit_event WHERE action = 'account.password_changed' AND entity_id = $1`,
      [id],
    );
    expect(event).toEqual({ actor_id: id, before: null, after: null });
    await eventually(
      async () =>
        (await mailFor(email)).some((m) => m.subject.startsWith('Votre mot de passe a été changé')),
      5000,
    );
  });

  it('sends the "account exists" email at most 3 times a day to an address, answering every registration the same', async () => {
    const email = unique();
    expect((await register(email)).status).toBe(303);
    for (let i = 0; i < 5; i++) {
      const again = await register(email);
      expect(again.status).toBe(303);
      expect(again.headers.location).toBe('/register/check-email');
    }
    expect(
      await db.query(
        `SELECT kind, count(*)::int AS n FROM outbox_message WHERE recipient = $1 GROUP BY kind ORDER BY kind`,
        [email],
      ),
    ).toEqual([
      { kind: 'account-exists', n: 3 },
      { kind: 'confirm-email', n: 1 },
    ]);
  });

  describe('closing an account that belongs to SMEs', () => {
    async function sme(legalName: string, neq: string) {
      const [org] = await db.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
           contact_name, contact_email, contact_phone)
         VALUES ($1, $2, '1 rue du Marché', 'Val-des-Cèdres', 'J0A 1B0', 8, '23', 'Contact', 'contact@exemple.ca',
           '418 555-0100') RETURNING id`,
        [legalName, neq],
      );
      return org.id as string;
    }
    const member = (organizationId: string, accountId: string, role: string) =>
      db.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, $3)`,
        [organizationId, accountId, role],
      );
    const closeWith = async (agent: ReturnType<typeof request.agent>, password: string) => {
      const form = await agent.get('/account/close');
      return agent
        .post('/account/close')
        .type('form')
        .send({ _csrf: csrfFrom(form.text), password });
    };

    it('refuses while the person is the last owner of an SME, naming it', async () => {
      const { email, id } = await confirmedPerson();
      const bakery = await sme('Boulangerie du Vieux-Moulin inc.', '1200000001');
      await member(bakery, id, 'owner');
      const { agent } = await signIn(email, GOOD_PASSWORD);
      const refused = await closeWith(agent, GOOD_PASSWORD);
      expect(refused.status).toBe(422);
      expect(fieldMessage(refused.text, 'password')).toBe(
        'Vous êtes le seul propriétaire de Boulangerie du Vieux-Moulin inc. : nommez d’abord un autre propriétaire (page « Membres » de l’entreprise), puis fermez votre compte',
      );
      expect(await db.query(`SELECT closed_at FROM account WHERE id = $1`, [id])).toEqual([
        { closed_at: null },
      ]);
      expect(
        await db.query(`SELECT role FROM organization_membership WHERE account_id = $1`, [id]),
      ).toEqual([{ role: 'owner' }]);
      expect((await agent.get('/account')).status).toBe(200);
    });

    it('refuses while the person is the last administrator of an open account', async () => {
      const { email, id } = await confirmedPerson();
      const admin = (accountId: string) =>
        db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [accountId]);
      await admin(id);
      // Another admin whose account is closed does not count.
      const former = await confirmedPerson();
      await admin(former.id);
      await db.query(`UPDATE account SET closed_at = now() WHERE id = $1`, [former.id]);
      expect(
        await db.query(
          `SELECT staff_member.account_id FROM staff_member JOIN account ON account.id = staff_member.account_id
            WHERE staff_member.role = 'admin' AND account.closed_at IS NULL`,
        ),
      ).toEqual([{ account_id: id }]);

      const { agent } = await signIn(email, GOOD_PASSWORD);
      const refused = await closeWith(agent, GOOD_PASSWORD);
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('govuk-error-summary');
      expect(fieldMessage(refused.text, 'password')).toBe(
        'Vous êtes le dernier administrateur : donnez d’abord ce rôle à quelqu’un d’autre, puis fermez votre compte',
      );
      const form = await agent.get('/account/close').set('Cookie', 'guichet_lang=en');
      const inEnglish = await agent
        .post('/account/close')
        .set('Cookie', 'guichet_lang=en')
        .type('form')
        .send({ _csrf: csrfFrom(form.text), password: GOOD_PASSWORD });
      expect(inEnglish.status).toBe(422);
      expect(fieldMessage(inEnglish.text, 'password')).toBe(
        'You are the last administrator: give the role to someone else first, then close your account',
      );
      expect(await db.query(`SELECT closed_at FROM account WHERE id = $1`, [id])).toEqual([
        { closed_at: null },
      ]);

      // Once someone else holds the role, the account closes.
      const successor = await confirmedPerson();
      await admin(successor.id);
      expect((await closeWith(agent, GOOD_PASSWORD)).status).toBe(303);
      expect(
        (await db.query(`SELECT closed_at FROM account WHERE id = $1`, [id]))[0].closed_at,
      ).toBeInstanceOf(Date);
    });

    it('ends the memberships and scrubs the emails and rate-limit counters kept about the person', async () => {
      const { email, id } = await confirmedPerson();
      const shared = await sme('Quincaillerie Tremblay inc.', '1200000002');
      const joined = await sme('Fromagerie des Cèdres inc.', '1200000003');
      const other = await createOtherOwner();
      await member(shared, id, 'owner');
      await member(shared, other, 'owner');
      await member(joined, other, 'owner');
      await member(joined, id, 'member');
      await resetToken(email);
      const { agent } = await signIn(email, GOOD_PASSWORD);
      await signIn(email, 'un mauvais mot de passe');
      expect(
        (
          await db.query(`SELECT count(*)::int AS n FROM outbox_message WHERE recipient = $1`, [
            email,
          ])
        )[0].n,
      ).toBeGreaterThan(0);
      expect(
        await db.query(`SELECT key FROM rate_limit_hit WHERE key = $1`, [`reset:email:${email}`]),
      ).toHaveLength(1);

      expect(
        await db.query(`SELECT key FROM sign_in_throttle WHERE key = $1`, [`email:${email}`]),
      ).toHaveLength(1);
      const closed = await closeWith(agent, GOOD_PASSWORD);
      expect(closed.status).toBe(303);
      expect(
        await db.query(
          `SELECT organization_id FROM organization_membership WHERE account_id = $1`,
          [id],
        ),
      ).toEqual([]);
      expect(
        await db.query(
          `SELECT organization_id, account_id, role FROM organization_membership
            WHERE organization_id IN ($1, $2) ORDER BY organization_id`,
          [shared, joined],
        ),
      ).toEqual(
        [
          { organization_id: shared, account_id: other, role: 'owner' },
          { organization_id: joined, account_id: other, role: 'owner' },
        ].sort((a, b) => a.organization_id.localeCompare(b.organization_id)),
      );
      expect(
        await db.query(`SELECT id FROM outbox_message WHERE lower(recipient) = lower($1)`, [email]),
      ).toEqual([]);
      expect(
        await db.query(
          `SELECT key FROM rate_limit_hit WHERE key LIKE '%' || $1 OR key LIKE '%' || $2`,
          [email, id],
        ),
      ).toEqual([]);
      expect(
        await db.query(`SELECT key FROM sign_in_throttle WHERE key LIKE '%' || $1`, [email]),
      ).toEqual([]);
      const left = await db.query(
        `SELECT entity_id, before FROM audit_event
          WHERE action = 'organization.member_left' AND entity_id IN ($1, $2) ORDER BY entity_id`,
        [shared, joined],
      );
      expect(left).toEqual(
        [
          { entity_id: shared, before: { accountId: id, role: 'owner' } },
          { entity_id: joined, before: { accountId: id, role: 'member' } },
        ].sort((a, b) => a.entity_id.localeCompare(b.entity_id)),
      );
    });

    async function createOtherOwner() {
      const [row] = await db.query(
        `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
         VALUES ($1, 'Paul Gagnon', '!', 'fr', now()) RETURNING id`,
        [unique()],
      );
      return row.id as string;
    }
  });
});
