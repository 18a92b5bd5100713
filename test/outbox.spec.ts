import request from 'supertest';
import { DataSource } from 'typeorm';
import { RetentionService } from '../src/modules/privacy/retention.service.js';
import { createPerson, signedInAgent, smeMember, uniqueEmail } from './support/people.js';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

/**
 * What the email outbox keeps (no working link once an email is sent, nothing
 * sent older than OUTBOX_RETENTION_DAYS) and what its emails show (people's
 * names as plain text).
 */
describe('the email outbox', () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
  });
  afterAll(() => portal.close());

  /** Every outbox row for an address, each as the JSON of the whole row, once all are sent. */
  async function sentRowsFor(address: string): Promise<string[]> {
    await eventually(async () => {
      const [{ waiting }] = await db.query(
        `SELECT count(*)::int AS waiting FROM outbox_message
          WHERE outbox_message.recipient = $1 AND outbox_message.sent_at IS NULL`,
        [address],
      );
      return waiting === 0;
    });
    const rows: { row: string }[] = await db.query(
      `SELECT row_to_json(outbox_message)::text AS row FROM outbox_message
        WHERE outbox_message.recipient = $1`,
      [address],
    );
    return rows.map((r) => r.row);
  }

  async function lastMailFor(address: string, subject: RegExp) {
    await eventually(async () => (await mailFor(address)).some((m) => subject.test(m.subject)));
    return (await mailFor(address)).filter((m) => subject.test(m.subject)).slice(-1)[0];
  }

  it('keeps no confirmation token once the email is sent, and the emailed link still confirms', async () => {
    const email = uniqueEmail('confirm');
    const agent = request.agent(portal.url);
    const form = await agent.get('/register');
    const registered = await agent
      .post('/register')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        displayName: 'Marie Tremblay',
        email,
        password: 'trois pommes vertes au marché',
        preferredLocale: 'fr',
      });
    expect(registered.status).toBe(303);

    const message = await lastMailFor(email, /./);
    const link = new URL(
      /(http:\/\/\S+\/account\/confirm-email\?token=\S+)/.exec(message.text)![1],
    );
    const token = link.searchParams.get('token')!;
    const rows = await sentRowsFor(email);
    expect(rows).toHaveLength(1);
    expect(rows[0]).not.toContain(token);
    expect(rows[0]).toContain('"secret_values":null');

    const page = await agent.get(link.pathname + link.search);
    expect(page.status).toBe(200);
    const confirmed = await agent
      .post('/account/confirm-email')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), token });
    expect(confirmed.status).toBe(200);
    const [account] = await db.query(
      `SELECT account.email_confirmed_at FROM account WHERE account.email = $1`,
      [email],
    );
    expect(account.email_confirmed_at).not.toBeNull();
  });

  it('keeps no password-reset token once the email is sent, and the emailed link opens the form', async () => {
    const person = await createPerson(db, { email: uniqueEmail('reset') });
    const agent = request.agent(portal.url);
    const form = await agent.get('/password-reset');
    await agent
      .post('/password-reset')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email: person.email });

    const message = await lastMailFor(person.email, /./);
    const link = new URL(
      /(http:\/\/\S+\/password-reset\/choose\?token=\S+)/.exec(message.text)![1],
    );
    const rows = await sentRowsFor(person.email);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).not.toContain(link.searchParams.get('token')!);
    const page = await agent.get(link.pathname + link.search);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="password"');
  });

  describe('an invitation to join an SME', () => {
    let owner: Awaited<ReturnType<typeof smeMember>>;

    beforeAll(async () => {
      owner = await smeMember(portal.url, db, { legalName: 'Quincaillerie www.evil.example inc.' });
    });

    async function invite(email: string) {
      const page = await owner.agent.get(`/organizations/${owner.organizationId}`);
      const res = await owner.agent
        .post(`/organizations/${owner.organizationId}/invitations`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email, role: 'member' });
      expect(res.status).toBe(303);
      return lastMailFor(email, /./);
    }

    it('keeps no invitation token once sent, and the link opens the invitation for the invitee', async () => {
      const invitee = await createPerson(db, { email: uniqueEmail('invitee') });
      const message = await invite(invitee.email);
      const link = new URL(/(http:\/\/\S+\/invitations\/accept\?token=\S+)/.exec(message.text)![1]);
      const rows = await sentRowsFor(invitee.email);
      expect(rows).toHaveLength(1);
      expect(rows[0]).not.toContain(link.searchParams.get('token')!);

      const inviteeAgent = await signedInAgent(portal.url, invitee.email);
      const page = await inviteeAgent.get(link.pathname + link.search);
      expect(page.status).toBe(200);
    });

    it("shows the inviter's name and the SME's as plain text: one line, no link", async () => {
      await db.query(`UPDATE account SET display_name = $2 WHERE account.id = $1`, [
        owner.accountId,
        'Marie\r\nCliquez ici : http://evil.example/connexion',
      ]);
      const message = await invite(uniqueEmail('target'));
      expect(message.text).toContain('Marie Cliquez ici : http[:]//evil[.]example/connexion');
      expect(message.text).toContain('Quincaillerie www[.]evil[.]example inc.');
      expect(message.subject).toContain('Quincaillerie www[.]evil[.]example inc.');
      expect(message.text).not.toMatch(/evil\.example/);
      expect(message.text).not.toMatch(/^Cliquez ici/m);
      // The portal's own link is untouched.
      expect(message.text).toMatch(/http:\/\/\S+\/invitations\/accept\?token=\S+/);
    });
  });

  it('refuses a name with a line break or another control character, in French and English', async () => {
    for (const [lang, message] of [
      ['fr', 'Entrez votre nom sur une seule ligne'],
      ['en', 'Enter your name on one line'],
    ]) {
      for (const displayName of [
        'Marie\nhttp://evil.example',
        // Other C0 controls never reach the rule: dropped where every form is read (ADR 0017).
        'Marie\tTremblay',
        'Ma\u202erie',
      ]) {
        const agent = request.agent(portal.url);
        const form = await agent.get('/register').set('Cookie', `guichet_lang=${lang}`);
        const email = uniqueEmail('badname');
        const res = await agent
          .post('/register')
          .set('Cookie', `guichet_lang=${lang}`)
          .type('form')
          .send({
            _csrf: csrfFrom(form.text),
            displayName,
            email,
            password: 'trois pommes vertes au marché',
            preferredLocale: lang,
          });
        expect(res.status).toBe(422);
        expect(res.text).toContain(message);
        expect(
          await db.query(`SELECT 1 FROM account WHERE account.email = $1`, [email]),
        ).toHaveLength(0);
      }
    }

    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email);
    const form = await agent.get('/account/profile');
    const res = await agent
      .post('/account/profile')
      .type('form')
      .send({
        _csrf: csrfFrom(form.text),
        displayName: 'Marie\r\nTremblay',
        preferredLocale: 'fr',
      });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Entrez votre nom sur une seule ligne');
    const [row] = await db.query(`SELECT display_name FROM account WHERE account.id = $1`, [
      person.id,
    ]);
    expect(row.display_name).toBe(person.displayName);
  });

  it('deletes sent messages older than the retention (the retention job, ADR 0047), and keeps the rest', async () => {
    const insert = (recipient: string, count: number, sentDaysAgo: number | null) =>
      db.query(
        `INSERT INTO outbox_message (kind, recipient, locale, payload, created_at, sent_at,
                                     attempts)
         SELECT 'account-exists', $1, 'fr', '{}', now() - interval '90 days',
                now() - make_interval(days => $3::int), 1
           FROM generate_series(1, $2)`,
        [recipient, count, sentDaysAgo],
      );
    const old = uniqueEmail('old');
    const recent = uniqueEmail('recent');
    const stuck = uniqueEmail('stuck');
    // Many sent messages past the 30 days.
    await insert(old, 1005, 31);
    await insert(recent, 1, 29);
    // Never sent (the relay kept refusing it), its job still retrying.
    await db.query(
      `INSERT INTO outbox_message (kind, recipient, locale, payload, created_at, attempts,
                                   job_id, last_error)
       VALUES ('account-exists', $1, 'fr', '{}', now() - interval '90 days', 12,
               gen_random_uuid(), 'relay refused')`,
      [stuck],
    );
    // Failed (its retries spent): kept as long as a sent one, for admins to see.
    const failed = (address: string, failedDaysAgo: number) =>
      db.query(
        `INSERT INTO outbox_message (kind, recipient, locale, payload, created_at, attempts,
                                     job_id, last_error, failed_at)
         VALUES ('account-exists', $1, 'fr', '{}', now() - interval '90 days', 9,
                 gen_random_uuid(), 'relay refused', now() - make_interval(days => $2::int))`,
        [address, failedDaysAgo],
      );
    const oldFailed = uniqueEmail('old-failed');
    const recentFailed = uniqueEmail('recent-failed');
    await failed(oldFailed, 31);
    await failed(recentFailed, 29);

    const purged = await portal.app.get(RetentionService).run();
    expect(purged?.deliveredEmails).toBe(1006);
    const count = async (recipient: string) =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM outbox_message WHERE outbox_message.recipient = $1`,
          [recipient],
        )
      )[0].n as number;
    expect(await count(old)).toBe(0);
    expect(await count(recent)).toBe(1);
    expect(await count(stuck)).toBe(1);
    expect(await count(oldFailed)).toBe(0);
    expect(await count(recentFailed)).toBe(1);
  });

  it('refuses, in the database itself, a sent message that still holds a secret', async () => {
    await expect(
      db.query(
        `INSERT INTO outbox_message (kind, recipient, locale, payload, secret_values, sent_at)
         VALUES ('reset-password', 'x@exemple.ca', 'fr', '{}', '{"link": "http://x/?token=t"}', now())`,
      ),
    ).rejects.toThrow(/outbox_message_sent_keeps_no_secret/);
  });
});
