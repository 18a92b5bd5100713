// A person downloads everything Guichet holds about them (issue 18, Law 25's
// right of access; ADR 0048): a ZIP of one JSON file per kind and a
// README.txt in French and English, each module's part from its own export
// read model. The test unzips what the button sends and reads every file.
import { inflateRawSync } from 'node:zlib';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { PersonalDataService } from '../src/modules/personal-data/personal-data.service.js';
import { StaffService } from '../src/modules/staff/staff.service.js';
import { fileBuildingPermit } from './support/applications.js';
import { createPerson, PASSWORD, signedInAgent, smeMember, uniqueEmail } from './support/people.js';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** The files of a ZIP archive by name, read from its central directory (no library needed). */
function unzip(zip: Buffer): Map<string, string> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const data = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(data, data + size);
    files.set(name, (method === 8 ? inflateRawSync(raw) : raw).toString('utf8'));
    at += 46 + skip;
  }
  return files;
}

describe("a person's data, downloaded", () => {
  let portal: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
  }, 120_000);
  afterAll(() => portal.close());

  async function download(agent: Agent | ReturnType<typeof request.agent>, lang = 'fr') {
    const page = await agent.get('/account/data').set('Cookie', `guichet_lang=${lang}`);
    expect(page.status).toBe(200);
    return agent
      .post('/account/data')
      .set('Cookie', `guichet_lang=${lang}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .buffer(true)
      .parse((response, done) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => done(null, Buffer.concat(chunks)));
      });
  }

  /** A feedback item with a reply from staff and an internal note, for `accountId`. */
  async function feedbackOf(accountId: string, happened: string) {
    const [item] = await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id, language, kind, happened)
       VALUES ('building-permit', 'citizen', 1, 'general', 'citizen', $1, 'fr', 'question', $2)
       RETURNING id, reference`,
      [accountId, happened],
    );
    await db.query(
      `INSERT INTO feedback_reply (feedback_id, author_role, body) VALUES ($1, 'staff', $2)`,
      [item.id, `Réponse à ${happened}`],
    );
    return item as { id: string; reference: string };
  }

  it('holds every kind of data of the person, and nothing of anyone else', async () => {
    // The person: an SME they own (and act for), a second session, an
    // application sent with a file and a message, a draft, feedback with a reply,
    // a pilot cohort, a subscription, a pending email change, emails.
    const sme = await smeMember(portal.url, db, { legalName: 'Quincaillerie Archive inc.' });
    const [{ email }] = await db.query(`SELECT email FROM account WHERE id = $1`, [sme.accountId]);
    const otherSession = await signedInAgent(portal.url, email);
    const sent = await fileBuildingPermit(portal.app, db, {
      accountId: sme.accountId,
      audience: 'business',
      organizationId: sme.organizationId,
    });
    await db.query(
      `INSERT INTO application_message (application_id, author_role, body) VALUES ($1, 'staff', 'Merci, nous étudions votre demande.')`,
      [sent.id],
    );
    const draft = (
      await portal.app
        .get(ApplicationsService)
        .startDraft(
          { accountId: sme.accountId, audience: 'citizen', channel: 'web' },
          'building-permit',
          { lotNumber: '7654321' },
          { ip: '127.0.0.1', requestId: 'test' },
        )
    ).application.id;
    const feedback = await feedbackOf(sme.accountId, 'Le bouton ne répond pas');
    await db.query(
      `INSERT INTO satisfaction_response (application_id, service_slug, variant, service_revision, stage,
         audience, organization_id, account_id, language, overall, comment)
       VALUES ($1, 'building-permit', 'business', 1, 'sme-all', 'business', $2, $3, 'fr', 4, 'Assez simple')`,
      [sent.id, sme.organizationId, sme.accountId],
    );
    await db.query(
      `INSERT INTO organization_claim (organization_id, account_id, kind, note, filename, content_type,
         size_bytes, sha256, content)
       VALUES ($1, $2, 'owner', 'Je suis la présidente.', 'registre.pdf', 'application/pdf', 4, $3, '\\x25504446')`,
      [sme.organizationId, sme.accountId, 'c'.repeat(64)],
    );
    await db.query(
      `INSERT INTO feedback_note (feedback_id, body) VALUES ($1, 'Note interne du personnel')`,
      [feedback.id],
    );
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ($1, 'Testeurs du printemps', 'citizen') RETURNING id`,
      [`testeurs-${Date.now().toString(36)}`],
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, account_id, status, source, terms_accepted_by, terms_accepted_at, joined_at)
       VALUES ($1, $2, 'active', 'staff', $2, now(), now())`,
      [cohort.id, sme.accountId],
    );
    await db.query(
      `INSERT INTO release_subscription (service_slug, account_id, language) VALUES ('sign-permit', $1, 'fr')`,
      [sme.accountId],
    );
    const emailPage = await sme.agent.get('/account/email');
    const newEmail = uniqueEmail('future');
    expect(
      (
        await sme.agent
          .post('/account/email')
          .type('form')
          .send({ _csrf: csrfFrom(emailPage.text), newEmail, currentPassword: PASSWORD })
      ).status,
    ).toBe(303);
    await eventually(
      async () =>
        (
          await db.query(
            `SELECT 1 FROM outbox_message
              WHERE recipient = $1 AND kind = 'email-change-requested' AND sent_at IS NOT NULL`,
            [email],
          )
        ).length > 0,
      10_000,
    );

    // Someone else, with an application and feedback of their own.
    const other = await createPerson(db, {
      email: uniqueEmail('autre'),
      displayName: 'Paul Autre',
    });
    const othersApplication = await fileBuildingPermit(portal.app, db, {
      accountId: other.id,
      audience: 'citizen',
    });
    const othersFeedback = await feedbackOf(other.id, 'Commentaire de Paul');

    // Also on the City's staff: two roles, a directory identity, a second factor (one code used).
    await db.query(
      `INSERT INTO staff_member (account_id, role) VALUES ($1, 'clerk'), ($1, 'analyst')`,
      [sme.accountId],
    );
    await db.query(
      `INSERT INTO staff_directory_identity (issuer, subject, account_id)
       VALUES ('https://login.ville.example', 'sujet-annuaire-42', $1)`,
      [sme.accountId],
    );
    await db.query(
      `INSERT INTO staff_second_factor (account_id, secret_sealed) VALUES ($1, 'v1.cle-scellee-secrete')`,
      [sme.accountId],
    );
    await db.query(
      `INSERT INTO staff_recovery_code (account_id, code_hash, used_at)
       VALUES ($1, repeat('d', 64), NULL), ($1, repeat('e', 64), now())`,
      [sme.accountId],
    );
    const res = await download(sme.agent);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="guichet-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const files = unzip(res.body as Buffer);
    expect([...files.keys()]).toEqual([
      'README.txt',
      'account.json',
      'sessions.json',
      'organizations.json',
      'ownership-claims.json',
      'applications.json',
      'feedback.json',
      'satisfaction.json',
      'pilots.json',
      'staff.json',
      'emails.json',
      'audit-events.json',
    ]);
    const json = (name: string) => JSON.parse(files.get(name)!);

    const readme = files.get('README.txt')!;
    expect(readme).toContain('Vos données dans Guichet');
    expect(readme).toContain('Your data in Guichet');
    for (const name of files.keys()) if (name !== 'README.txt') expect(readme).toContain(name);

    const account = json('account.json');
    expect(account.account).toMatchObject({ id: sme.accountId, email, preferredLocale: 'fr' });
    expect(account.pendingEmailChanges).toEqual([
      expect.objectContaining({ newEmail, expiresAt: expect.any(String) }),
    ]);
    // No secret of any kind: hashes, tokens, session ids.
    const everything = [...files.values()].join('\n');
    const [{ password_hash }] = await db.query(`SELECT password_hash FROM account WHERE id = $1`, [
      sme.accountId,
    ]);
    expect(everything).not.toContain(password_hash);
    expect(everything).not.toMatch(/token_?hash|password_?hash|"sid"/i);
    for (const { token_hash } of await db.query(
      `SELECT token_hash FROM account_token WHERE account_id = $1`,
      [sme.accountId],
    ))
      expect(everything).not.toContain(token_hash);

    const sessions = json('sessions.json');
    expect(sessions).toHaveLength(2);
    expect(sessions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actingAsOrganizationId: sme.organizationId }),
      ]),
    );
    // The second session is the person's too: both are listed.
    expect((await otherSession.get('/account')).status).toBe(200);

    const organizations = json('organizations.json');
    expect(organizations.memberships).toEqual([
      expect.objectContaining({
        role: 'owner',
        organization: expect.objectContaining({
          id: sme.organizationId,
          legalName: 'Quincaillerie Archive inc.',
          employeeCount: 12,
          streetAddress: '12 rue Principale',
        }),
      }),
    ]);

    const applications = json('applications.json');
    expect(applications.map((a: { id: string }) => a.id).sort()).toEqual([sent.id, draft].sort());
    const filed = applications.find((a: { id: string }) => a.id === sent.id);
    expect(filed).toMatchObject({
      reference: sent.reference,
      status: 'submitted',
      variant: 'business',
      organizationId: sme.organizationId,
      answers: expect.objectContaining({ lotNumber: '1 234 567' }),
      history: [expect.objectContaining({ from: 'draft', to: 'submitted', by: 'applicant' })],
      messages: [
        { from: 'staff', body: 'Merci, nous étudions votre demande.', at: expect.any(String) },
      ],
      files: [
        expect.objectContaining({
          question: 'sitePlan',
          filename: 'plan.pdf',
          contentType: 'application/pdf',
          sizeBytes: expect.any(Number),
          sha256: 'test',
        }),
      ],
    });
    expect(applications.find((a: { id: string }) => a.id === draft)).toMatchObject({
      status: 'draft',
      reference: null,
      answers: expect.objectContaining({ lotNumber: '7654321' }),
    });

    expect(json('feedback.json')).toEqual([
      expect.objectContaining({
        reference: feedback.reference,
        happened: 'Le bouton ne répond pas',
        replies: [
          { from: 'staff', body: 'Réponse à Le bouton ne répond pas', at: expect.any(String) },
        ],
      }),
    ]);
    expect(everything).not.toContain('Note interne du personnel');
    expect(json('satisfaction.json')).toEqual([
      expect.objectContaining({ applicationId: sent.id, overall: 4, comment: 'Assez simple' }),
    ]);
    expect(json('ownership-claims.json')).toEqual([
      expect.objectContaining({
        organizationId: sme.organizationId,
        kind: 'owner',
        status: 'pending',
        note: 'Je suis la présidente.',
        filename: 'registre.pdf',
        sizeBytes: 4,
        sha256: 'c'.repeat(64),
      }),
    ]);

    const staff = json('staff.json');
    expect(staff).toEqual({
      roles: [
        { role: 'analyst', since: expect.any(String) },
        { role: 'clerk', since: expect.any(String) },
      ],
      directoryIdentities: [
        {
          issuer: 'https://login.ville.example',
          subject: 'sujet-annuaire-42',
          linkedAt: expect.any(String),
          lastSignInAt: expect.any(String),
        },
      ],
      secondFactor: { enrolledAt: expect.any(String), recoveryCodesLeft: 1 },
      removedFromStaffAt: null,
    });
    expect(everything).not.toContain('cle-scellee-secrete');
    expect(everything).not.toContain('d'.repeat(64));

    const pilots = json('pilots.json');
    expect(pilots.cohortMemberships).toEqual([
      expect.objectContaining({
        cohort: 'Testeurs du printemps',
        status: 'active',
        termsAcceptedByYou: true,
      }),
    ]);
    expect(pilots.releaseSubscriptions).toEqual([
      expect.objectContaining({ service: 'sign-permit', language: 'fr' }),
    ]);

    const emails = json('emails.json');
    expect(emails).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'email-change-requested',
          subject: 'Changement d’adresse courriel demandé – Guichet',
          status: 'sent',
          to: email,
        }),
      ]),
    );
    // The link sent to the new address is not the person's current mail, and links never appear.
    expect(emails.map((e: { to: string }) => e.to.toLowerCase())).not.toContain(newEmail);
    expect(everything).not.toContain('token=');

    const events = json('audit-events.json');
    const actions = events.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'account.signed_in',
        'account.email_change_requested',
        'application.submitted',
        'account.data_downloaded',
      ]),
    );
    expect(
      events.every(
        (e: { actor: { id: string }; entity: { type: string; id: string } }) =>
          e.actor.id === sme.accountId ||
          (e.entity.type === 'account' && e.entity.id === sme.accountId),
      ),
    ).toBe(true);

    // Nothing of the other person.
    for (const theirs of [
      other.id,
      other.email,
      'Paul Autre',
      othersApplication.id,
      othersApplication.reference!,
      othersFeedback.reference,
      'Commentaire de Paul',
    ])
      expect(everything).not.toContain(theirs);

    const [downloaded] = await db.query(
      `SELECT actor_id, entity_id FROM audit_event WHERE action = 'account.data_downloaded'`,
    );
    expect(downloaded).toEqual({ actor_id: sme.accountId, entity_id: sme.accountId });
  });

  it("leaves a former holder's emails out of the download of whoever takes their address next", async () => {
    const former = await createPerson(db, { displayName: 'Ancienne Titulaire' });
    const agent = await signedInAgent(portal.url, former.email);
    const page = await agent.get('/account/email');
    const moved = uniqueEmail('demenagee');
    expect(
      (
        await agent
          .post('/account/email')
          .type('form')
          .send({ _csrf: csrfFrom(page.text), newEmail: moved, currentPassword: PASSWORD })
      ).status,
    ).toBe(303);
    let token = '';
    await eventually(async () => {
      const link = (await mailFor(moved))
        .map((m) => /\/account\/email\/confirm\?token=(\S+)/.exec(m.text))
        .find(Boolean);
      token = link?.[1] ?? '';
      return token !== '';
    }, 10_000);
    const confirm = await agent.get(`/account/email/confirm?token=${token}`);
    expect(
      (
        await agent
          .post('/account/email/confirm')
          .type('form')
          .send({ _csrf: csrfFrom(confirm.text), token })
      ).status,
    ).toBe(200);

    // Someone else registers with the address the person left.
    const next = await createPerson(db, { email: former.email, displayName: 'Nouveau Titulaire' });
    const files = unzip((await download(await signedInAgent(portal.url, next.email))).body);
    expect(JSON.parse(files.get('emails.json')!)).toEqual([]);
    // The person who moved still finds the emails sent to their new address.
    const theirs = JSON.parse(unzip((await download(agent)).body).get('emails.json')!);
    expect(theirs).toEqual([expect.objectContaining({ kind: 'email-change-confirm', to: moved })]);
  });

  it("holds what staff did to the person as staff, without the staff member's address or request", async () => {
    const [admin] = await db.query(
      `INSERT INTO account (email, display_name, password_hash, preferred_locale, email_confirmed_at)
       VALUES ($1, 'Admin Exemple', '!', 'fr', now()) RETURNING id`,
      [uniqueEmail('admin')],
    );
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [admin.id]);
    const staff = portal.app.get(StaffService);
    const byAdmin = { ip: '10.9.8.7', requestId: 'requete-admin' };
    const added = await staff.add(
      admin.id,
      {
        displayName: 'Commis Nouveau',
        email: uniqueEmail('commis'),
        role: 'clerk',
        preferredLocale: 'fr',
      },
      byAdmin,
    );
    await staff.changeRoles(admin.id, added.accountId, ['clerk', 'analyst'], byAdmin);

    const archive = await portal.app
      .get(PersonalDataService)
      .download(added.accountId, { ip: '10.1.1.1', requestId: 'requete-commis' });
    const events: {
      action: string;
      actor: { id: string };
      clientAddress: string | null;
      requestId: string | null;
    }[] = JSON.parse(unzip(archive.zip).get('audit-events.json')!);
    expect(events.map((e) => e.action)).toEqual([
      'account.created_for_staff',
      'staff.member_added',
      'account.password_reset_requested',
      'staff.roles_changed',
      'account.data_downloaded',
    ]);
    for (const event of events.slice(0, 4))
      expect(event).toMatchObject({ clientAddress: null, requestId: null });
    expect(events.filter((e) => e.actor.id === admin.id)).toHaveLength(3);
    expect(events[4]).toMatchObject({
      actor: { id: added.accountId },
      clientAddress: '10.1.1.1',
      requestId: 'requete-commis',
    });
    expect(JSON.stringify(events)).not.toContain('10.9.8.7');
    expect(JSON.stringify(events)).not.toContain('requete-admin');
  });

  it('is for signed-in people, refuses a post without its CSRF token, and is rate limited', async () => {
    expect((await request(portal.url).get('/account/data')).status).toBe(303);
    const person = await createPerson(db);
    const agent = await signedInAgent(portal.url, person.email, 'en');
    expect((await agent.post('/account/data').type('form').send({})).status).toBe(403);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await download(agent, 'en')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await download(agent, 'en');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    const page = (refused.body as Buffer).toString('utf8');
    expect(page).toContain('There is a problem');
    expect(page).toContain('href="#download"');
  });
});
