import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { OrganizationService } from '../src/modules/organizations/organization.service.js';
import { createPerson, signedInAgent, uniqueEmail } from './support/people.js';
import { csrfFrom, eventually, mailFor, startTestApp, type TestApp } from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

let neqSeed = 1_000_000_000 + Math.floor(Math.random() * 1_000_000);
const uniqueNeq = () => String(neqSeed++);

const validSme = () => ({
  legalName: 'Boulangerie du Vieux-Moulin inc.',
  neq: uniqueNeq(),
  streetAddress: '12, rue du Moulin',
  city: 'Val-des-Cèdres',
  postalCode: 'G1R 4P5',
  employeeCount: '12',
  naicsCode: '44-45',
  contactName: 'Marie Tremblay',
  contactEmail: 'marie@boulangerie.example',
  contactPhone: '418 555-0123',
});

/** The hrefs of the error summary, in order. */
const summaryFields = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  const summary = html.slice(start, html.indexOf('</ul>', start));
  return [...summary.matchAll(/href="#(\w+)"/g)].map((m) => m[1]);
};

describe('organizations: SMEs, their members and invitations', () => {
  let portal: TestApp;
  let db: DataSource;
  let owner: { id: string; email: string };
  let ownerAgent: Agent;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    owner = await createPerson(db, { email: uniqueEmail('owner'), displayName: 'Marie Tremblay' });
    ownerAgent = await signedInAgent(portal.url, owner.email);
  });
  afterAll(() => portal.close());

  async function postSme(agent: Agent, fields: Record<string, string>, lang = 'fr') {
    const page = await agent.get('/organizations/new').set('Cookie', `guichet_lang=${lang}`);
    expect(page.status).toBe(200);
    return agent
      .post('/organizations/new')
      .set('Cookie', `guichet_lang=${lang}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...fields });
  }

  async function registerSme(agent = ownerAgent, fields: Record<string, string> = {}) {
    const res = await postSme(agent, { ...validSme(), ...fields });
    expect(res.status).toBe(303);
    return /^\/organizations\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];
  }

  async function postOn(agent: Agent, organizationId: string, path: string, fields = {}) {
    const page = await agent.get(`/organizations/${organizationId}`);
    const csrf =
      page.status === 200
        ? csrfFrom(page.text)
        : csrfFrom((await agent.get('/organizations/new')).text);
    return agent
      .post(`/organizations/${organizationId}${path}`)
      .type('form')
      .send({ _csrf: csrf, ...fields });
  }

  const organizationCount = async () =>
    (await db.query(`SELECT count(*)::int AS n FROM organization`))[0].n as number;

  it('sends anonymous visitors to sign in, and back', async () => {
    for (const path of ['/organizations', '/organizations/new']) {
      const res = await request(portal.url).get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/sign-in?return=${encodeURIComponent(path)}`);
    }
  });

  it('registers an SME with normalized values, its creator as owner, and an audit event', async () => {
    const page = await ownerAgent.get('/organizations/new');
    expect(page.text).toContain('Inscrire une entreprise');
    expect(page.text).toContain('44-45 – Commerce de détail');
    expect(page.text).toContain('72 – Services d’hébergement et de restauration');
    expect((page.text.match(/<option value="\d/g) ?? []).length).toBe(20);

    const neq = uniqueNeq();
    const res = await postSme(ownerAgent, {
      ...validSme(),
      neq: ` ${neq.slice(0, 4)} ${neq.slice(4, 7)} ${neq.slice(7)} `,
      postalCode: 'g1r4p5',
      employeeCount: '1 200',
      contactPhone: '+1 (418) 555.0123',
    });
    expect(res.status).toBe(303);
    const id = /^\/organizations\/([0-9a-f-]{36})$/.exec(res.headers.location)![1];

    const [stored] = await db.query(`SELECT * FROM organization WHERE id = $1`, [id]);
    expect(stored).toMatchObject({
      legal_name: 'Boulangerie du Vieux-Moulin inc.',
      neq,
      street_address: '12, rue du Moulin',
      city: 'Val-des-Cèdres',
      postal_code: 'G1R 4P5',
      employee_count: 1200,
      naics_code: '44-45',
      contact_name: 'Marie Tremblay',
      contact_email: 'marie@boulangerie.example',
      contact_phone: '418 555-0123',
    });
    expect(
      await db.query(
        `SELECT account_id, role FROM organization_membership WHERE organization_id = $1`,
        [id],
      ),
    ).toEqual([{ account_id: owner.id, role: 'owner' }]);
    const events = await db.query(
      `SELECT action, actor_type, actor_id, entity_type, after FROM audit_event WHERE entity_id = $1`,
      [id],
    );
    expect(events).toEqual([
      {
        action: 'organization.registered',
        actor_type: 'person',
        actor_id: owner.id,
        entity_type: 'organization',
        after: expect.objectContaining({ neq, legalName: 'Boulangerie du Vieux-Moulin inc.' }),
      },
    ]);

    const shown = await ownerAgent.get(`/organizations/${id}`);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Boulangerie du Vieux-Moulin inc.');
    expect(shown.text).toContain(neq);
    expect(shown.text).toContain('Commerce de détail (44-45)');
    expect(shown.text).toContain('Votre rôle : Propriétaire');
    const list = await ownerAgent.get('/organizations');
    expect(list.text).toContain(`href="/organizations/${id}"`);
    expect(list.text).toContain('Mes entreprises');

    const memberships = await portal.app.get(OrganizationService).membershipsOf(owner.id);
    expect(memberships).toContainEqual({
      id,
      legalName: 'Boulangerie du Vieux-Moulin inc.',
      employeeCount: 1200,
      role: 'owner',
    });
  });

  it('re-renders an empty form with 422, every message in field order, in French', async () => {
    const before = await organizationCount();
    const res = await postSme(ownerAgent, {});
    expect(res.status).toBe(422);
    expect(res.text).toContain('<title>Erreur : Inscrire une entreprise');
    expect(res.text).toContain('Il y a un problème');
    expect(summaryFields(res.text)).toEqual([
      'legalName',
      'neq',
      'streetAddress',
      'city',
      'postalCode',
      'employeeCount',
      'naicsCode',
      'contactName',
      'contactEmail',
      'contactPhone',
    ]);
    for (const message of [
      'Entrez le nom légal de l’entreprise',
      'Entrez le NEQ de l’entreprise',
      'Entrez le numéro et la rue',
      'Entrez la ville',
      'Entrez le code postal',
      'Entrez le nombre d’employés',
      'Choisissez le secteur d’activité',
      'Entrez le nom de la personne-ressource',
      'Entrez l’adresse courriel de la personne-ressource',
      'Entrez le numéro de téléphone de la personne-ressource',
    ])
      expect(res.text).toContain(message);
    expect(res.text).toContain('id="naicsCode-error"');
    expect(await organizationCount()).toBe(before);
  });

  it('explains a malformed NEQ, keeping everything typed', async () => {
    const before = await organizationCount();
    const res = await postSme(ownerAgent, { ...validSme(), neq: '12345', naicsCode: '72' });
    expect(res.status).toBe(422);
    expect(summaryFields(res.text)).toEqual(['neq']);
    expect(res.text).toContain('Le NEQ compte 10 chiffres, comme 1234567890');
    expect(res.text).toContain('id="neq-error"');
    expect(res.text).toContain('value="12345"');
    expect(res.text).toContain('value="Boulangerie du Vieux-Moulin inc."');
    expect(res.text).toContain('value="12, rue du Moulin"');
    expect(res.text).toContain('value="418 555-0123"');
    expect(res.text).toContain('<option value="72" selected>');
    expect(await organizationCount()).toBe(before);
  });

  it('refuses a NEQ already registered, with its own message', async () => {
    const neq = uniqueNeq();
    await registerSme(ownerAgent, { neq });
    const before = await organizationCount();
    const other = await createPerson(db, { email: uniqueEmail('other') });
    const otherAgent = await signedInAgent(portal.url, other.email);
    const res = await postSme(otherAgent, { ...validSme(), neq, legalName: 'Autre nom inc.' });
    expect(res.status).toBe(422);
    expect(summaryFields(res.text)).toEqual(['neq']);
    expect(res.text).toContain('Une entreprise avec ce NEQ est déjà inscrite');
    expect(res.text).toContain('value="Autre nom inc."');
    expect(await organizationCount()).toBe(before);
    expect(await portal.app.get(OrganizationService).membershipsOf(other.id)).toEqual([]);
  });

  it('refuses a bad postal code and a bad number of employees', async () => {
    const before = await organizationCount();
    const postal = await postSme(ownerAgent, { ...validSme(), postalCode: '12345' });
    expect(postal.status).toBe(422);
    expect(postal.text).toContain('Entrez un code postal canadien valide, comme G1R 4P5');
    expect(postal.text).toContain('value="12345"');
    for (const employeeCount of ['-3', 'douze', '2.5', '99999999']) {
      const res = await postSme(ownerAgent, { ...validSme(), employeeCount });
      expect(res.status).toBe(422);
      expect(summaryFields(res.text)).toEqual(['employeeCount']);
      expect(res.text).toContain('Entrez le nombre d’employés en chiffres');
      expect(res.text).toContain(`value="${employeeCount}"`);
    }
    expect(await organizationCount()).toBe(before);
  });

  it('speaks English when asked', async () => {
    const res = await postSme(
      ownerAgent,
      { ...validSme(), neq: '123 456', postalCode: 'Z1Z 1Z1', contactEmail: 'nope' },
      'en',
    );
    expect(res.status).toBe(422);
    expect(res.text).toContain('<title>Error: Register a business');
    expect(res.text).toContain('There is a problem');
    expect(summaryFields(res.text)).toEqual(['neq', 'postalCode', 'contactEmail']);
    expect(res.text).toContain('The NEQ has 10 digits, like 1234567890');
    expect(res.text).toContain('Enter a valid Canadian postal code, like G1R 4P5');
    expect(res.text).toContain(
      'Enter an email address in the correct format, like name@example.ca',
    );
    expect(res.text).toContain('44-45 – Retail trade');
    expect(res.text).toContain('value="123 456"');
  });

  describe('invitations and roles', () => {
    let organizationId: string;
    let employee: { id: string; email: string };
    let employeeAgent: Agent;
    let outsiderAgent: Agent;

    beforeAll(async () => {
      organizationId = await registerSme(ownerAgent, { legalName: 'Quincaillerie Gagnon ltée' });
      employee = await createPerson(db, {
        email: uniqueEmail('employee'),
        displayName: 'Jean Gagnon',
        locale: 'en',
      });
      employeeAgent = await signedInAgent(portal.url, employee.email);
      const outsider = await createPerson(db, { email: uniqueEmail('outsider') });
      outsiderAgent = await signedInAgent(portal.url, outsider.email);
    });

    async function inviteAndAccept(email: string, agent: Agent, role = 'member') {
      const invited = await postOn(ownerAgent, organizationId, '/invitations', { email, role });
      expect(invited.status).toBe(303);
      await eventually(async () => (await mailFor(email)).length > 0, 5000);
      const [message] = (await mailFor(email)).slice(-1);
      const link = /(http:\/\/\S+\/invitations\/accept\?token=\S+)/.exec(message.text)![1];
      const url = new URL(link);
      const page = await agent.get(url.pathname + url.search);
      expect(page.status).toBe(200);
      const token = url.searchParams.get('token')!;
      const accepted = await agent
        .post('/invitations/accept')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), token });
      return { message, page, token, accepted };
    }

    it('lets an owner invite an employee by email, who accepts once, signed in', async () => {
      const invited = await postOn(ownerAgent, organizationId, '/invitations', {
        email: `  ${employee.email.toUpperCase()} `,
        role: 'member',
      });
      expect(invited.status).toBe(303);
      expect(invited.headers.location).toBe(`/organizations/${organizationId}?invited=1`);
      const [stored] = await db.query(
        `SELECT token_hash, email, role, created_by, expires_at - created_at AS ttl
         FROM organization_invitation WHERE organization_id = $1`,
        [organizationId],
      );
      expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored).toMatchObject({ role: 'member', created_by: owner.id, ttl: { days: 7 } });
      const pending = await ownerAgent.get(`/organizations/${organizationId}?invited=1`);
      expect(pending.text).toContain('Invitation envoyée');
      expect(pending.text).toContain('Invitations en attente');
      expect(pending.text).toContain(employee.email.toUpperCase());

      // The email goes out in the invitee's language (their account says English).
      await eventually(async () => (await mailFor(employee.email)).length > 0, 5000);
      const [message] = await mailFor(employee.email);
      expect(message.subject).toBe('Invitation to join Quincaillerie Gagnon ltée – Guichet');
      expect(message.text).toContain('Marie Tremblay invites you');
      const link = /(http:\/\/\S+\/invitations\/accept\?token=(\S+))/.exec(message.text)!;
      const token = link[2];
      expect(stored.token_hash).not.toContain(token);

      // Not signed in: the page names the SME and sends to sign in, then back.
      const anonymous = await request(portal.url).get(`/invitations/accept?token=${token}`);
      expect(anonymous.status).toBe(200);
      expect(anonymous.text).toContain('Quincaillerie Gagnon ltée');
      expect(anonymous.text).toContain(
        `href="/sign-in?return=${encodeURIComponent(`/invitations/accept?token=${token}`)}"`,
      );

      const page = await employeeAgent.get(`/invitations/accept?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Vous êtes invité à vous joindre à Quincaillerie Gagnon ltée');
      const accepted = await employeeAgent
        .post('/invitations/accept')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), token });
      expect(accepted.status).toBe(303);
      expect(accepted.headers.location).toBe(`/organizations/${organizationId}`);
      expect(
        await db.query(
          `SELECT role FROM organization_membership WHERE organization_id = $1 AND account_id = $2`,
          [organizationId, employee.id],
        ),
      ).toEqual([{ role: 'member' }]);
      const [joined] = await db.query(
        `SELECT actor_id, after FROM audit_event WHERE entity_id = $1 AND action = 'organization.member_joined'`,
        [organizationId],
      );
      expect(joined).toEqual({
        actor_id: employee.id,
        after: {
          accountId: employee.id,
          role: 'member',
          invitedEmail: employee.email.toUpperCase(),
        },
      });

      const shown = await employeeAgent.get(`/organizations/${organizationId}`);
      expect(shown.status).toBe(200);
      expect(shown.text).toContain('Votre rôle : Membre');
      expect(shown.text).toContain('Jean Gagnon');
      expect(shown.text).toContain(owner.email);
      expect(shown.text).not.toContain('Envoyer l’invitation');

      // The same link again: used.
      const again = await employeeAgent
        .post('/invitations/accept')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), token });
      expect(again.status).toBe(410);
      expect(again.text).toContain('Ce lien d’invitation n’est plus valide');
      expect((await employeeAgent.get(`/invitations/accept?token=${token}`)).status).toBe(410);
    });

    it('lets only the invited address accept: anyone else holding the link is refused (403), audited', async () => {
      const smeId = await registerSme(ownerAgent, { legalName: 'Serrurerie Lapointe' });
      const email = uniqueEmail('addressee');
      const addressee = await createPerson(db, { email, displayName: 'Luc Destinataire' });
      const invited = await postOn(ownerAgent, smeId, '/invitations', {
        email,
        role: 'owner',
      });
      expect(invited.status).toBe(303);
      await eventually(async () => (await mailFor(email)).length > 0, 5000);
      const token = /token=(\S+)/.exec((await mailFor(email)).at(-1)!.text)![1];
      const masked = `${email.slice(0, 1)}•••${email.slice(email.indexOf('@'))}`;

      // Someone else, signed in, opens the forwarded link: refused, told where it went.
      const intruder = await createPerson(db, { email: uniqueEmail('intruder') });
      const intruderAgent = await signedInAgent(portal.url, intruder.email);
      const page = await intruderAgent.get(`/invitations/accept?token=${token}`);
      expect(page.status).toBe(403);
      expect(page.text).toContain('Cette invitation ne vous est pas adressée');
      expect(page.text).toContain(masked);
      expect(page.text).not.toContain(email);
      expect(page.text).not.toContain('Accepter l’invitation');
      const english = await intruderAgent
        .get(`/invitations/accept?token=${token}`)
        .set('Cookie', 'guichet_lang=en');
      expect(english.status).toBe(403);
      expect(english.text).toContain('This invitation is not addressed to you');

      // Posting the token anyway: refused, not a member, the invitation still open.
      const accepted = await intruderAgent
        .post('/invitations/accept')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), token });
      expect(accepted.status).toBe(403);
      expect(accepted.text).toContain(masked);
      expect(await portal.app.get(OrganizationService).membershipsOf(intruder.id)).toEqual([]);
      const refusals = await db.query(
        `SELECT actor_id, after FROM audit_event
         WHERE entity_id = $1 AND action = 'organization.invitation_refused' AND actor_id = $2
         ORDER BY id`,
        [smeId, intruder.id],
      );
      expect(refusals.map((r: { after: { attempt: string } }) => r.after.attempt)).toEqual([
        'viewed',
        'viewed',
        'accept',
      ]);
      expect(refusals[2].after).toEqual({
        invitedEmail: email,
        accountId: intruder.id,
        attempt: 'accept',
        reason: 'not-addressee',
      });

      // The addressee, whatever the case of the address, still accepts it, as owner.
      const addresseeAgent = await signedInAgent(portal.url, email.toUpperCase());
      const own = await addresseeAgent.get(`/invitations/accept?token=${token}`);
      expect(own.status).toBe(200);
      const done = await addresseeAgent
        .post('/invitations/accept')
        .type('form')
        .send({ _csrf: csrfFrom(own.text), token });
      expect(done.status).toBe(303);
      expect(await portal.app.get(OrganizationService).roleOf(addressee.id, smeId)).toBe('owner');
    });

    it('refuses an invitation to an account whose address is not confirmed', async () => {
      const email = uniqueEmail('unconfirmed');
      const person = await createPerson(db, { email });
      const invited = await postOn(ownerAgent, organizationId, '/invitations', {
        email,
        role: 'member',
      });
      expect(invited.status).toBe(303);
      await eventually(async () => (await mailFor(email)).length > 0, 5000);
      const token = /token=(\S+)/.exec((await mailFor(email)).at(-1)!.text)![1];
      await db.query(`UPDATE account SET email_confirmed_at = NULL WHERE id = $1`, [person.id]);
      const answer = await portal.app
        .get(OrganizationService)
        .acceptInvitation(person.id, token, { ip: '127.0.0.1', requestId: 'test' });
      expect(answer.state).toBe('not-addressee');
      expect(await portal.app.get(OrganizationService).membershipsOf(person.id)).toEqual([]);
    });

    it('answers an expired invitation with 410, and an anonymous acceptance with sign-in', async () => {
      const email = uniqueEmail('late');
      const late = await createPerson(db, { email });
      const lateAgent = await signedInAgent(portal.url, email);
      const invited = await postOn(ownerAgent, organizationId, '/invitations', {
        email,
        role: 'member',
      });
      expect(invited.status).toBe(303);
      await eventually(async () => (await mailFor(email)).length > 0, 5000);
      const token = /token=(\S+)/.exec((await mailFor(email))[0].text)![1];

      const anonymous = request.agent(portal.url);
      const csrf = csrfFrom((await anonymous.get('/sign-in')).text);
      const notSignedIn = await anonymous
        .post('/invitations/accept')
        .type('form')
        .send({ _csrf: csrf, token });
      expect(notSignedIn.status).toBe(303);
      expect(notSignedIn.headers.location).toBe(
        `/sign-in?return=${encodeURIComponent(`/invitations/accept?token=${token}`)}`,
      );

      await db.query(
        `UPDATE organization_invitation SET expires_at = now() - interval '1 minute'
         WHERE organization_id = $1 AND email = $2`,
        [organizationId, email],
      );
      expect((await lateAgent.get(`/invitations/accept?token=${token}`)).status).toBe(410);
      const res = await lateAgent
        .post('/invitations/accept')
        .type('form')
        .send({ _csrf: csrfFrom((await lateAgent.get('/organizations/new')).text), token });
      expect(res.status).toBe(410);
      expect(await portal.app.get(OrganizationService).membershipsOf(late.id)).toEqual([]);
      expect((await lateAgent.get('/invitations/accept?token=nonsense')).status).toBe(410);
    });

    it('validates the invitation form, and refuses to invite someone already a member', async () => {
      const res = await postOn(ownerAgent, organizationId, '/invitations', {
        email: 'pas-une-adresse',
        role: 'admin',
      });
      expect(res.status).toBe(422);
      expect(summaryFields(res.text)).toEqual(['email', 'role']);
      expect(res.text).toContain('Entrez une adresse courriel dans le bon format');
      expect(res.text).toContain('Choisissez un rôle : propriétaire ou membre');
      expect(res.text).toContain('value="pas-une-adresse"');

      const member = await postOn(ownerAgent, organizationId, '/invitations', {
        email: owner.email,
        role: 'member',
      });
      expect(member.status).toBe(422);
      expect(member.text).toContain('Cette personne fait déjà partie de l’entreprise');
    });

    it('lets members see but not change (403), and hides the SME from everyone else (404)', async () => {
      const invitationsBefore = (
        await db.query(`SELECT count(*)::int AS n FROM organization_invitation`)
      )[0].n;
      const invite = await postOn(employeeAgent, organizationId, '/invitations', {
        email: uniqueEmail('friend'),
        role: 'owner',
      });
      expect(invite.status).toBe(403);
      expect(invite.text).toContain('Réservé aux propriétaires');
      const promote = await postOn(employeeAgent, organizationId, `/members/${employee.id}/role`, {
        role: 'owner',
      });
      expect(promote.status).toBe(403);
      const remove = await postOn(employeeAgent, organizationId, `/members/${owner.id}/remove`);
      expect(remove.status).toBe(403);
      expect((await db.query(`SELECT count(*)::int AS n FROM organization_invitation`))[0].n).toBe(
        invitationsBefore,
      );

      const hidden = await outsiderAgent.get(`/organizations/${organizationId}`);
      expect(hidden.status).toBe(404);
      expect(hidden.text).not.toContain('Quincaillerie Gagnon');
      const outsiderInvite = await postOn(outsiderAgent, organizationId, '/invitations', {
        email: uniqueEmail('x'),
        role: 'member',
      });
      expect(outsiderInvite.status).toBe(404);
      expect(outsiderInvite.text).not.toContain('Quincaillerie Gagnon');
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "1' OR '1'='1"])
        expect((await ownerAgent.get(`/organizations/${encodeURIComponent(id)}`)).status).toBe(404);
      expect((await outsiderAgent.get('/organizations')).text).not.toContain(organizationId);
    });

    it('keeps at least one owner: the last owner can be neither demoted nor removed', async () => {
      const demote = await postOn(ownerAgent, organizationId, `/members/${owner.id}/role`, {
        role: 'member',
      });
      expect(demote.status).toBe(422);
      expect(demote.text).toContain('Une entreprise doit toujours avoir au moins un propriétaire');
      expect(summaryFields(demote.text)).toEqual(['members']);
      const remove = await postOn(ownerAgent, organizationId, `/members/${owner.id}/remove`);
      expect(remove.status).toBe(422);
      expect(remove.text).toContain('Une entreprise doit toujours avoir au moins un propriétaire');

      // With a second owner, the first may step down; the member changes are audited.
      const promote = await postOn(ownerAgent, organizationId, `/members/${employee.id}/role`, {
        role: 'owner',
      });
      expect(promote.status).toBe(303);
      const stepDown = await postOn(ownerAgent, organizationId, `/members/${owner.id}/role`, {
        role: 'member',
      });
      expect(stepDown.status).toBe(303);
      const roles = await db.query(
        `SELECT account_id, role FROM organization_membership WHERE organization_id = $1 ORDER BY role`,
        [organizationId],
      );
      expect(roles).toEqual([
        { account_id: owner.id, role: 'member' },
        { account_id: employee.id, role: 'owner' },
      ]);
      // Now only the employee is an owner: they cannot leave either.
      const last = await postOn(employeeAgent, organizationId, `/members/${employee.id}/remove`);
      expect(last.status).toBe(422);
      const removeOwner = await postOn(
        employeeAgent,
        organizationId,
        `/members/${owner.id}/remove`,
      );
      expect(removeOwner.status).toBe(303);
      expect((await ownerAgent.get(`/organizations/${organizationId}`)).status).toBe(404);
      const actions = await db.query(
        `SELECT action, before, after FROM audit_event
         WHERE entity_id = $1 AND action LIKE 'organization.member_%' ORDER BY id`,
        [organizationId],
      );
      expect(actions.map((a: { action: string }) => a.action)).toEqual([
        'organization.member_joined',
        'organization.member_role_changed',
        'organization.member_role_changed',
        'organization.member_removed',
      ]);
      expect(actions[3].before).toEqual({ accountId: owner.id, role: 'member' });
    });

    it('lets a person belong to several SMEs, and invites as owner', async () => {
      const second = await registerSme(ownerAgent, { legalName: 'Atelier Beaulieu' });
      const email = uniqueEmail('partner');
      const partner = await createPerson(db, { email, displayName: 'Lise Beaulieu' });
      const agent = await signedInAgent(portal.url, email);
      const { accepted } = await inviteAndAcceptOn(second, email, agent, 'owner');
      expect(accepted.status).toBe(303);
      const third = await registerSme(agent, { legalName: 'Ébénisterie Beaulieu' });
      const memberships = await portal.app.get(OrganizationService).membershipsOf(partner.id);
      expect(memberships.map((m) => [m.id, m.role])).toEqual([
        [second, 'owner'],
        [third, 'owner'],
      ]);
      const list = await agent.get('/organizations');
      expect(list.text).toContain('Atelier Beaulieu');
      expect(list.text).toContain('Ébénisterie Beaulieu');
    });

    async function inviteAndAcceptOn(id: string, email: string, agent: Agent, role: string) {
      const saved = organizationId;
      organizationId = id;
      try {
        return await inviteAndAccept(email, agent, role);
      } finally {
        organizationId = saved;
      }
    }
  });

  it('limits invitations to 30 an hour per person, saying when to try again', async () => {
    const sender = await createPerson(db, { email: uniqueEmail('busy-owner') });
    const agent = await signedInAgent(portal.url, sender.email);
    const id = await registerSme(agent, { neq: '1177665544' });
    for (let i = 0; i < 30; i++) {
      const res = await postOn(agent, id, '/invitations', {
        email: uniqueEmail(`guest${i}`),
        role: 'member',
      });
      expect(res.status).toBe(303);
    }
    const refused = await postOn(agent, id, '/invitations', {
      email: uniqueEmail('one-too-many'),
      role: 'member',
    });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toMatch(/Trop de tentatives. Réessayez dans \d+ minutes/);
  });
});
