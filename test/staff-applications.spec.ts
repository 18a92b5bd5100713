import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  queueQuery,
  type QueueFilters,
} from '../src/modules/applications/applications-queue.read-model.js';
import { ApplicationProcessingService } from '../src/modules/applications/application-processing.service.js';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import type { StaffRole } from '../src/modules/staff/staff-role.js';
import { buildingPermitAnswers, fileBuildingPermit, PDF } from './support/applications.js';
import { createPerson, signedInAgent } from './support/people.js';
import { launchChromium, screenshot, wcagViolations } from './support/browser.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';
import { ApplicationsReadModel } from '../src/modules/applications/applications.read-model.js';

type Agent = ReturnType<typeof request.agent>;

/** The references in the queue's table, top to bottom. */
const referencesOn = (html: string) =>
  [...html.matchAll(/<th scope="row" class="govuk-table__header"><a [^>]+>([^<]+)<\/a>/g)].map(
    (m) => m[1],
  );
/** An href as Handlebars writes it in an attribute, back to a path. */
const hrefOf = (html: string, rel: 'next' | 'prev') => {
  const match = new RegExp(`href="([^"]+)" rel="${rel}"`).exec(html);
  return match ? match[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=') : undefined;
};

describe('staff: the applications queue and processing', () => {
  let portal: TestApp;
  let db: DataSource;
  const agents = {} as Record<StaffRole | 'resident', Agent>;
  const ids = {} as Record<StaffRole | 'resident' | 'otherClerk', string>;
  const origin = { ip: '127.0.0.1', requestId: 'test' };

  async function staffMember(role: StaffRole, name: string) {
    const person = await createPerson(db, { displayName: name });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
      person.id,
      role,
    ]);
    return person;
  }

  /** A citizen's building permit, submitted. */
  async function filed(locale = 'fr') {
    const person = await createPerson(db, { displayName: 'Jeanne Demandeuse', locale });
    const application = await fileBuildingPermit(portal.app, db, {
      accountId: person.id,
      audience: 'citizen',
    });
    return { person, application };
  }

  /** A form post with the session's CSRF token (the sign-out form of any page carries it). */
  async function post(agent: Agent, path: string, form: Record<string, string> = {}) {
    const page = await agent.get('/staff');
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  /** An SME the person owns. */
  async function smeFor(accountId: string): Promise<string> {
    const [org] = await db.query<{ id: string }[]>(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone)
       VALUES ('Boulangerie du Vieux-Moulin inc.', $1, '12 rue Principale', 'Val-des-Cèdres', 'J0A 1B0', 12,
         '31-33', 'Jeanne Demandeuse', 'jeanne@exemple.ca', '418 555-0123')
       RETURNING id`,
      [`11${String(Date.now() % 1e8).padStart(8, '0')}`],
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [org.id, accountId],
    );
    return org.id;
  }

  async function statusOf(id: string) {
    const [row] = await db.query(
      `SELECT status, assigned_to, decision_note, decided_at FROM application WHERE id = $1`,
      [id],
    );
    return row as {
      status: string;
      assigned_to: string | null;
      decision_note: string | null;
      decided_at: Date | null;
    };
  }

  async function emails(kind: string, to: string) {
    return db.query<{ payload: Record<string, string> }[]>(
      `SELECT payload FROM outbox_message WHERE kind = $1 AND recipient = $2 ORDER BY id`,
      [kind, to],
    );
  }

  async function auditActions(id: string) {
    const rows = await db.query<
      { action: string; actor_type: string; before: unknown; after: unknown }[]
    >(
      `SELECT action, actor_type, before, after FROM audit_event
        WHERE entity_type = 'application' AND entity_id = $1 ORDER BY id`,
      [id],
    );
    return rows;
  }

  beforeAll(async () => {
    portal = await startTestApp({}, { skipBootTasks: true });
    db = portal.app.get(DataSource);
    for (const role of ['admin', 'clerk', 'analyst', 'rollout-manager'] as const) {
      const person = await staffMember(role, `Agent ${role}`);
      ids[role] = person.id;
      agents[role] = await signedInAgent(portal.url, person.email);
    }
    ids.otherClerk = (await staffMember('clerk', 'Paul Collègue')).id;
    const resident = await createPerson(db);
    ids.resident = resident.id;
    agents.resident = await signedInAgent(portal.url, resident.email);
  });
  afterAll(() => portal.close());

  describe('who may open what', () => {
    it('sends visitors to sign in, hides the pages from residents (404), refuses analysts and rollout managers (403)', async () => {
      const { application } = await filed();
      const paths = ['/staff/applications', `/staff/applications/${application.id}`];
      for (const path of paths) {
        const anonymous = await request(portal.url).get(path);
        expect(anonymous.status).toBe(303);
        expect(anonymous.headers.location).toBe(`/sign-in?return=${encodeURIComponent(path)}`);
        expect((await agents.resident.get(path)).status).toBe(404);
        expect((await agents.analyst.get(path)).status).toBe(403);
        expect((await agents['rollout-manager'].get(path)).status).toBe(403);
        expect((await agents.clerk.get(path)).status).toBe(200);
        expect((await agents.admin.get(path)).status).toBe(200);
      }
      // An analyst cannot act either, even with a valid form token.
      const home = await agents.analyst.get('/staff');
      const refused = await agents.analyst
        .post(`/staff/applications/${application.id}/assign`)
        .type('form')
        .send({ _csrf: csrfFrom(home.text) });
      expect(refused.status).toBe(403);
      expect((await statusOf(application.id)).status).toBe('submitted');
    });

    it('shows the queue in the staff menu to clerks and admins only', async () => {
      expect((await agents.clerk.get('/staff')).text).toContain('href="/staff/applications"');
      expect((await agents.admin.get('/staff')).text).toContain('href="/staff/applications"');
      expect((await agents.analyst.get('/staff')).text).not.toContain('href="/staff/applications"');
    });
  });

  describe('the queue', () => {
    it('lists submitted applications, never drafts, with who filed and for which SME', async () => {
      const { application, person } = await filed();
      const sme = await smeFor(person.id);
      const forSme = await fileBuildingPermit(portal.app, db, {
        accountId: person.id,
        audience: 'business',
        organizationId: sme,
      });
      const { application: draft } = await portal.app
        .get(ApplicationsService)
        .startDraft(
          { accountId: person.id, audience: 'citizen', channel: 'web' },
          'building-permit',
          buildingPermitAnswers('citizen'),
          origin,
        );
      const page = await agents.clerk.get('/staff/applications');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<h1 class="govuk-heading-l">Demandes à traiter</h1>');
      const shown = referencesOn(page.text);
      expect(shown).toContain(application.reference);
      expect(shown).toContain(forSme.reference);
      expect(page.text).not.toContain(draft.id);
      expect(page.text).toContain('Boulangerie du Vieux-Moulin inc.');
      expect(page.text).toContain('Déposée');
      // The newest first, by default.
      expect(shown.indexOf(forSme.reference!)).toBeLessThan(shown.indexOf(application.reference!));
      expect((await agents.clerk.get(`/staff/applications/${draft.id}`)).status).toBe(404);
    });

    it('filters by status, variant, service, assignee and dates, and says what is wrong with a filter', async () => {
      const { application } = await filed();
      const other = await filed();
      await db.query(
        `UPDATE application SET status = 'in_review', assigned_to = $2 WHERE id = $1`,
        [application.id, ids.otherClerk],
      );
      const get = async (query: string) =>
        referencesOn((await agents.clerk.get(`/staff/applications?${query}`)).text);

      const inReview = await get('status=in_review');
      expect(inReview).toContain(application.reference);
      expect(inReview).not.toContain(other.application.reference);
      const byColleague = await get(`assigned=${ids.otherClerk}`);
      expect(byColleague).toEqual([application.reference]);
      const unassigned = await get('assigned=none');
      expect(unassigned).toContain(other.application.reference);
      expect(unassigned).not.toContain(application.reference);
      expect(await get('assigned=me')).not.toContain(application.reference);
      expect(await get('variant=business')).not.toContain(other.application.reference);
      expect(await get('service=building-permit&variant=citizen')).toContain(
        other.application.reference,
      );
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Toronto' }).format(
        new Date(),
      );
      expect(await get(`from=${today}&to=${today}`)).toContain(other.application.reference);
      expect(await get('to=2020-01-01')).toEqual([]);

      const wrong = await agents.clerk.get(
        '/staff/applications?service=nothing&status=draft&from=2026-02-30&assigned=someone',
      );
      expect(wrong.status).toBe(422);
      expect(wrong.text).toContain('Il y a un problème');
      expect(wrong.text).toContain('<a href="#service">Choisissez un service de la liste</a>');
      expect(wrong.text).toContain('<a href="#status">Choisissez un statut de la liste</a>');
      expect(wrong.text).toContain('<a href="#from">Entrez une date réelle');
      expect(wrong.text).toContain('<a href="#assigned">Choisissez une personne de la liste</a>');
      expect(wrong.text).toContain('id="from-error"');
      expect(wrong.text).toContain('value="2026-02-30"');
    });

    it('pages by keyset, 50 at a time, forwards and back, in either order', async () => {
      // 120 applications for one clerk, with ties on submitted_at (the id breaks them).
      const pager = await staffMember('clerk', 'Pagination Préposée');
      const filer = await createPerson(db);
      await db.query(
        `INSERT INTO application (service_slug, service_revision, variant, account_id, status, reference, submitted_at, assigned_to)
         SELECT 'building-permit', 1, 'citizen', $1, 'in_review', 'PG-2025-' || lpad(i::text, 6, '0'),
                now() - interval '1 day' - (i / 2) * interval '1 minute', $2
           FROM generate_series(1, 120) AS i`,
        [filer.id, pager.id],
      );
      const expected: string[] = (
        await db.query(
          `SELECT reference FROM application WHERE assigned_to = $1 ORDER BY submitted_at DESC, id DESC`,
          [pager.id],
        )
      ).map((r: { reference: string }) => r.reference);

      const pages: string[][] = [];
      let html = (await agents.clerk.get(`/staff/applications?assigned=${pager.id}`)).text;
      expect(hrefOf(html, 'prev')).toBeUndefined();
      for (;;) {
        pages.push(referencesOn(html));
        const next = hrefOf(html, 'next');
        if (!next) break;
        expect(next).toContain(`assigned=${pager.id}`);
        html = (await agents.clerk.get(next)).text;
      }
      expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
      expect(pages.flat()).toEqual(expected);

      // Back from the last page: the second page again, then the first (without a previous link).
      const back = (await agents.clerk.get(hrefOf(html, 'prev')!)).text;
      expect(referencesOn(back)).toEqual(pages[1]);
      const first = (await agents.clerk.get(hrefOf(back, 'prev')!)).text;
      expect(referencesOn(first)).toEqual(pages[0]);
      expect(hrefOf(first, 'prev')).toBeUndefined();

      // Oldest first.
      const oldest: string[] = [];
      let url: string | undefined = `/staff/applications?assigned=${pager.id}&sort=oldest`;
      while (url) {
        const page = (await agents.clerk.get(url)).text;
        oldest.push(...referencesOn(page));
        url = hrefOf(page, 'next');
      }
      expect(oldest).toEqual([...expected].reverse());

      const tampered = await agents.clerk.get('/staff/applications?after=1%27%3B--');
      expect(tampered.status).toBe(400);
    });

    it('reads through the partial queue indexes, never the whole table', async () => {
      const base: QueueFilters = { assigned: { kind: 'anyone' }, sort: 'newest' };
      const cases: [QueueFilters, string][] = [
        [base, 'application_queue_idx'],
        [{ ...base, status: 'submitted' }, 'application_queue_status_idx'],
        [
          { ...base, service: 'building-permit', variant: 'business' },
          'application_queue_service_idx',
        ],
        [{ ...base, assigned: { kind: 'me' } }, 'application_queue_assignee_idx'],
        [{ ...base, sort: 'oldest' }, 'application_queue_idx'],
      ];
      for (const [filters, index] of cases) {
        const { sql, params } = queueQuery(
          filters,
          ids.clerk,
          { after: '2026-01-01T00:00:00.000000Z~00000000-0000-0000-0000-000000000000' },
          51,
        );
        const plan = await db.transaction(async (manager) => {
          await manager.query('SET LOCAL enable_seqscan = off');
          await manager.query('SET LOCAL enable_bitmapscan = off');
          const rows = await manager.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`, params);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        });
        expect(plan).toContain(index);
        expect(plan).not.toMatch(/Seq Scan on application a\b/);
        expect(plan).not.toMatch(/OFFSET/i);
      }
    });
  });

  describe('processing an application', () => {
    it('assign to me: in review, the transition, an audit event and the email to the applicant', async () => {
      const { application, person } = await filed();
      const res = await post(agents.clerk, `/staff/applications/${application.id}/assign`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/staff/applications/${application.id}`);
      expect(await statusOf(application.id)).toMatchObject({
        status: 'in_review',
        assigned_to: ids.clerk,
      });
      const page = await agents.clerk.get(`/staff/applications/${application.id}`);
      expect(page.text).toContain('La demande vous est attribuée.');
      expect(page.text).toContain('À l’étude');
      expect(page.text).toContain('Vous (Agent clerk)');
      const [email] = await emails('application-in-review', person.email);
      expect(email.payload.reference).toBe(application.reference);
      const audit = await auditActions(application.id);
      expect(audit.at(-1)).toMatchObject({
        action: 'application.in_review',
        actor_type: 'staff',
        before: { status: 'submitted', assignedTo: null },
        after: { status: 'in_review', assignedTo: ids.clerk },
      });
      const transitions = await portal.app.get(ApplicationsReadModel).transitions(application.id);
      expect(transitions.at(-1)).toMatchObject({
        from: 'submitted',
        to: 'in_review',
        actorRole: 'staff',
        actorName: 'Agent clerk',
      });
      // Assigned to me: "mine" in the queue; taking it again changes nothing.
      const mine = await agents.clerk.get('/staff/applications?assigned=me');
      expect(referencesOn(mine.text)).toContain(application.reference);
      expect(page.text).not.toContain(`/staff/applications/${application.id}/assign"`);
    });

    it('request information: a reason is required (422, typed text kept), then information_requested and an email', async () => {
      const { application, person } = await filed();
      const path = `/staff/applications/${application.id}/request-information`;
      const missing = await post(agents.clerk, path, {
        informationReason: '   ',
        conditions: 'Brouillon de conditions',
      });
      expect(missing.status).toBe(422);
      expect(missing.text).toContain('<title>Erreur : Demande');
      expect(missing.text).toContain('Il y a un problème');
      expect(missing.text).toContain(
        '<a href="#informationReason">Entrez les renseignements à demander</a>',
      );
      expect(missing.text).toContain('id="informationReason-error"');
      expect(missing.text).toContain('Brouillon de conditions</textarea>');
      expect((await statusOf(application.id)).status).toBe('submitted');

      const res = await post(agents.clerk, path, {
        informationReason: 'Joignez le plan signé par un arpenteur.',
      });
      expect(res.status).toBe(303);
      expect(await statusOf(application.id)).toMatchObject({
        status: 'information_requested',
        assigned_to: ids.clerk,
      });
      const [email] = await emails('application-information-requested', person.email);
      expect(email.payload.note).toBe('Joignez le plan signé par un arpenteur.');
      const page = await agents.clerk.get(`/staff/applications/${application.id}`);
      expect(page.text).toContain('Joignez le plan signé par un arpenteur.');
      expect(page.text).toContain('Renseignements demandés');
      // Waiting for the applicant: only a refusal remains possible.
      expect(page.text).not.toContain('id="conditions"');
      expect(page.text).toContain('id="rejectionReason"');
    });

    it('approve with conditions, then nothing more: a later refusal answers a clear page (409)', async () => {
      const { application, person } = await filed();
      const res = await post(agents.admin, `/staff/applications/${application.id}/approve`, {
        conditions: 'Travaux terminés avant le 1er décembre.',
      });
      expect(res.status).toBe(303);
      const stored = await statusOf(application.id);
      expect(stored).toMatchObject({
        status: 'approved',
        decision_note: 'Travaux terminés avant le 1er décembre.',
        assigned_to: ids.admin,
      });
      expect(stored.decided_at).toBeInstanceOf(Date);
      const [email] = await emails('application-approved', person.email);
      expect(email.payload.note).toBe('Travaux terminés avant le 1er décembre.');

      const late = await post(agents.clerk, `/staff/applications/${application.id}/reject`, {
        rejectionReason: 'Trop tard',
      });
      expect(late.status).toBe(409);
      expect(late.text).toContain('Cette action n’est plus possible');
      expect(late.text).toContain('« Approuvée »');
      expect(late.text).toContain('<a href="#actions">');
      expect((await statusOf(application.id)).status).toBe('approved');
      expect(await emails('application-rejected', person.email)).toEqual([]);
    });

    it('approve without conditions; reject requires a reason, then rejects with it', async () => {
      const plain = await filed();
      expect(
        (await post(agents.clerk, `/staff/applications/${plain.application.id}/approve`)).status,
      ).toBe(303);
      expect(await statusOf(plain.application.id)).toMatchObject({
        status: 'approved',
        decision_note: null,
      });

      const { application, person } = await filed();
      const path = `/staff/applications/${application.id}/reject`;
      const missing = await post(agents.clerk, path, {
        rejectionReason: '',
        informationReason: 'Une question',
      });
      expect(missing.status).toBe(422);
      expect(missing.text).toContain('<a href="#rejectionReason">Entrez le motif du refus</a>');
      expect(missing.text).toContain('Une question</textarea>');
      const tooLong = await post(agents.clerk, path, { rejectionReason: 'x'.repeat(5001) });
      expect(tooLong.status).toBe(422);
      expect(tooLong.text).toContain('5 000 caractères ou moins');

      const res = await post(agents.clerk, path, {
        rejectionReason: 'Zonage résidentiel : usage non permis.',
      });
      expect(res.status).toBe(303);
      expect(await statusOf(application.id)).toMatchObject({
        status: 'rejected',
        decision_note: 'Zonage résidentiel : usage non permis.',
      });
      const [email] = await emails('application-rejected', person.email);
      expect(email.payload.note).toBe('Zonage résidentiel : usage non permis.');
      const page = await agents.clerk.get(`/staff/applications/${application.id}`);
      expect(page.text).toContain('Cette demande est terminée (Refusée)');
      expect(page.text).not.toContain('id="rejectionReason"');
    });

    it('messages: the clerk writes, the thread shows it, the applicant is emailed; an empty message is refused', async () => {
      const { application, person } = await filed();
      const path = `/staff/applications/${application.id}/messages`;
      const empty = await post(agents.clerk, path, { message: ' ' });
      expect(empty.status).toBe(422);
      expect(empty.text).toContain('<a href="#message">Entrez votre message</a>');

      const res = await post(agents.clerk, path, {
        message: 'Bonjour,\nle plan est-il à l’échelle ?',
      });
      expect(res.status).toBe(303);
      const page = await agents.clerk.get(`/staff/applications/${application.id}`);
      expect(page.text).toContain('Bonjour,<br>le plan est-il à l’échelle ?');
      expect(page.text).toContain('Votre message a été envoyé au demandeur.');
      const [email] = await emails('application-message', person.email);
      expect(email.payload.note).toBe('Bonjour,\nle plan est-il à l’échelle ?');
      expect((await statusOf(application.id)).status).toBe('submitted');
    });

    it('two clerks deciding at once: the row lock lets one decide, the other is refused', async () => {
      const { application, person } = await filed();
      const processing = portal.app.get(ApplicationProcessingService);
      const results = await Promise.all([
        processing.approve({ accountId: ids.clerk }, application.id, null, origin),
        processing.reject({ accountId: ids.otherClerk }, application.id, 'Non conforme', origin),
      ]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'not-allowed' }]);
      const decided = await db.query(
        `SELECT kind FROM outbox_message WHERE recipient = $1 AND kind IN ('application-approved', 'application-rejected')`,
        [person.email],
      );
      expect(decided).toHaveLength(1);
    });

    it('separation of duties: a clerk cannot process their own application (403, explained, audited)', async () => {
      const own = await fileBuildingPermit(portal.app, db, {
        accountId: ids.clerk,
        audience: 'citizen',
      });
      // The queue still lists it; its page explains, and offers no action.
      expect(referencesOn((await agents.clerk.get('/staff/applications')).text)).toContain(
        own.reference,
      );
      const page = await agents.clerk.get(`/staff/applications/${own.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Vous avez déposé cette demande : vous ne pouvez pas la traiter');
      expect(page.text).not.toContain(`/staff/applications/${own.id}/approve`);
      expect(page.text).not.toContain(`/staff/applications/${own.id}/assign`);
      expect(page.text).not.toContain(`/staff/applications/${own.id}/messages`);

      for (const [action, form] of [
        ['assign', {}],
        ['approve', { conditions: '' }],
        ['reject', { rejectionReason: 'Non' }],
        ['request-information', { informationReason: 'Le plan?' }],
        ['messages', { message: 'Bonjour' }],
      ] as const) {
        const res = await post(agents.clerk, `/staff/applications/${own.id}/${action}`, form);
        expect([action, res.status]).toEqual([action, 403]);
        expect(res.text).toContain('séparation des tâches');
      }
      const english = await agents.clerk
        .get(`/staff/applications/${own.id}`)
        .set('Cookie', 'guichet_lang=en');
      expect(english.text).toContain('You filed this application: you cannot process it');
      expect(await statusOf(own.id)).toMatchObject({ status: 'submitted', assigned_to: null });
      const audit = await auditActions(own.id);
      const refused = audit.filter((a) => a.action === 'application.processing_refused');
      expect(refused.map((a) => a.after)).toEqual(
        ['assign', 'approved', 'rejected', 'information_requested', 'message'].map((attempted) => ({
          attempted,
          reason: 'own-application',
          status: 'submitted',
        })),
      );
      expect(refused.every((a) => a.actor_type === 'staff')).toBe(true);
      expect(audit.map((a) => a.action)).not.toContain('application.approved');

      // A colleague processes it as usual.
      const colleague = await post(agents.admin, `/staff/applications/${own.id}/approve`, {
        conditions: '',
      });
      expect(colleague.status).toBe(303);
      expect((await statusOf(own.id)).status).toBe('approved');
    });

    it('separation of duties: nor one filed for an SME they belong to, even as a plain member', async () => {
      const applicant = await createPerson(db, { displayName: 'Jeanne Demandeuse' });
      const sme = await smeFor(applicant.id);
      await db.query(
        `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'member')`,
        [sme, ids.admin],
      );
      const forSme = await fileBuildingPermit(portal.app, db, {
        accountId: applicant.id,
        audience: 'business',
        organizationId: sme,
      });
      const page = await agents.admin.get(`/staff/applications/${forSme.id}`);
      expect(page.text).toContain('une entreprise dont vous êtes membre');
      expect(page.text).not.toContain(`/staff/applications/${forSme.id}/reject`);
      const res = await post(agents.admin, `/staff/applications/${forSme.id}/reject`, {
        rejectionReason: 'Incomplet',
      });
      expect(res.status).toBe(403);
      expect(res.text).toContain('une entreprise dont vous êtes membre');
      expect((await statusOf(forSme.id)).status).toBe('submitted');
      expect((await auditActions(forSme.id)).at(-1)).toMatchObject({
        action: 'application.processing_refused',
        actor_type: 'staff',
        after: { attempted: 'rejected', reason: 'own-organization', status: 'submitted' },
      });
      // The rule lives in the service: any way in is refused the same.
      const direct = await portal.app
        .get(ApplicationProcessingService)
        .approve({ accountId: ids.admin }, forSme.id, null, origin);
      expect(direct).toEqual({
        ok: false,
        reason: 'conflict-of-interest',
        conflict: 'own-organization',
      });
      // A clerk who is not a member processes it.
      const other = await post(agents.clerk, `/staff/applications/${forSme.id}/reject`, {
        rejectionReason: 'Incomplet',
      });
      expect(other.status).toBe(303);
    });

    it('leaves an audit event, as staff, for every change', async () => {
      const { application } = await filed();
      const base = `/staff/applications/${application.id}`;
      await post(agents.clerk, `${base}/assign`);
      await post(agents.clerk, `${base}/messages`, { message: 'Une question' });
      await post(agents.clerk, `${base}/request-information`, { informationReason: 'Le plan' });
      await portal.app
        .get(ApplicationsService)
        .resubmit(
          { accountId: application.accountId, audience: 'citizen', channel: 'web' },
          application.id,
          'Voici le plan',
          origin,
        );
      await post(agents.admin, `${base}/assign`);
      await post(agents.admin, `${base}/reject`, { rejectionReason: 'Non conforme' });
      const audit = await auditActions(application.id);
      const staffActions = audit.filter((a) => a.actor_type === 'staff').map((a) => a.action);
      expect(staffActions).toEqual([
        'application.in_review',
        'application.message_posted',
        'application.information_requested',
        'application.in_review',
        'application.rejected',
      ]);
      const transitions = await portal.app.get(ApplicationsReadModel).transitions(application.id);
      expect(transitions.map((t) => `${t.from}→${t.to}`)).toEqual([
        'draft→submitted',
        'submitted→in_review',
        'in_review→information_requested',
        'information_requested→resubmitted',
        'resubmitted→in_review',
        'in_review→rejected',
      ]);
      // The admin took it over from the clerk: recorded as such.
      const taken = audit.filter((a) => a.action === 'application.in_review');
      expect(taken[1].before).toEqual({ status: 'resubmitted', assignedTo: ids.clerk });
      expect(taken[1].after).toEqual({ status: 'in_review', assignedTo: ids.admin });
      expect((await statusOf(application.id)).assigned_to).toBe(ids.admin);
    });
  });

  describe('the application page', () => {
    it('shows the answers as the applicant saw the questions, the history, and the files to download', async () => {
      const { application } = await filed();
      const page = await agents.clerk.get(`/staff/applications/${application.id}`);
      expect(page.text).toContain(`Demande ${application.reference}`);
      expect(page.text).toContain('Adresse des travaux');
      expect(page.text).toContain('12, rue des Érables<br>Val-des-Cèdres<br>J8X 1A1');
      expect(page.text).toContain('Rénovation intérieure ou extérieure');
      expect(page.text).toMatch(/18\s500,00\s\$/);
      expect(page.text).toContain('Jeanne Demandeuse');
      expect(page.text).toContain('data-timeline');
      const [file] = await db.query<{ id: string }[]>(
        `SELECT id FROM application_attachment WHERE application_id = $1`,
        [application.id],
      );
      const href = `/staff/applications/${application.id}/files/${file.id}`;
      expect(page.text).toContain(`href="${href}"`);
      const download = await agents.clerk.get(href).buffer(true);
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe('application/pdf');
      expect(download.headers['content-disposition']).toBe(
        `attachment; filename="plan.pdf"; filename*=UTF-8''plan.pdf`,
      );
      expect(download.headers['x-content-type-options']).toBe('nosniff');
      expect(Buffer.compare(download.body as Buffer, PDF)).toBe(0);
      // A name with accents and quotes travels encoded (RFC 6266), never breaking the
      // header: an ASCII fallback without quotes, the exact name in filename*.
      await db.query(`UPDATE application_attachment SET filename = $2 WHERE id = $1`, [
        file.id,
        'Plan d’implantation "final".pdf',
      ]);
      const accented = await agents.clerk.get(href).buffer(true);
      expect(accented.headers['content-disposition']).toBe(
        `attachment; filename="Plan d_implantation _final_.pdf"; filename*=UTF-8''Plan%20d%E2%80%99implantation%20%22final%22.pdf`,
      );
      // A name kept from before (plan.hta) reaches staff with the extension of its type.
      await db.query(`UPDATE application_attachment SET filename = $2 WHERE id = $1`, [
        file.id,
        'plan.hta',
      ]);
      const renamed = await agents.clerk.get(href).buffer(true);
      expect(renamed.headers['content-disposition']).toBe(
        `attachment; filename="plan.pdf"; filename*=UTF-8''plan.pdf`,
      );
      // Another application's file id, or none, is not found.
      const { application: other } = await filed();
      expect(
        (await agents.clerk.get(`/staff/applications/${other.id}/files/${file.id}`)).status,
      ).toBe(404);
      expect((await agents.resident.get(href)).status).toBe(404);
      expect((await agents.analyst.get(href)).status).toBe(403);
    });

    it('speaks English to an English-speaking clerk', async () => {
      const { application } = await filed();
      const page = await agents.clerk
        .get(`/staff/applications/${application.id}`)
        .set('Cookie', 'guichet_lang=en');
      expect(page.text).toContain(`Application ${application.reference}`);
      expect(page.text).toContain('Address of the work');
      expect(page.text).toContain('Submitted');
      expect(page.text).toContain('Assign to me');
      const queue = await agents.clerk.get('/staff/applications').set('Cookie', 'guichet_lang=en');
      expect(queue.text).toContain('Applications to process');
    });

    it('answers 404 for an unknown or malformed application id', async () => {
      expect(
        (await agents.clerk.get('/staff/applications/00000000-0000-0000-0000-000000000000')).status,
      ).toBe(404);
      expect((await agents.clerk.get('/staff/applications/nope')).status).toBe(404);
      expect((await post(agents.clerk, '/staff/applications/nope/assign')).status).toBe(404);
    });
  });

  describe('in a real browser', () => {
    it('the queue and an application, by keyboard alone, with no WCAG violations', async () => {
      const { application } = await filed();
      await post(agents.clerk, `/staff/applications/${application.id}/messages`, {
        message: 'Le plan d’implantation est-il à l’échelle ?',
      });
      const jar = (
        agents.clerk as unknown as {
          jar: { getCookie(n: string, a: object): { value: string } | undefined };
        }
      ).jar;
      const session = jar.getCookie('guichet_session', {
        domain: '127.0.0.1',
        path: '/',
        secure: false,
        script: false,
      });
      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        await context.addCookies([
          { name: 'guichet_session', value: session!.value, url: portal.url },
          { name: 'guichet_lang', value: 'fr', url: portal.url },
        ]);
        const page = await context.newPage();
        await page.goto(`${portal.url}/staff/applications`);
        expect((await wcagViolations(page)).map((v) => v.id)).toEqual([]);
        await screenshot(page, `staff-applications`);

        // The filters by keyboard: choose "Déposée", then Enter in a date field submits them.
        await page.focus('#status');
        await page.selectOption('#status', 'submitted');
        await page.focus('#to');
        await page.keyboard.press('Enter');
        await page.waitForURL(/status=submitted/);
        // Tab to the application's link and follow it.
        const link = page.locator(`a[href="/staff/applications/${application.id}"]`);
        await link.focus();
        await page.keyboard.press('Enter');
        await page.waitForURL(`**/staff/applications/${application.id}`);
        expect((await wcagViolations(page)).map((v) => v.id)).toEqual([]);
        await screenshot(page, `staff-application`);

        // Reject without a reason, by keyboard: the error summary takes the focus and
        // its link leads to the field; what was typed elsewhere is still there.
        await page.focus('#conditions');
        await page.keyboard.type('Conditions en cours');
        await page.focus('#rejectionReason');
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
          'Refuser la demande',
        );
        await page.keyboard.press('Enter');
        await page.waitForSelector('.govuk-error-summary');
        expect(
          await page.evaluate(() => document.activeElement?.closest('.govuk-error-summary')),
        ).not.toBeNull();
        expect(await page.inputValue('#conditions')).toBe('Conditions en cours');
        await screenshot(page, `staff-application-error`);
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('rejectionReason');
        await page.keyboard.type('Usage non permis dans cette zone.');
        await page.keyboard.press('Tab');
        await page.keyboard.press('Enter');
        await page.waitForSelector('.govuk-notification-banner--success');
        expect((await statusOf(application.id)).status).toBe('rejected');
      } finally {
        await browser.close();
      }
    });
  });
});
