// A person changes their email address (issue 18, ADR 0048): asked on
// /account/email with the current password, confirmed by a single-use link
// sent to the new address (a notice goes to the current one); the address
// changes only when the link is followed, and the person's other sessions end.
import type TestAgent from 'supertest/lib/agent.js';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createPerson, PASSWORD, signedInAgent, uniqueEmail } from './support/people.js';
import {
  csrfFrom,
  eventually,
  mailFor,
  startTestApp,
  type CaughtEmail,
  type TestApp,
} from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

describe('changing the email address', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp({ SESSION_CACHE_MS: '1000' });
    db = portal.app.get(DataSource);
  }, 120_000);
  afterAll(() => portal.close());

  async function ask(agent: Agent, fields: Record<string, string>, lang = 'fr') {
    const page = await agent.get('/account/email').set('Cookie', `guichet_lang=${lang}`);
    expect(page.status).toBe(200);
    return agent
      .post('/account/email')
      .set('Cookie', `guichet_lang=${lang}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  async function mailWith(address: string, subject: string): Promise<CaughtEmail> {
    let found: CaughtEmail | undefined;
    await eventually(async () => {
      found = (await mailFor(address)).find((m) => m.subject.includes(subject));
      return found !== undefined;
    }, 10_000);
    return found!;
  }

  async function follow(agent: Agent | ReturnType<typeof request.agent>, token: string) {
    const page = await agent.get(`/account/email/confirm?token=${token}`);
    expect(page.status).toBe(200);
    return agent
      .post('/account/email/confirm')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), token });
  }

  const emailOf = async (id: string) =>
    (await db.query(`SELECT email FROM account WHERE id = $1`, [id]))[0].email as string;

  it('answers 422 with every problem at once, keeping the new address typed', async () => {
    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email);
    const wrong = await ask(agent, { newEmail: 'pas-une-adresse', currentPassword: 'pas le bon' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('govuk-error-summary');
    expect(wrong.text).toContain('href="#newEmail"');
    expect(wrong.text).toContain('href="#currentPassword"');
    expect(wrong.text).toContain('value="pas-une-adresse"');
    expect(wrong.text).not.toContain('pas le bon');
    const same = await ask(
      agent,
      { newEmail: person.email.toUpperCase(), currentPassword: PASSWORD },
      'en',
    );
    expect(same.status).toBe(422);
    expect(same.text).toContain('This is already your email address');
    expect(await emailOf(person.id)).toBe(person.email);
  });

  it('changes the address only when the link sent to it is followed, once, and ends the other sessions', async () => {
    const person = await createPerson(db, { displayName: 'Hélène Roy' });
    const agent = await signedInAgent(portal.url, person.email);
    const otherDevice = await signedInAgent(portal.url, person.email);
    const newEmail = uniqueEmail('nouvelle');

    const res = await ask(agent, { newEmail, currentPassword: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?email=sent');
    expect((await agent.get(res.headers.location)).text).toContain('Vérifiez vos courriels');

    // The link goes to the new address, a notice (the new address masked) to the current one.
    const confirm = await mailWith(newEmail, 'Confirmez votre nouvelle adresse');
    const token = /\/account\/email\/confirm\?token=(\S+)/.exec(confirm.text)![1];
    const notice = await mailWith(person.email, 'Changement d’adresse courriel demandé');
    expect(notice.text).toContain(`n•••@${newEmail.split('@')[1]}`);
    expect(notice.text).not.toContain(newEmail);
    // Nothing changed yet, and only the token's hash is stored.
    expect(await emailOf(person.id)).toBe(person.email);
    const [stored] = await db.query(
      `SELECT token_hash, new_email, extract(epoch FROM expires_at - created_at)::int AS ttl FROM account_token
        WHERE account_id = $1 AND purpose = 'change-email'`,
      [person.id],
    );
    expect(stored.new_email).toBe(newEmail);
    expect(stored.token_hash).not.toBe(token);
    expect(stored.ttl).toBe(24 * 3600);

    // Opening the link is a page with a button: mail scanners change nothing.
    expect(await emailOf(person.id)).toBe(person.email);
    const done = await follow(agent, token);
    expect(done.status).toBe(200);
    expect(done.text).toContain('Votre adresse courriel a été changée');
    expect(await emailOf(person.id)).toBe(newEmail);

    // The session that followed the link stays; the other one ended.
    expect((await agent.get('/account')).text).toContain(newEmail);
    await eventually(async () => (await otherDevice.get('/account')).status !== 200, 3000);
    // The former address is told; the new one signs in, the former no longer does.
    const changed = await mailWith(person.email, 'Votre adresse courriel a été changée');
    expect(changed.text).toContain(`n•••@`);
    await signedInAgent(portal.url, newEmail);
    await expect(signedInAgent(portal.url, person.email)).rejects.toThrow();

    // Single use.
    const again = await follow(request.agent(portal.url), token);
    expect(again.status).toBe(410);

    const events = await db.query(
      `SELECT action, before, after FROM audit_event
        WHERE entity_id = $1 AND action LIKE 'account.email_change%' ORDER BY occurred_at, id`,
      [person.id],
    );
    expect(events).toEqual([
      { action: 'account.email_change_requested', before: null, after: { newEmail } },
      {
        action: 'account.email_changed',
        before: { email: person.email },
        after: { email: newEmail },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('answers an address another account holds as it answers a free one, and tells its holder', async () => {
    const holder = await createPerson(db, { email: uniqueEmail('holder') });
    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email);
    const res = await ask(agent, { newEmail: holder.email, currentPassword: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?email=sent');
    const told = await mailWith(holder.email, 'Votre compte Guichet');
    expect(told.text).toContain('un autre compte Guichet');
    expect(told.text).not.toContain('token=');
    // The person sees what they would see for a free address: the notice, a
    // pending change (in their data's download), the same audit event.
    await mailWith(person.email, 'Changement d’adresse courriel demandé');
    const [pending] = await db.query(
      `SELECT new_email FROM account_token WHERE account_id = $1 AND purpose = 'change-email'`,
      [person.id],
    );
    expect(pending.new_email).toBe(holder.email);
    const [event] = await db.query(
      `SELECT after FROM audit_event WHERE entity_id = $1 AND action = 'account.email_change_requested'`,
      [person.id],
    );
    expect(event.after).toEqual({ newEmail: holder.email });
    expect(await emailOf(person.id)).toBe(person.email);
    expect(await emailOf(holder.id)).toBe(holder.email);
  });

  it('refuses an expired link, and one whose address another account took meanwhile', async () => {
    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email);
    const first = uniqueEmail('premiere');
    expect((await ask(agent, { newEmail: first, currentPassword: PASSWORD })).status).toBe(303);
    const firstToken = /token=(\S+)/.exec((await mailWith(first, 'Confirmez')).text)![1];
    await db.query(
      `UPDATE account_token SET expires_at = now() - interval '1 minute'
        WHERE account_id = $1 AND purpose = 'change-email'`,
      [person.id],
    );
    expect((await follow(agent, firstToken)).status).toBe(410);

    const second = uniqueEmail('seconde');
    expect((await ask(agent, { newEmail: second, currentPassword: PASSWORD })).status).toBe(303);
    const secondToken = /token=(\S+)/.exec((await mailWith(second, 'Confirmez')).text)![1];
    await createPerson(db, { email: second });
    expect((await follow(request.agent(portal.url), secondToken)).status).toBe(410);
    expect(await emailOf(person.id)).toBe(person.email);
  });

  it('is cancelled by a password change or a reset: a stolen password no longer takes the address', async () => {
    // Someone who knows the password asks for their own address; the notice
    // tells the person that changing the password cancels it.
    const changed = await createPerson(db);
    const thief = await signedInAgent(portal.url, changed.email);
    const thiefAddress = uniqueEmail('voleur');
    expect((await ask(thief, { newEmail: thiefAddress, currentPassword: PASSWORD })).status).toBe(
      303,
    );
    const stolen = /token=(\S+)/.exec((await mailWith(thiefAddress, 'Confirmez')).text)![1];
    const notice = await mailWith(changed.email, 'Changement d’adresse courriel demandé');
    expect(notice.text).toContain(
      'changez votre mot de passe tout de suite (ou réinitialisez-le si vous ne pouvez plus vous connecter) : cela annule le changement',
    );
    // The person changes their password.
    const owner = await signedInAgent(portal.url, changed.email);
    const form = await owner.get('/account/password');
    const done = await owner
      .post('/account/password')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        currentPassword: PASSWORD,
        newPassword: 'un tout nouveau mot de passe',
      });
    expect(done.status).toBe(303);
    expect((await follow(request.agent(portal.url), stolen)).status).toBe(410);
    expect(await emailOf(changed.id)).toBe(changed.email);

    // Same with "forgot your password?".
    const reset = await createPerson(db);
    const other = await signedInAgent(portal.url, reset.email);
    const otherAddress = uniqueEmail('voleur');
    expect((await ask(other, { newEmail: otherAddress, currentPassword: PASSWORD })).status).toBe(
      303,
    );
    const pending = /token=(\S+)/.exec((await mailWith(otherAddress, 'Confirmez')).text)![1];
    const forgot = request.agent(portal.url);
    const asked = await forgot.get('/password-reset');
    await forgot
      .post('/password-reset')
      .type('form')
      .send({ _csrf: csrfFrom(asked.text), email: reset.email });
    const resetToken = /choose\?token=(\S+)/.exec(
      (await mailWith(reset.email, 'Réinitialiser')).text,
    )![1];
    const choose = await forgot.get(`/password-reset/choose?token=${resetToken}`);
    const chosen = await forgot
      .post('/password-reset/choose')
      .type('form')
      .send({
        _csrf: csrfFrom(choose.text),
        token: resetToken,
        password: 'un tout nouveau mot de passe',
      });
    expect(chosen.status).toBe(200);
    expect(chosen.text).toContain('Votre mot de passe a été changé');
    expect((await follow(request.agent(portal.url), pending)).status).toBe(410);
    expect(await emailOf(reset.id)).toBe(reset.email);
  });

  it('answers a link as taken when another account takes the address while it is being followed', async () => {
    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email);
    const wanted = uniqueEmail('convoitee');
    expect((await ask(agent, { newEmail: wanted, currentPassword: PASSWORD })).status).toBe(303);
    const token = /token=(\S+)/.exec((await mailWith(wanted, 'Confirmez')).text)![1];
    const page = await agent.get(`/account/email/confirm?token=${token}`);
    // A registration of the same address, not committed yet: the link's
    // check does not see it, and its update waits on the unique index.
    const registration = db.createQueryRunner();
    await registration.connect();
    await registration.startTransaction();
    try {
      await registration.query(
        `INSERT INTO account (email, display_name, password_hash, preferred_locale)
         VALUES ($1, 'Inscription concurrente', '!', 'fr')`,
        [wanted],
      );
      const answer = agent
        .post('/account/email/confirm')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), token })
        .then((res) => res);
      await eventually(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND query LIKE 'UPDATE account SET email%'`,
            )
          ).length > 0,
        10_000,
      );
      await registration.commitTransaction();
      const res = await answer;
      expect(res.status).toBe(410);
    } finally {
      if (registration.isTransactionActive) await registration.rollbackTransaction();
      await registration.release();
    }
    expect(await emailOf(person.id)).toBe(person.email);
  });

  it('is for signed-in people only, and rate limited per account', async () => {
    const anonymous = await request(portal.url).get('/account/email');
    expect(anonymous.status).toBe(303);
    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await ask(agent, { newEmail: 'x', currentPassword: 'pas le bon' })).status);
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429]);
  });
});
