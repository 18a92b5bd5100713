import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { createPerson, signedInAgent, smeMember, uniqueEmail } from './support/people.js';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** The hrefs of the error summary, in order. */
const summaryFields = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  if (start < 0) return [];
  const summary = html.slice(start, html.indexOf('</ul>', start));
  return [...summary.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
};

/** The invitation link in the newest email to `address` whose subject names `cohort`. */
async function invitationLink(address: string, cohort: string): Promise<string> {
  let path = '';
  await eventually(async () => {
    const message = (await mailFor(address)).filter((m) => m.subject.includes(cohort)).pop();
    const match =
      message && /https?:\/\/\S+?(\/pilot\/invitations\/[A-Za-z0-9_-]+)/.exec(message.text);
    if (match) path = match[1];
    return Boolean(match);
  }, 10_000);
  return path;
}

describe('cohorts for the staged rollout', () => {
  let portal: TestApp;
  let db: DataSource;
  let manager: { id: string; email: string };
  let managerAgent: Agent;
  let adminAgent: Agent;
  const staffAgents: Record<string, Agent> = {};
  let citizenAgent: Agent;
  let planSeq = 0;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    for (const role of ['admin', 'rollout-manager', 'clerk', 'analyst'] as const) {
      const person = await createPerson(db, {
        email: uniqueEmail(role),
        displayName: role === 'rollout-manager' ? 'Rosalie Déploiement' : `Staff ${role}`,
      });
      await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
        person.id,
        role,
      ]);
      staffAgents[role] = await signedInAgent(portal.url, person.email);
      if (role === 'rollout-manager') manager = person;
    }
    managerAgent = staffAgents['rollout-manager'];
    adminAgent = staffAgents.admin;
    const citizen = await createPerson(db, { email: uniqueEmail('citizen') });
    citizenAgent = await signedInAgent(portal.url, citizen.email);
  });
  afterAll(() => portal.close());

  /** Posts a form with the agent's CSRF token, taken from `from` (a page with a form). */
  async function post(agent: Agent, path: string, fields: Record<string, string>, from = path) {
    const page = await agent.get(from);
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  async function createCohort(
    fields: Partial<Record<'name' | 'slug' | 'description' | 'audience', string>> = {},
    agent = managerAgent,
  ): Promise<{ id: string; slug: string; name: string }> {
    const name = fields.name ?? `Pilote ${Math.random().toString(36).slice(2, 8)}`;
    const res = await post(agent, '/staff/cohorts/new', {
      name,
      slug: '',
      description: '',
      audience: 'business',
      ...fields,
    });
    expect(res.status).toBe(303);
    const id = /^\/staff\/cohorts\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];
    const [row] = await db.query(`SELECT slug FROM cohort WHERE id = $1`, [id]);
    return { id, slug: row.slug as string, name };
  }

  /** Attaches the cohort to a new rollout plan; returns how to read the plan's version. */
  async function attachToPlan(cohortId: string) {
    const slug = `service-cohortes-${planSeq++}`;
    await db.query(`INSERT INTO rollout_plan (service_slug, variant) VALUES ($1, 'business')`, [
      slug,
    ]);
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, 'business', $2)`,
      [slug, cohortId],
    );
    return {
      slug,
      version: async () =>
        Number(
          (
            await db.query(
              `SELECT version FROM rollout_plan WHERE service_slug = $1 AND variant = 'business'`,
              [slug],
            )
          )[0].version,
        ),
    };
  }

  const neqOf = async (organizationId: string) =>
    (await db.query(`SELECT neq FROM organization WHERE id = $1`, [organizationId]))[0]
      .neq as string;

  const member = async (cohortId: string, organizationId: string) =>
    (
      await db.query(`SELECT * FROM cohort_member WHERE cohort_id = $1 AND organization_id = $2`, [
        cohortId,
        organizationId,
      ])
    )[0] as Record<string, unknown> | undefined;

  const events = async (cohortId: string) =>
    (
      await db.query(
        `SELECT action, actor_type, actor_id, before, after FROM audit_event
          WHERE entity_type = 'cohort' AND entity_id = $1 ORDER BY id`,
        [cohortId],
      )
    ).map((e: { action: string }) => e.action);

  const cohortCount = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM cohort`))[0].n as number;

  describe('who may use the cohort pages', () => {
    it('lets admins and rollout managers in, refuses other staff (403), hides from others (404), sends anonymous to sign in', async () => {
      const got: Record<string, number> = {};
      for (const [role, agent] of Object.entries(staffAgents))
        got[role] = (await agent.get('/staff/cohorts')).status;
      got.citizen = (await citizenAgent.get('/staff/cohorts')).status;
      const anonymous = await request(portal.url).get('/staff/cohorts/volunteers');
      got.anonymous = anonymous.status;
      expect(got).toEqual({
        admin: 200,
        'rollout-manager': 200,
        clerk: 403,
        analyst: 403,
        citizen: 404,
        anonymous: 303,
      });
      expect(anonymous.headers.location).toBe(
        `/sign-in?return=${encodeURIComponent('/staff/cohorts/volunteers')}`,
      );

      // A clerk cannot create one either, even with a valid CSRF token.
      const before = await cohortCount();
      const clerk = await post(
        staffAgents.clerk,
        '/staff/cohorts/new',
        { name: 'Pas permis', audience: 'business' },
        '/staff',
      );
      expect(clerk.status).toBe(403);
      expect(await cohortCount()).toBe(before);
    });

    it('shows the Cohorts link in the staff menu to admins and rollout managers only', async () => {
      expect((await managerAgent.get('/staff')).text).toContain('href="/staff/cohorts"');
      expect((await adminAgent.get('/staff')).text).toContain('href="/staff/cohorts"');
      expect((await staffAgents.clerk.get('/staff')).text).not.toContain('href="/staff/cohorts"');
      expect((await request(portal.url).get('/')).text).toContain('href="/pilot"');
    });
  });

  describe('creating a cohort', () => {
    it('creates a cohort with a slug derived from its name, audited, listed', async () => {
      const res = await post(managerAgent, '/staff/cohorts/new', {
        name: 'Restaurants – Vieux-Québec',
        slug: '',
        description: 'Les restaurants du quartier historique.\nPermis de terrasse.',
        audience: 'business',
      });
      expect(res.status).toBe(303);
      const id = /^\/staff\/cohorts\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];
      const [stored] = await db.query(`SELECT * FROM cohort WHERE id = $1`, [id]);
      expect(stored).toMatchObject({
        slug: 'restaurants-vieux-quebec',
        name: 'Restaurants – Vieux-Québec',
        description: 'Les restaurants du quartier historique.\nPermis de terrasse.',
        audience: 'business',
        created_by: manager.id,
      });
      const [event] = await db.query(
        `SELECT actor_type, actor_id, after FROM audit_event WHERE action = 'cohort.created' AND entity_id = $1`,
        [id],
      );
      expect(event).toEqual({
        actor_type: 'staff',
        actor_id: manager.id,
        after: expect.objectContaining({ slug: 'restaurants-vieux-quebec', audience: 'business' }),
      });

      const page = await managerAgent.get(`/staff/cohorts/${id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('La cohorte « Restaurants – Vieux-Québec » a été créée.');
      expect(page.text).toContain('<code>cohort:restaurants-vieux-quebec</code>');
      expect(page.text).toContain('Cette cohorte n’est rattachée à aucun plan de déploiement.');
      const list = await managerAgent.get('/staff/cohorts');
      expect(list.text).toContain(`href="/staff/cohorts/${id}"`);
      expect(list.text).toContain('Entreprises (PME)');
    });

    it('refuses an empty name, a bad slug and a slug taken (422), keeping what was typed', async () => {
      const before = await cohortCount();
      const empty = await post(managerAgent, '/staff/cohorts/new', {});
      expect(empty.status).toBe(422);
      expect(empty.text).toContain('<title>Erreur : Créer une cohorte');
      expect(summaryFields(empty.text)).toEqual(['name', 'audience']);
      expect(empty.text).toContain('Entrez le nom de la cohorte');
      expect(empty.text).toContain('Choisissez le public de la cohorte');

      const badSlug = await post(managerAgent, '/staff/cohorts/new', {
        name: 'Mon pilote',
        slug: 'Pas_Bon!',
        description: 'Garder ceci',
        audience: 'citizen',
      });
      expect(badSlug.status).toBe(422);
      expect(summaryFields(badSlug.text)).toEqual(['slug']);
      expect(badSlug.text).toContain('L’identifiant ne peut contenir que des lettres minuscules');
      expect(badSlug.text).toContain('value="Pas_Bon!"');
      expect(badSlug.text).toContain('value="Mon pilote"');
      expect(badSlug.text).toContain('>Garder ceci</textarea>');
      expect(badSlug.text).toMatch(/value="citizen" checked/);

      const tooLong = await post(managerAgent, '/staff/cohorts/new', {
        name: 'Long',
        slug: 'a'.repeat(61),
        audience: 'business',
      });
      expect(tooLong.status).toBe(422);
      expect(tooLong.text).toContain('L’identifiant doit compter 60 caractères ou moins');

      const taken = await createCohort({ slug: 'deja-pris' });
      const duplicate = await post(managerAgent, '/staff/cohorts/new', {
        name: 'Autre nom',
        slug: taken.slug,
        audience: 'business',
      });
      expect(duplicate.status).toBe(422);
      expect(summaryFields(duplicate.text)).toEqual(['slug']);
      expect(duplicate.text).toContain('Une cohorte porte déjà cet identifiant');
      expect(duplicate.text).toContain('value="Autre nom"');
      expect(await cohortCount()).toBe(before + 1);

      const english = await post(managerAgent, '/staff/cohorts/new', {}, '/staff/cohorts/new');
      expect(english.status).toBe(422);
      const en = await managerAgent
        .post('/staff/cohorts/new')
        .set('Cookie', 'guichet_lang=en')
        .type('form')
        .send({ _csrf: csrfFrom(english.text), name: '', audience: 'business' });
      expect(en.text).toContain('There is a problem');
      expect(en.text).toContain('Enter the cohort’s name');
    });

    it('edits the name and description, audited, and never the slug', async () => {
      const cohort = await createCohort({ name: 'Avant', slug: 'avant-edit' });
      const bad = await post(managerAgent, `/staff/cohorts/${cohort.id}/edit`, { name: '' });
      expect(bad.status).toBe(422);
      const res = await post(managerAgent, `/staff/cohorts/${cohort.id}/edit`, {
        name: 'Après',
        description: 'Nouvelle description',
        slug: 'tentative',
      });
      expect(res.status).toBe(303);
      const [row] = await db.query(`SELECT name, slug, description FROM cohort WHERE id = $1`, [
        cohort.id,
      ]);
      expect(row).toEqual({
        name: 'Après',
        slug: 'avant-edit',
        description: 'Nouvelle description',
      });
      const [event] = await db.query(
        `SELECT before, after FROM audit_event WHERE action = 'cohort.updated' AND entity_id = $1`,
        [cohort.id],
      );
      expect(event).toEqual({
        before: { name: 'Avant', description: '' },
        after: { name: 'Après', description: 'Nouvelle description' },
      });
    });
  });

  describe('inviting SMEs by NEQ', () => {
    it('refuses a malformed NEQ and one no SME has (422), keeping it', async () => {
      const cohort = await createCohort();
      const bad = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/neq`,
        {
          neq: '12345',
        },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(bad.status).toBe(422);
      expect(summaryFields(bad.text)).toEqual(['neq']);
      expect(bad.text).toContain('Le NEQ compte 10 chiffres, comme 1234567890');
      expect(bad.text).toContain('value="12345"');
      const unknown = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/neq`,
        {
          neq: '9999 999 999',
        },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(unknown.status).toBe(422);
      expect(unknown.text).toContain('Aucune entreprise inscrite au Guichet n’a ce NEQ');
      expect(unknown.text).toContain('value="9999 999 999"');
      expect(
        await db.query(`SELECT 1 FROM cohort_member WHERE cohort_id = $1`, [cohort.id]),
      ).toEqual([]);
    });

    it('emails the owners; an owner must accept the terms; the member is active and the plans move', async () => {
      const cohort = await createCohort({ name: 'Pilote terrasses NEQ' });
      const plan = await attachToPlan(cohort.id);
      const owner = await smeMember(portal.url, db, { legalName: 'Café du Parvis inc.' });
      const [ownerRow] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        owner.accountId,
      ]);
      const neq = await neqOf(owner.organizationId);

      const invited = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/neq`,
        {
          neq: `${neq.slice(0, 4)} ${neq.slice(4)}`,
        },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(invited.status).toBe(303);
      const [stored] = await db.query(
        `SELECT status, source, token_hash, invited_by, token_expires_at - updated_at AS ttl
           FROM cohort_member WHERE cohort_id = $1 AND organization_id = $2`,
        [cohort.id, owner.organizationId],
      );
      expect(stored).toMatchObject({
        status: 'invited',
        source: 'invitation',
        invited_by: manager.id,
        ttl: { days: 14 },
      });
      expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
      const page = await managerAgent.get(`/staff/cohorts/${cohort.id}`);
      expect(page.text).toContain('L’invitation a été envoyée à Café du Parvis inc.');
      expect(page.text).toContain('Invitée');
      expect(page.text).toContain(`NEQ ${neq}`);

      const link = await invitationLink(ownerRow.email, 'Pilote terrasses NEQ');
      const [mail] = (await mailFor(ownerRow.email)).filter((m) =>
        m.subject.includes('Pilote terrasses NEQ'),
      );
      expect(mail.subject).toBe(
        'Café du Parvis inc. est invitée au programme pilote « Pilote terrasses NEQ » – Guichet',
      );
      expect(stored.token_hash).not.toContain(link.split('/').pop());

      // Anonymous: the page names the cohort and sends to sign in, and back.
      const anonymous = await request(portal.url).get(link);
      expect(anonymous.status).toBe(200);
      expect(anonymous.text).toContain('Café du Parvis inc.');
      expect(anonymous.text).toContain(`href="/sign-in?return=${encodeURIComponent(link)}"`);

      // A member of the SME who is not an owner cannot accept.
      const employee = await createPerson(db, { email: uniqueEmail('employe') });
      await db.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
        [owner.organizationId, employee.id],
      );
      const employeeAgent = await signedInAgent(portal.url, employee.email);
      const employeePage = await employeeAgent.get(link);
      expect(employeePage.status).toBe(200);
      expect(employeePage.text).toContain('Seul un propriétaire de Café du Parvis inc.');
      expect(employeePage.text).not.toContain('Accepter l’invitation');
      const refused = await employeeAgent
        .post(`${link}/accept`)
        .type('form')
        .send({ _csrf: csrfFrom(employeePage.text), terms: 'accepted' });
      expect(refused.status).toBe(403);
      expect((await member(cohort.id, owner.organizationId))?.status).toBe('invited');

      // The owner must tick the terms.
      const versionBefore = await plan.version();
      const ownerPage = await owner.agent.get(link);
      expect(ownerPage.status).toBe(200);
      expect(ownerPage.text).toContain('Conditions du programme pilote');
      expect(ownerPage.text).toContain('Vos demandes sont réelles');
      expect(ownerPage.text).toContain('Vous pouvez vous retirer du programme en tout temps');
      const unticked = await owner.agent
        .post(`${link}/accept`)
        .type('form')
        .send({ _csrf: csrfFrom(ownerPage.text) });
      expect(unticked.status).toBe(422);
      expect(summaryFields(unticked.text)).toEqual(['terms']);
      expect(unticked.text).toContain(
        'Cochez la case pour accepter les conditions du programme pilote',
      );
      expect((await member(cohort.id, owner.organizationId))?.status).toBe('invited');
      expect(await plan.version()).toBe(versionBefore);

      const accepted = await owner.agent
        .post(`${link}/accept`)
        .type('form')
        .send({ _csrf: csrfFrom(ownerPage.text), terms: 'accepted' });
      expect(accepted.status).toBe(303);
      expect(accepted.headers.location).toBe('/pilot/joined');
      const joined = await owner.agent.get('/pilot/joined');
      expect(joined.text).toContain('Café du Parvis inc. fait maintenant partie du programme');
      const active = await member(cohort.id, owner.organizationId);
      expect(active).toMatchObject({ status: 'active', terms_accepted_by: owner.accountId });
      expect(active?.joined_at).toBeInstanceOf(Date);
      expect(await plan.version()).toBe(versionBefore + 1);
      expect(await events(cohort.id)).toEqual([
        'cohort.created',
        'cohort.invited',
        'pilot.accepted',
      ]);

      // Single use: the link now says so.
      const again = await owner.agent.get(link);
      expect(again.status).toBe(410);
      expect(again.text).toContain('Cette invitation a déjà été utilisée');
      const reposted = await owner.agent
        .post(`${link}/accept`)
        .type('form')
        .send({ _csrf: csrfFrom(ownerPage.text), terms: 'accepted' });
      expect(reposted.status).toBe(410);
      expect(await plan.version()).toBe(versionBefore + 1);

      // The cohort page counts the member, with who accepted, and lists its plan.
      const cohortPage = await managerAgent.get(`/staff/cohorts/${cohort.id}`);
      expect(cohortPage.text).toMatch(/id="cohort-size">1</);
      expect(cohortPage.text).toContain(`<code>${plan.slug}.business</code>`);
      expect(cohortPage.text).toContain('Conditions acceptées par Marie Tremblay');

      // Inviting it again: already a member.
      const twice = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/neq`,
        {
          neq,
        },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(twice.status).toBe(422);
      expect(twice.text).toContain('Ce membre fait déjà partie de la cohorte');
    });

    it('shows a clear page for an expired link, and lets an owner decline', async () => {
      const cohort = await createCohort({ name: 'Pilote expirations' });
      const owner = await smeMember(portal.url, db, { legalName: 'Fleuriste Lavande' });
      const [ownerRow] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        owner.accountId,
      ]);
      const neq = await neqOf(owner.organizationId);
      const invite = () =>
        post(
          managerAgent,
          `/staff/cohorts/${cohort.id}/invitations/neq`,
          { neq },
          `/staff/cohorts/${cohort.id}`,
        );
      expect((await invite()).status).toBe(303);
      const first = await invitationLink(ownerRow.email, 'Pilote expirations');
      await db.query(
        `UPDATE cohort_member SET token_expires_at = now() - interval '1 minute' WHERE cohort_id = $1`,
        [cohort.id],
      );
      const expired = await owner.agent.get(first);
      expect(expired.status).toBe(410);
      expect(expired.text).toContain('Cette invitation a expiré');
      expect((await owner.agent.get('/pilot/invitations/pas-un-jeton')).status).toBe(410);

      // A new invitation replaces the link; the owner declines it.
      expect((await invite()).status).toBe(303);
      let second = first;
      await eventually(async () => {
        second = await invitationLink(ownerRow.email, 'Pilote expirations');
        return second !== first;
      }, 10_000);
      expect((await owner.agent.get(first)).text).toContain(
        'Ce lien d’invitation n’est pas valide',
      );
      const page = await owner.agent.get(second);
      const declined = await owner.agent
        .post(`${second}/decline`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) });
      expect(declined.status).toBe(303);
      expect((await owner.agent.get('/pilot')).text).toContain(
        'Vous avez décliné l’invitation au programme « Pilote expirations ».',
      );
      expect((await member(cohort.id, owner.organizationId))?.status).toBe('declined');
      expect(await events(cohort.id)).toEqual([
        'cohort.created',
        'cohort.invited',
        'cohort.invited',
        'pilot.declined',
      ]);
    });
  });

  describe('inviting by email', () => {
    it('lets the invitee choose which SME they own joins (422 without a choice)', async () => {
      const cohort = await createCohort({ name: 'Pilote par courriel' });
      const owner = await smeMember(portal.url, db, { legalName: 'Garage Beaulieu' });
      const [ownerRow] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        owner.accountId,
      ]);
      const bad = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/email`,
        {
          email: 'pas-une-adresse',
        },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('Entrez une adresse courriel valide');
      expect(bad.text).toContain('value="pas-une-adresse"');

      const invited = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/email`,
        {
          email: ownerRow.email,
        },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(invited.status).toBe(303);
      const link = await invitationLink(ownerRow.email, 'Pilote par courriel');
      const page = await owner.agent.get(link);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Quelle entreprise se joint au programme?');
      expect(page.text).toContain('Garage Beaulieu');
      const noChoice = await owner.agent
        .post(`${link}/accept`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), terms: 'accepted' });
      expect(noChoice.status).toBe(422);
      expect(summaryFields(noChoice.text)).toEqual(['organizationId']);
      // Someone else's SME is refused too.
      const other = await smeMember(portal.url, db, { legalName: 'Pas à moi inc.' });
      const notMine = await owner.agent
        .post(`${link}/accept`)
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          terms: 'accepted',
          organizationId: other.organizationId,
        });
      expect(notMine.status).toBe(403);
      const accepted = await owner.agent
        .post(`${link}/accept`)
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          terms: 'accepted',
          organizationId: owner.organizationId,
        });
      expect(accepted.status).toBe(303);
      expect(await member(cohort.id, owner.organizationId)).toMatchObject({
        status: 'active',
        invited_email: ownerRow.email,
        terms_accepted_by: owner.accountId,
      });
      expect(await member(cohort.id, other.organizationId)).toBeUndefined();
    });

    it('lets only the invited address answer: another owner holding the link is refused (403), audited', async () => {
      const cohort = await createCohort({ name: 'Pilote adressé' });
      const invitee = await smeMember(portal.url, db, { legalName: 'Fromagerie Dion' });
      const [inviteeRow] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        invitee.accountId,
      ]);
      const invited = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/email`,
        { email: inviteeRow.email },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(invited.status).toBe(303);
      const link = await invitationLink(inviteeRow.email, 'Pilote adressé');
      const masked = `${inviteeRow.email.slice(0, 1)}•••${inviteeRow.email.slice(inviteeRow.email.indexOf('@'))}`;

      // The owner of another SME, holding the forwarded link.
      const stranger = await smeMember(portal.url, db, { legalName: 'Intrus inc.' });
      const page = await stranger.agent.get(link);
      expect(page.status).toBe(403);
      expect(page.text).toContain('Cette invitation ne vous est pas adressée');
      expect(page.text).toContain(masked);
      expect(page.text).not.toContain(inviteeRow.email);
      const csrf = csrfFrom((await stranger.agent.get('/pilot')).text);
      const accepted = await stranger.agent.post(`${link}/accept`).type('form').send({
        _csrf: csrf,
        terms: 'accepted',
        organizationId: stranger.organizationId,
      });
      expect(accepted.status).toBe(403);
      const declined = await stranger.agent
        .post(`${link}/decline`)
        .type('form')
        .send({ _csrf: csrf });
      expect(declined.status).toBe(403);
      expect(await member(cohort.id, stranger.organizationId)).toBeUndefined();
      const refusals = await db.query(
        `SELECT after FROM audit_event
          WHERE action = 'pilot.invitation_refused' AND actor_id = $1 ORDER BY id`,
        [stranger.accountId],
      );
      expect(refusals.map((r: { after: { attempt: string } }) => r.after.attempt)).toEqual([
        'viewed',
        'accept',
        'decline',
      ]);

      // The invitee still answers it.
      const own = await invitee.agent.get(link);
      expect(own.status).toBe(200);
      const joined = await invitee.agent
        .post(`${link}/accept`)
        .type('form')
        .send({
          _csrf: csrfFrom(own.text),
          terms: 'accepted',
          organizationId: invitee.organizationId,
        });
      expect(joined.status).toBe(303);
      expect(await member(cohort.id, invitee.organizationId)).toMatchObject({ status: 'active' });
    });

    it('invites a citizen tester, who joins as themselves', async () => {
      const cohort = await createCohort({ name: 'Testeurs citoyens', audience: 'citizen' });
      const neqRefused = await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/neq`,
        {
          neq: '1234567890',
        },
        `/staff/cohorts/${cohort.id}`,
      );
      expect(neqRefused.status).toBe(422);
      expect(neqRefused.text).toContain(
        'Une cohorte de citoyens testeurs n’accepte pas d’entreprises',
      );

      const tester = await createPerson(db, { email: uniqueEmail('testeur'), locale: 'en' });
      const testerAgent = await signedInAgent(portal.url, tester.email);
      expect(
        (
          await post(
            managerAgent,
            `/staff/cohorts/${cohort.id}/invitations/email`,
            {
              email: tester.email,
            },
            `/staff/cohorts/${cohort.id}`,
          )
        ).status,
      ).toBe(303);
      const link = await invitationLink(tester.email, 'Testeurs citoyens');
      // In the tester's language.
      const [mail] = (await mailFor(tester.email)).filter((m) => m.subject.includes('Testeurs'));
      expect(mail.subject).toBe('Invitation to test new services: “Testeurs citoyens” – Guichet');
      const page = await testerAgent.get(link);
      const accepted = await testerAgent
        .post(`${link}/accept`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), terms: 'accepted' });
      expect(accepted.status).toBe(303);
      const [row] = await db.query(
        `SELECT status, account_id, organization_id FROM cohort_member WHERE cohort_id = $1`,
        [cohort.id],
      );
      expect(row).toEqual({ status: 'active', account_id: tester.id, organization_id: null });
      const pilot = await testerAgent.get('/pilot');
      expect(pilot.text).toContain('Vos programmes de test');
      expect(pilot.text).toContain('Testeurs citoyens');
    });
  });

  describe('withdrawing and removing', () => {
    it('lets an SME owner withdraw from /pilot, after a confirmation page, recorded', async () => {
      const cohort = await createCohort({ name: 'Pilote retrait' });
      const plan = await attachToPlan(cohort.id);
      const owner = await smeMember(portal.url, db, { legalName: 'Imprimerie Nord' });
      const [ownerRow] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        owner.accountId,
      ]);
      await post(
        managerAgent,
        `/staff/cohorts/${cohort.id}/invitations/neq`,
        {
          neq: await neqOf(owner.organizationId),
        },
        `/staff/cohorts/${cohort.id}`,
      );
      const link = await invitationLink(ownerRow.email, 'Pilote retrait');
      const invitation = await owner.agent.get(link);
      await owner.agent
        .post(`${link}/accept`)
        .type('form')
        .send({ _csrf: csrfFrom(invitation.text), terms: 'accepted' });
      const version = await plan.version();

      const pilot = await owner.agent.get('/pilot');
      expect(pilot.text).toContain('Les programmes pilotes de Imprimerie Nord');
      expect(pilot.text).toContain(`href="/pilot/cohorts/${cohort.id}/withdraw"`);
      const confirm = await owner.agent.get(`/pilot/cohorts/${cohort.id}/withdraw`);
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('Imprimerie Nord quittera le programme « Pilote retrait »');
      const res = await owner.agent
        .post(`/pilot/cohorts/${cohort.id}/withdraw`)
        .type('form')
        .send({ _csrf: csrfFrom(confirm.text), reason: 'Trop occupés cet été' });
      expect(res.status).toBe(303);
      expect(await member(cohort.id, owner.organizationId)).toMatchObject({
        status: 'withdrawn',
        withdrawn_by: owner.accountId,
        withdrawal_reason: 'Trop occupés cet été',
      });
      expect(await plan.version()).toBe(version + 1);
      const after = await owner.agent.get('/pilot');
      expect(after.text).toContain('Vous vous êtes retiré du programme « Pilote retrait ».');
      expect(after.text).not.toContain(`/pilot/cohorts/${cohort.id}/withdraw`);
      expect((await owner.agent.get(`/pilot/cohorts/${cohort.id}/withdraw`)).status).toBe(404);
      const [event] = await db.query(
        `SELECT actor_id, acting_as, after FROM audit_event WHERE action = 'pilot.withdrawn' AND entity_id = $1`,
        [cohort.id],
      );
      expect(event).toEqual({
        actor_id: owner.accountId,
        acting_as: { audience: 'business', organizationId: owner.organizationId },
        after: { status: 'withdrawn', reason: 'Trop occupés cet été' },
      });
      const staffPage = await managerAgent.get(`/staff/cohorts/${cohort.id}`);
      expect(staffPage.text).toContain('Trop occupés cet été');
      expect(staffPage.text).toContain('Retirée');
    });

    it('lets a rollout manager remove a member with a reason (422 without one)', async () => {
      const cohort = await createCohort({ name: 'Pilote retrait personnel' });
      const plan = await attachToPlan(cohort.id);
      const owner = await smeMember(portal.url, db, { legalName: 'Boucherie Chez Paul' });
      const csv = `neq\n${await neqOf(owner.organizationId)}\n`;
      const imported = await managerAgent
        .post(`/staff/cohorts/${cohort.id}/import`)
        .field('_csrf', csrfFrom((await managerAgent.get(`/staff/cohorts/${cohort.id}`)).text))
        .attach('membersFile', Buffer.from(csv), 'membres.csv');
      expect(imported.status).toBe(303);
      const row = await member(cohort.id, owner.organizationId);
      expect(row).toMatchObject({ status: 'active', source: 'import' });
      const version = await plan.version();

      const path = `/staff/cohorts/${cohort.id}/members/${row!.id as string}/remove`;
      const page = await managerAgent.get(path);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Boucherie Chez Paul');
      const empty = await post(managerAgent, path, { reason: '  ' });
      expect(empty.status).toBe(422);
      expect(summaryFields(empty.text)).toEqual(['reason']);
      expect((await member(cohort.id, owner.organizationId))?.status).toBe('active');
      const removed = await post(managerAgent, path, { reason: 'Hors du territoire' });
      expect(removed.status).toBe(303);
      expect(await member(cohort.id, owner.organizationId)).toMatchObject({
        status: 'withdrawn',
        withdrawn_by: manager.id,
        withdrawal_reason: 'Hors du territoire',
      });
      expect(await plan.version()).toBe(version + 1);
      const [event] = await db.query(
        `SELECT actor_type, after FROM audit_event WHERE action = 'cohort.member_removed' AND entity_id = $1`,
        [cohort.id],
      );
      expect(event).toEqual({
        actor_type: 'staff',
        after: { status: 'withdrawn', reason: 'Hors du territoire' },
      });
      // Gone from the SME's /pilot list; removing again is not possible.
      expect((await owner.agent.get('/pilot')).text).not.toContain('Pilote retrait personnel');
      expect((await managerAgent.get(path)).status).toBe(404);
    });
  });

  describe('volunteers', () => {
    it('takes an owner’s request (terms required, one pending per SME) and lets staff approve it into a cohort', async () => {
      const cohort = await createCohort({ name: 'Pilote volontaires' });
      const plan = await attachToPlan(cohort.id);
      const owner = await smeMember(portal.url, db, { legalName: 'Atelier Boisé' });
      const [ownerRow] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        owner.accountId,
      ]);
      const anonymous = await request(portal.url).get('/pilot');
      expect(anonymous.status).toBe(200);
      expect(anonymous.text).toContain('Rejoindre le programme pilote');
      expect(anonymous.text).toContain(`href="/sign-in?return=${encodeURIComponent('/pilot')}"`);

      const page = await owner.agent.get('/pilot');
      expect(page.text).toContain('Proposer Atelier Boisé comme pilote');
      expect(page.text).toContain('Pourquoi les PME d’abord');
      const unticked = await owner.agent
        .post('/pilot/volunteer')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), message: 'Intéressés par les permis <b>' });
      expect(unticked.status).toBe(422);
      expect(summaryFields(unticked.text)).toEqual(['terms']);
      expect(unticked.text).toContain('>Intéressés par les permis &lt;b&gt;</textarea>');
      const sent = await owner.agent
        .post('/pilot/volunteer')
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          message: 'Intéressés par les permis <b>',
          terms: 'accepted',
        });
      expect(sent.status).toBe(303);
      const pending = await owner.agent.get('/pilot');
      expect(pending.text).toContain(
        'La demande de Atelier Boisé a été envoyée. Elle est en attente jusqu’à ce qu’un responsable des déploiements l’approuve.',
      );
      expect(pending.text).toContain('id="volunteer-pending"');
      expect(pending.text).not.toContain('action="/pilot/volunteer"');
      const twice = await owner.agent
        .post('/pilot/volunteer')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), terms: 'accepted' });
      expect(twice.status).toBe(422);
      expect(twice.text).toContain('Une demande pour cette entreprise est déjà en attente');
      const [volunteer] = await db.query(
        `SELECT id, status, account_id, message FROM pilot_volunteer WHERE organization_id = $1`,
        [owner.organizationId],
      );
      expect(volunteer).toMatchObject({
        status: 'pending',
        account_id: owner.accountId,
        message: 'Intéressés par les permis <b>',
      });

      // Staff see it, must choose a cohort, and approve.
      const list = await managerAgent.get('/staff/cohorts/volunteers');
      expect(list.text).toContain('Atelier Boisé');
      expect(list.text).toContain('Intéressés par les permis &lt;b&gt;');
      expect(list.text).not.toContain('permis <b>');
      const noCohort = await post(
        managerAgent,
        `/staff/cohorts/volunteers/${volunteer.id}/approve`,
        { cohortId: '' },
        '/staff/cohorts/volunteers',
      );
      expect(noCohort.status).toBe(422);
      expect(summaryFields(noCohort.text)).toEqual([`cohortId-${volunteer.id}`]);
      const version = await plan.version();
      const approved = await post(
        managerAgent,
        `/staff/cohorts/volunteers/${volunteer.id}/approve`,
        { cohortId: cohort.id },
        '/staff/cohorts/volunteers',
      );
      expect(approved.status).toBe(303);
      expect(await member(cohort.id, owner.organizationId)).toMatchObject({
        status: 'active',
        source: 'volunteer',
        terms_accepted_by: owner.accountId,
      });
      expect(await plan.version()).toBe(version + 1);
      const [decided] = await db.query(
        `SELECT status, cohort_id, decided_by FROM pilot_volunteer WHERE id = $1`,
        [volunteer.id],
      );
      expect(decided).toEqual({ status: 'approved', cohort_id: cohort.id, decided_by: manager.id });
      await eventually(
        async () =>
          (await mailFor(ownerRow.email)).some(
            (m) => m.subject === 'Atelier Boisé se joint au programme pilote – Guichet',
          ),
        10_000,
      );
      expect((await owner.agent.get('/pilot')).text).toContain('Pilote volontaires');
      const requested = await db.query(
        `SELECT action, actor_id FROM audit_event WHERE action = 'pilot.volunteer_requested' AND entity_id = $1`,
        [volunteer.id],
      );
      expect(requested).toEqual([
        { action: 'pilot.volunteer_requested', actor_id: owner.accountId },
      ]);
      expect(await events(cohort.id)).toEqual(['cohort.created', 'cohort.volunteer_approved']);
      // Decided: a second decision is refused.
      const again = await post(
        managerAgent,
        `/staff/cohorts/volunteers/${volunteer.id}/decline`,
        { note: '' },
        '/staff/cohorts/volunteers',
      );
      expect(again.status).toBe(409);
      expect(again.text).toContain('Cette demande a déjà été traitée');
      const unknown = await post(
        managerAgent,
        `/staff/cohorts/volunteers/00000000-0000-4000-8000-000000000000/decline`,
        { note: '' },
        '/staff/cohorts/volunteers',
      );
      expect(unknown.status).toBe(404);
    });

    it('lets staff decline a request with a note that goes in the email; non-owners cannot volunteer', async () => {
      const owner = await smeMember(portal.url, db, { legalName: 'Salon Coiffe' });
      const [ownerRow] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        owner.accountId,
      ]);
      const page = await owner.agent.get('/pilot');
      await owner.agent
        .post('/pilot/volunteer')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), terms: 'accepted' });
      const [volunteer] = await db.query(
        `SELECT id FROM pilot_volunteer WHERE organization_id = $1`,
        [owner.organizationId],
      );
      const declined = await post(
        managerAgent,
        `/staff/cohorts/volunteers/${volunteer.id}/decline`,
        { note: 'Revenez au printemps' },
        '/staff/cohorts/volunteers',
      );
      expect(declined.status).toBe(303);
      let text = '';
      await eventually(async () => {
        const mail = (await mailFor(ownerRow.email)).find((m) =>
          m.subject.startsWith('Votre demande au programme pilote'),
        );
        text = mail?.text ?? '';
        return Boolean(mail);
      }, 10_000);
      expect(text).toContain('Note de la Ville : Revenez au printemps');
      const [event] = await db.query(
        `SELECT after FROM audit_event WHERE action = 'cohort.volunteer_declined' AND entity_id = $1`,
        [volunteer.id],
      );
      expect(event.after).toEqual({
        organizationId: owner.organizationId,
        note: 'Revenez au printemps',
      });

      // A plain member of the SME sees why they cannot volunteer.
      const employee = await createPerson(db, { email: uniqueEmail('membre') });
      await db.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
        [owner.organizationId, employee.id],
      );
      const employeeAgent = await signedInAgent(portal.url, employee.email);
      const acting = await employeeAgent.get('/acting-as');
      await employeeAgent
        .post('/acting-as')
        .type('form')
        .send({ _csrf: csrfFrom(acting.text), actingAs: owner.organizationId, return: '/' });
      const memberPage = await employeeAgent.get('/pilot');
      expect(memberPage.text).toContain('Seul un propriétaire de Salon Coiffe peut proposer');
      const refused = await employeeAgent
        .post('/pilot/volunteer')
        .type('form')
        .send({ _csrf: csrfFrom(memberPage.text), terms: 'accepted' });
      expect(refused.status).toBe(403);
    });
  });

  describe('the member list', () => {
    it('pages members 50 at a time, in the order they were added', async () => {
      const cohort = await createCohort({ name: 'Grande cohorte' });
      await db.query(
        `INSERT INTO cohort_member (cohort_id, invited_email, status, source, created_at)
         SELECT $1, 'personne' || n || '@exemple.ca', 'declined', 'invitation',
                now() - make_interval(secs => 100 - n)
           FROM generate_series(1, 51) AS n`,
        [cohort.id],
      );
      const first = await managerAgent.get(`/staff/cohorts/${cohort.id}`);
      const emails = (html: string) =>
        [...html.matchAll(/(personne\d+@exemple\.ca)/g)].map((m) => m[1]);
      expect(emails(first.text)).toHaveLength(50);
      expect(emails(first.text)[0]).toBe('personne1@exemple.ca');
      const next = /href="(\/staff\/cohorts\/[0-9a-f-]+\?after=[^"]+)"/.exec(first.text)![1];
      const second = await managerAgent.get(next.replace(/&#x3D;/g, '='));
      expect(second.status).toBe(200);
      expect(emails(second.text)).toEqual(['personne51@exemple.ca']);
      expect(second.text).toContain('Retour au début de la liste');
      expect(second.text).not.toContain('Membres suivants');
    });
  });

  describe('CSV import and export', () => {
    it('reports every bad row by number and imports nothing', async () => {
      const cohort = await createCohort({ name: 'Pilote import erreurs' });
      const known = await smeMember(portal.url, db, { legalName: 'Connue inc.' });
      const neq = await neqOf(known.organizationId);
      const csv = [
        'neq;email',
        `${neq};`,
        '123;',
        '9999999999;',
        `${neq};`,
        ';pas-une-adresse',
        `${neq};a@exemple.ca`,
        ';',
        ';bonne@exemple.ca',
      ].join('\r\n');
      const page = await managerAgent.get(`/staff/cohorts/${cohort.id}`);
      const res = await managerAgent
        .post(`/staff/cohorts/${cohort.id}/import`)
        .field('_csrf', csrfFrom(page.text))
        .attach('membersFile', Buffer.from(csv), 'membres.csv');
      expect(res.status).toBe(422);
      expect(res.text).toContain('Le fichier contient des erreurs');
      expect(res.text).toContain('5 erreurs dans 5 lignes sur 7 : aucun membre n’a été importé');
      const rows = [...res.text.matchAll(/data-row="(\d+)"/g)].map((m) => Number(m[1]));
      expect(rows).toEqual([2, 3, 4, 5, 6]);
      expect(res.text).toContain('« 123 » n’est pas un NEQ');
      expect(res.text).toContain('Aucune entreprise inscrite au Guichet n’a le NEQ 9999999999');
      expect(res.text).toContain('Ce membre est déjà à la ligne 1');
      expect(res.text).toContain('« pas-une-adresse » n’est pas une adresse courriel valide');
      expect(res.text).toContain('La ligne a un NEQ et une adresse courriel');
      expect(
        await db.query(`SELECT 1 FROM cohort_member WHERE cohort_id = $1`, [cohort.id]),
      ).toEqual([]);

      const noFile = await managerAgent
        .post(`/staff/cohorts/${cohort.id}/import`)
        .field('_csrf', csrfFrom(page.text));
      expect(noFile.status).toBe(422);
      expect(summaryFields(noFile.text)).toEqual(['membersFile']);
      expect(noFile.text).toContain('Choisissez un fichier CSV');
      const noColumn = await managerAgent
        .post(`/staff/cohorts/${cohort.id}/import`)
        .field('_csrf', csrfFrom(page.text))
        .attach('membersFile', Buffer.from('nom\nX\n'), 'membres.csv');
      expect(noColumn.status).toBe(422);
      expect(noColumn.text).toContain('La ligne d’en-tête doit nommer une colonne neq ou email');
    });

    it('refuses a file whose quote is never closed, naming its line, in French and English', async () => {
      const cohort = await createCohort({ name: 'Pilote import guillemet' });
      const page = await managerAgent.get(`/staff/cohorts/${cohort.id}`);
      const broken = Buffer.from('\uFEFFneq;email\r\n;"a@exemple.ca\r\n;b@exemple.ca\r\n');
      const fr = await managerAgent
        .post(`/staff/cohorts/${cohort.id}/import`)
        .field('_csrf', csrfFrom(page.text))
        .attach('membersFile', broken, 'membres.csv');
      expect(fr.status).toBe(422);
      expect(summaryFields(fr.text)).toEqual(['membersFile']);
      expect(fr.text).toContain(
        'Le fichier choisi n’est pas un CSV valide : le guillemet ouvert à la ligne 2 n’est jamais fermé',
      );
      const en = await managerAgent
        .post(`/staff/cohorts/${cohort.id}/import`)
        .set('Cookie', 'guichet_lang=en')
        .field('_csrf', csrfFrom(page.text))
        .attach('membersFile', broken, 'membres.csv');
      expect(en.status).toBe(422);
      expect(en.text).toContain(
        'The selected file is not a valid CSV: the quote opened on line 2 is never closed',
      );
      expect(
        await db.query(`SELECT 1 FROM cohort_member WHERE cohort_id = $1`, [cohort.id]),
      ).toEqual([]);
    });

    it('imports SMEs and addresses, exports them safely, and the export imports back', async () => {
      const source = await createCohort({ name: 'Pilote source' });
      const plan = await attachToPlan(source.id);
      const first = await smeMember(portal.url, db, { legalName: '=HYPERLINK("http://x")' });
      const second = await smeMember(portal.url, db, { legalName: 'Deuxième, "la bonne" inc.' });
      const [secondOwner] = await db.query(`SELECT email FROM account WHERE id = $1`, [
        second.accountId,
      ]);
      const invitee = uniqueEmail('invite-import');
      const csv = `NEQ,Email,Note\n"${await neqOf(first.organizationId)}",,un\n${await neqOf(second.organizationId)},,deux\n,${invitee},trois\n`;
      const version = await plan.version();
      const page = await managerAgent.get(`/staff/cohorts/${source.id}`);
      const res = await managerAgent
        .post(`/staff/cohorts/${source.id}/import`)
        .field('_csrf', csrfFrom(page.text))
        .attach('membersFile', Buffer.from(csv), 'membres.csv');
      expect(res.status).toBe(303);
      const shown = await managerAgent.get(`/staff/cohorts/${source.id}`);
      expect(shown.text).toContain(
        'Importation terminée : 2 entreprises ajoutées, 1 invitation envoyée, 0 en attente de la vérification de l’entreprise, 0 déjà membre.',
      );
      expect(await plan.version()).toBe(version + 1);
      expect((await member(source.id, first.organizationId))?.status).toBe('active');
      expect((await member(source.id, second.organizationId))?.status).toBe('active');
      await invitationLink(invitee, 'Pilote source');
      await eventually(
        async () =>
          (await mailFor(secondOwner.email)).some((m) =>
            m.subject.includes('fait partie du programme pilote « Pilote source »'),
          ),
        10_000,
      );
      const [imported] = await db.query(
        `SELECT after FROM audit_event WHERE action = 'cohort.imported' AND entity_id = $1`,
        [source.id],
      );
      expect(imported.after).toMatchObject({ invited: [invitee], unchanged: 0 });
      expect(imported.after.joined).toHaveLength(2);

      // The same file again changes nothing but renews the invitation.
      const again = await managerAgent
        .post(`/staff/cohorts/${source.id}/import`)
        .field('_csrf', csrfFrom(page.text))
        .attach('membersFile', Buffer.from(csv), 'membres.csv');
      expect(again.status).toBe(303);
      expect(await plan.version()).toBe(version + 1);
      expect(
        (
          await db.query(`SELECT count(*)::int AS n FROM cohort_member WHERE cohort_id = $1`, [
            source.id,
          ])
        )[0].n,
      ).toBe(3);

      const exported = await managerAgent.get(`/staff/cohorts/${source.id}/members.csv`);
      expect(exported.status).toBe(200);
      expect(exported.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(exported.headers['content-disposition']).toBe(
        `attachment; filename="cohort-${source.slug}.csv"`,
      );
      const lines = exported.text.replace('\uFEFF', '').trim().split('\r\n');
      expect(lines[0]).toBe(
        '"neq","email","name","status","source","invited_by","joined_at","withdrawn_at","withdrawal_reason","withdrawn_by"',
      );
      expect(lines).toHaveLength(4);
      expect(exported.text).toContain(`"'=HYPERLINK(""http://x"")"`);
      expect(exported.text).toContain('"Deuxième, ""la bonne"" inc."');
      expect(exported.text).toContain(`"${invitee}"`);
      const [audited] = await db.query(
        `SELECT actor_type, entity_id, after FROM audit_event
          WHERE action = 'staff.exported' AND actor_id = $1 AND entity_type = 'cohort'
          ORDER BY id DESC LIMIT 1`,
        [manager.id],
      );
      expect(audited).toEqual({
        actor_type: 'staff',
        entity_id: source.id,
        after: { export: 'cohort-members', filters: { cohort: source.slug }, rows: 3 },
      });

      // Round trip: the export is an import file for another cohort.
      const target = await createCohort({ name: 'Pilote cible' });
      const targetPage = await managerAgent.get(`/staff/cohorts/${target.id}`);
      const roundTrip = await managerAgent
        .post(`/staff/cohorts/${target.id}/import`)
        .field('_csrf', csrfFrom(targetPage.text))
        .attach('membersFile', Buffer.from(exported.text), 'export.csv');
      expect(roundTrip.status).toBe(303);
      const members = await db.query(
        `SELECT organization_id, invited_email, status FROM cohort_member WHERE cohort_id = $1
          ORDER BY created_at, id`,
        [target.id],
      );
      expect(members).toEqual([
        { organization_id: first.organizationId, invited_email: null, status: 'active' },
        { organization_id: second.organizationId, invited_email: null, status: 'active' },
        { organization_id: null, invited_email: invitee, status: 'invited' },
      ]);
    });
  });
});
