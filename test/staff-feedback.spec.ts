import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { inboxQuery, type InboxFilters } from '../src/modules/triage/feedback-inbox.read-model.js';
import type { StaffRole } from '../src/modules/staff/staff-role.js';
import { fileBuildingPermit, PDF } from './support/applications.js';
import { createPerson, signedInAgent, uniqueEmail } from './support/people.js';
import {
  changePlan,
  csrfFrom,
  eventually,
  mailFor,
  startTestApp,
  type TestApp,
} from './support/test-app.js';

type Agent = InstanceType<typeof TestAgent>;

/** Text as Handlebars escapes it in a page. */
const unescape = (html: string) =>
  html
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');

/** The references of the inbox's rows, top to bottom. */
const referencesOn = (html: string) =>
  [...html.matchAll(/data-reference="(FB-\d+)"/g)].map((m) => m[1]);

const relHref = (html: string, rel: 'next' | 'prev') => {
  const match = new RegExp(`href="([^"]+)" rel="${rel}"`).exec(html);
  return match ? unescape(match[1]) : undefined;
};

/** The hrefs of the error summary, in order. */
const summary = (html: string) => {
  const start = html.indexOf('govuk-error-summary__list');
  if (start === -1) return [];
  const list = html.slice(start, html.indexOf('</ul>', start));
  return [...list.matchAll(/href="#([\w-]+)"/g)].map((m) => m[1]);
};

const between = (html: string, startMarker: string, end = '</dl>') => {
  const start = html.indexOf(startMarker);
  return start === -1 ? '' : html.slice(start, html.indexOf(end, start));
};

interface ItemFields {
  channel?: string;
  service?: string;
  variant?: string;
  stage?: string;
  audience?: string;
  organizationId?: string | null;
  accountId?: string | null;
  cohorts?: string[];
  kind?: string;
  severity?: string | null;
  happened?: string;
  status?: string;
  tags?: string[];
  assignedTo?: string | null;
  consent?: boolean;
  secondsAgo?: number;
  applicationId?: string | null;
  contactName?: string | null;
}

describe('staff: the feedback inbox, triage, replies, assisted channels and super-users', () => {
  let portal: TestApp;
  let db: DataSource;
  const agents = {} as Record<StaffRole | 'resident' | 'anonymous', Agent>;
  const staffIds = {} as Record<StaffRole, string>;
  let resident: { id: string; email: string };

  /** A feedback item as the public form (or staff) would have stored it. */
  async function item(fields: ItemFields = {}): Promise<{ id: string; reference: string }> {
    const [row] = await db.query(
      `INSERT INTO feedback_item
         (channel, service_slug, variant, service_revision, stage, audience, organization_id,
          account_id, cohorts, language, kind, severity, happened, status, tags, assigned_to,
          consent_to_contact, created_at, application_id, contact_name)
       VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, 'fr', $9, $10, $11, $12, $13, $14, $15,
               now() - make_interval(secs => $16), $17, $18)
       RETURNING id, reference`,
      [
        fields.channel ?? 'web',
        fields.service ?? 'building-permit',
        fields.variant ?? 'citizen',
        fields.stage ?? 'citizen-pilot',
        fields.audience ?? (fields.organizationId ? 'business' : 'citizen'),
        fields.organizationId ?? null,
        fields.accountId === undefined ? resident.id : fields.accountId,
        fields.cohorts ?? [],
        fields.kind ?? (fields.severity ? 'problem' : 'praise'),
        fields.severity ?? null,
        fields.happened ?? 'Tout a bien fonctionné.',
        fields.status ?? 'new',
        fields.tags ?? [],
        fields.assignedTo ?? null,
        fields.consent ?? false,
        fields.secondsAgo ?? 0,
        fields.applicationId ?? null,
        fields.contactName ?? null,
      ],
    );
    return row as { id: string; reference: string };
  }

  async function staffMember(role: StaffRole, name: string) {
    const person = await createPerson(db, { displayName: name, email: uniqueEmail(role) });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
      person.id,
      role,
    ]);
    staffIds[role] = person.id;
    agents[role] = await signedInAgent(portal.url, person.email);
  }

  /** A form post with the session's CSRF token (the sign-out form of any page carries it). */
  async function post(agent: Agent, path: string, form: Record<string, string | string[]> = {}) {
    const page = await agent.get('/account');
    return agent
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...form });
  }

  const audit = (entityId: string, action: string) =>
    db.query(
      `SELECT actor_type, actor_id, before, after FROM audit_event
        WHERE entity_type = 'feedback' AND entity_id = $1 AND action = $2 ORDER BY id`,
      [entityId, action],
    );

  const stored = async (id: string) =>
    (await db.query(`SELECT * FROM feedback_item WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await staffMember('admin', 'Alice Administratrice');
    await staffMember('rollout-manager', 'Roxane Déploiement');
    await staffMember('clerk', 'Claude Préposé');
    await staffMember('analyst', 'Anna Analyste');
    resident = await createPerson(db, { displayName: 'Julie Gagnon' });
    agents.resident = await signedInAgent(portal.url, resident.email);
    agents.anonymous = request.agent(portal.url);
  });
  afterAll(() => portal.close());

  it('opens to admins, rollout managers, clerks and analysts; residents 404, visitors sign in', async () => {
    const { id } = await item({ tags: ['acces'] });
    const got: Record<string, number[]> = {};
    for (const actor of Object.keys(agents) as (keyof typeof agents)[]) {
      got[actor] = [];
      for (const path of [
        '/staff/feedback',
        `/staff/feedback/${id}`,
        '/staff/feedback.csv',
        '/staff/feedback/new',
        '/staff/feedback/super-users',
      ])
        got[actor].push((await agents[actor].get(path)).status);
    }
    expect(got).toEqual({
      admin: [200, 200, 200, 200, 200],
      'rollout-manager': [200, 200, 200, 200, 200],
      clerk: [200, 200, 200, 200, 200],
      analyst: [200, 200, 200, 200, 200],
      resident: [404, 404, 404, 404, 404],
      anonymous: [303, 303, 303, 303, 303],
    });
    const visitor = await agents.anonymous.get('/staff/feedback?status=new');
    expect(visitor.headers.location).toBe(
      `/sign-in?return=${encodeURIComponent('/staff/feedback?status=new')}`,
    );
    // A change is refused the same way (the CSRF token first, then the role).
    expect((await post(agents.analyst, `/staff/feedback/${id}/notes`, { note: 'x' })).status).toBe(
      303,
    );
    expect((await post(agents.resident, `/staff/feedback/${id}/notes`, { note: 'x' })).status).toBe(
      404,
    );
    expect((await agents.clerk.get('/staff/feedback/not-an-id')).status).toBe(404);
    expect((await agents.clerk.get(`/staff/feedback/${randomUUID()}`)).status).toBe(404);

    // The staff navigation leads there, for those roles only.
    expect((await agents.clerk.get('/staff')).text).toContain('href="/staff/feedback"');
    expect((await agents['rollout-manager'].get('/staff')).text).toContain(
      'href="/staff/feedback"',
    );
    expect((await agents.analyst.get('/staff')).text).toContain('href="/staff/feedback"');
  });

  it('shows each item with its reference, date, service, kind, severity, status, sender, assignee and tags; newest first', async () => {
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
         naics_code, contact_name, contact_email, contact_phone)
       VALUES ('Boulangerie Lavoie inc.', '1199000001', '1 rue du Pont', 'Val-des-Cèdres', 'J0A 1B0',
         8, '31-33', 'Contact', 'contact@exemple.ca', '418 555-0100') RETURNING id`,
    );
    const older = await item({
      tags: ['colonnes', 'televersement'],
      severity: 'blocker',
      assignedTo: staffIds.clerk,
      secondsAgo: 60,
    });
    const newer = await item({
      tags: ['colonnes'],
      organizationId: org.id,
      variant: 'business',
      stage: 'sme-pilot',
      kind: 'question',
      status: 'planned',
    });
    const page = await agents.admin.get('/staff/feedback?tag=colonnes');
    expect(page.status).toBe(200);
    expect(referencesOn(page.text)).toEqual([newer.reference, older.reference]);
    const row = (reference: string) => {
      const start = page.text.indexOf(`data-reference="${reference}"`);
      return page.text.slice(start, page.text.indexOf('</tr>', start));
    };
    expect(older.reference).toMatch(/^FB-\d{6}$/);
    expect(row(older.reference)).toContain('Permis de construction ou de rénovation');
    expect(row(older.reference)).toContain('Pour les citoyens');
    expect(row(older.reference)).toContain('Un problème');
    expect(row(older.reference)).toMatch(/govuk-tag--red">Il m’empêche de continuer</);
    expect(row(older.reference)).toMatch(/govuk-tag--blue" data-status="new">Reçu</);
    expect(row(older.reference)).toContain('Julie Gagnon');
    expect(row(older.reference)).toContain('Claude Préposé');
    expect(row(older.reference)).toContain('televersement');
    expect(row(older.reference)).toMatch(/<time datetime="[^"]+">/);
    expect(row(newer.reference)).toContain('Boulangerie Lavoie inc.');
    expect(row(newer.reference)).toContain('Entreprise');
    expect(row(newer.reference)).toContain('Correction prévue');
    expect(row(newer.reference)).toContain('Non attribué');
    // The header counts each status for these filters.
    const counts = between(page.text, 'id="status-counts"', '</table>');
    expect(counts).toMatch(/data-status="new">[\s\S]*?data-count>1</);
    expect(counts).toMatch(/data-status="planned">[\s\S]*?data-count>1</);
    expect(counts).toMatch(/data-status="fixed">[\s\S]*?data-count>0</);
    expect(counts).toContain('2 pour ces filtres');

    const english = await agents.admin
      .get('/staff/feedback?tag=colonnes')
      .set('Cookie', 'guichet_lang=en');
    expect(english.text).toContain('Feedback received');
    expect(english.text).toContain('Fix planned');
  });

  it('narrows the list with each filter: service, variant, stage, cohort, kind, severity, status, channel, assignee, tag', async () => {
    const base = { tags: ['filtres'] };
    const plain = await item(base);
    const sign = await item({ ...base, service: 'sign-permit' });
    const business = await item({ ...base, variant: 'business', stage: 'sme-pilot' });
    const cohort = await item({ ...base, cohorts: ['pionniers-filtres'] });
    const question = await item({ ...base, kind: 'question' });
    const major = await item({ ...base, severity: 'major' });
    const fixed = await item({ ...base, status: 'fixed' });
    const phone = await item({ ...base, channel: 'phone', accountId: null, contactName: 'Paul' });
    const mine = await item({ ...base, assignedTo: staffIds.admin });
    const theirs = await item({ ...base, assignedTo: staffIds['rollout-manager'] });
    const tagged = await item({ tags: ['filtres', 'urgent'] });
    const all = [
      plain,
      sign,
      business,
      cohort,
      question,
      major,
      fixed,
      phone,
      mine,
      theirs,
      tagged,
    ];
    const list = async (query: string) =>
      referencesOn((await agents.admin.get(`/staff/feedback?tag=filtres&${query}`)).text);

    expect((await list('')).sort()).toEqual(all.map((i) => i.reference).sort());
    expect(await list('service=sign-permit')).toEqual([sign.reference]);
    expect(await list('variant=business')).toEqual([business.reference]);
    expect(await list('stage=sme-pilot')).toEqual([business.reference]);
    expect(await list('cohort=pionniers-filtres')).toEqual([cohort.reference]);
    expect(await list('kind=question')).toEqual([question.reference]);
    expect(await list('severity=major')).toEqual([major.reference]);
    expect(await list('status=fixed')).toEqual([fixed.reference]);
    expect(await list('channel=phone')).toEqual([phone.reference]);
    expect(await list('assignee=me')).toEqual([mine.reference]);
    expect(await list(`assignee=${staffIds['rollout-manager']}`)).toEqual([theirs.reference]);
    expect((await list('assignee=none')).length).toBe(all.length - 2);
    expect(referencesOn((await agents.admin.get('/staff/feedback?tag=urgent')).text)).toEqual([
      tagged.reference,
    ]);
    // Filters combine.
    expect(await list('variant=citizen&status=fixed')).toEqual([fixed.reference]);
    expect(await list('variant=business&status=fixed')).toEqual([]);

    // A filter that is not one of the choices: 422, the summary, the value kept, no rows.
    const wrong = await agents.admin.get('/staff/feedback?status=lost&tag=Deux%20Mots&stage=x');
    expect(wrong.status).toBe(422);
    expect(summary(wrong.text)).toEqual(['stage', 'status', 'tag']);
    expect(wrong.text).toContain('Il y a un problème');
    expect(wrong.text).toContain('value="deux mots"');
    expect(referencesOn(wrong.text)).toEqual([]);
    // An assignee who does not work on feedback is not a choice.
    expect((await agents.admin.get(`/staff/feedback?assignee=${randomUUID()}`)).status).toBe(422);
  });

  it('pages newest first by keyset, 50 at a time, both ways, and never with OFFSET', async () => {
    // 120 items, five of them sent at the very same instant (the id breaks the tie).
    await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, audience, account_id,
         language, kind, happened, tags, created_at)
       SELECT 'building-permit', 'citizen', 1, 'citizen-pilot', 'citizen', $1, 'fr', 'praise',
              'Commentaire ' || n, ARRAY['pagination'],
              now() - make_interval(secs => CASE WHEN n <= 5 THEN 1000 ELSE n END)
         FROM generate_series(1, 120) AS n`,
      [resident.id],
    );
    const expected = (
      await db.query(
        `SELECT reference FROM feedback_item WHERE 'pagination' = ANY(tags)
          ORDER BY created_at DESC, id DESC`,
      )
    ).map((r: { reference: string }) => r.reference);
    const first = await agents.clerk.get('/staff/feedback?tag=pagination');
    expect(referencesOn(first.text)).toEqual(expected.slice(0, 50));
    expect(relHref(first.text, 'prev')).toBeUndefined();
    const second = await agents.clerk.get(relHref(first.text, 'next')!);
    expect(referencesOn(second.text)).toEqual(expected.slice(50, 100));
    const third = await agents.clerk.get(relHref(second.text, 'next')!);
    expect(referencesOn(third.text)).toEqual(expected.slice(100));
    expect(relHref(third.text, 'next')).toBeUndefined();
    const back = await agents.clerk.get(relHref(third.text, 'prev')!);
    expect(referencesOn(back.text)).toEqual(expected.slice(50, 100));
    const backAgain = await agents.clerk.get(relHref(back.text, 'prev')!);
    expect(referencesOn(backAgain.text)).toEqual(expected.slice(0, 50));
    // The filters stay on the page links.
    expect(relHref(first.text, 'next')).toContain('tag=pagination');
    expect((await agents.clerk.get('/staff/feedback?after=nonsense')).status).toBe(400);

    const { sql } = inboxQuery(
      { assignee: { kind: 'anyone' }, status: 'new' },
      staffIds.clerk,
      { after: '2026-11-23T00:00:00.000000Z~00000000-0000-4000-8000-000000000000' },
      51,
    );
    expect(sql).not.toMatch(/OFFSET/i);
    expect(sql).toMatch(/ORDER BY feedback_item\.created_at DESC, feedback_item\.id DESC/);
  });

  it('reads each filter through its index, never the whole table', async () => {
    const base: InboxFilters = { assignee: { kind: 'anyone' } };
    const cases: [InboxFilters, string][] = [
      [base, 'feedback_item_inbox_idx'],
      [{ ...base, status: 'new' }, 'feedback_item_inbox_status_idx'],
      [{ ...base, service: 'sign-permit', variant: 'business' }, 'feedback_item_inbox_service_idx'],
      [{ ...base, stage: 'sme-pilot' }, 'feedback_item_inbox_stage_idx'],
      [{ ...base, kind: 'praise' }, 'feedback_item_inbox_kind_idx'],
      [{ ...base, severity: 'blocker' }, 'feedback_item_inbox_severity_idx'],
      [{ ...base, channel: 'phone' }, 'feedback_item_inbox_channel_idx'],
      [{ assignee: { kind: 'me' } }, 'feedback_item_inbox_assignee_idx'],
      [{ assignee: { kind: 'unassigned' } }, 'feedback_item_inbox_unassigned_idx'],
      [{ ...base, cohort: 'pionniers' }, 'feedback_item_cohorts_idx'],
      [{ ...base, tag: 'urgent' }, 'feedback_item_tags_idx'],
    ];
    for (const [filters, index] of cases) {
      const gin = index.endsWith('cohorts_idx') || index.endsWith('tags_idx');
      // A GIN index is read by bitmap: on a later page it would compete with the
      // keyset condition's own bitmap on feedback_item_inbox_idx, so the first page.
      const { sql, params } = inboxQuery(
        filters,
        staffIds.clerk,
        gin
          ? undefined
          : { after: '2026-11-23T00:00:00.000000Z~00000000-0000-4000-8000-000000000000' },
        51,
      );
      const plan = await db.transaction(async (manager) => {
        await manager.query('SET LOCAL enable_seqscan = off');
        // GIN indexes are read by bitmap; the B-tree ones in the inbox's order.
        if (!gin) await manager.query('SET LOCAL enable_bitmapscan = off');
        else await manager.query('SET LOCAL enable_indexscan = off');
        const rows = await manager.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`, params);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect({ index, plan }).toEqual({ index, plan: expect.stringContaining(index) });
      expect(plan).not.toMatch(/Seq Scan on feedback_item\b/);
    }
  });

  describe('one item', () => {
    it('shows everything that was sent, as text, its file, and links the application for those who process applications', async () => {
      const application = await fileBuildingPermit(portal.app, db, {
        accountId: resident.id,
        audience: 'citizen',
      });
      const sent = await item({
        happened: '<script>alert("x")</script> & <b>gras</b>',
        applicationId: application.id,
        consent: true,
        cohorts: ['testeurs-citoyens'],
      });
      const [file] = await db.query(
        `INSERT INTO feedback_attachment (feedback_id, filename, content_type, size_bytes, sha256, content)
         VALUES ($1, 'capture.pdf', 'application/pdf', $2, $3, $4) RETURNING id`,
        [sent.id, PDF.length, 'a'.repeat(64), PDF],
      );
      const page = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`Commentaire ${sent.reference}`);
      expect(page.text).toContain(
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;',
      );
      expect(page.text).not.toContain('<script>alert');
      expect(between(page.text, 'id="from"')).toContain(`Julie Gagnon &lt;${resident.email}&gt;`);
      expect(between(page.text, 'id="from"')).toContain('En ligne (formulaire du portail)');
      expect(between(page.text, 'id="context"')).toContain('testeurs-citoyens');
      expect(between(page.text, 'id="context"')).toContain('Projet pilote avec des citoyens');
      expect(page.text).toContain(
        `<a class="govuk-link" href="/staff/applications/${application.id}">${application.reference}</a>`,
      );
      const download = await agents.clerk.get(`/staff/feedback/${sent.id}/files/${file.id}`);
      expect(download.status).toBe(200);
      expect(download.headers['content-type']).toBe('application/pdf');
      expect(download.headers['content-disposition']).toContain('attachment');
      expect(
        (await agents.clerk.get(`/staff/feedback/${sent.id}/files/${randomUUID()}`)).status,
      ).toBe(404);

      // A rollout manager does not open applications: the reference, without the link.
      const manager = await agents['rollout-manager'].get(`/staff/feedback/${sent.id}`);
      expect(between(manager.text, 'id="application"', '</dd>')).toContain(application.reference!);
      expect(manager.text).not.toContain(`/staff/applications/${application.id}`);
    });

    it('moves along the statuses, with its history and audit events; the person sees the status', async () => {
      const sent = await item({ severity: 'major' });
      const changed = await post(agents.clerk, `/staff/feedback/${sent.id}/status`, {
        status: 'acknowledged',
        seenStatus: 'new',
      });
      expect(changed.status).toBe(303);
      expect(changed.headers.location).toBe(`/staff/feedback/${sent.id}`);
      const page = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(page.text).toContain('Le statut est enregistré.');
      expect(page.text).toMatch(/id="status-tag" data-status="acknowledged">Pris en compte</);
      expect(between(page.text, 'id="history-list"', '</ol>')).toContain(
        'Statut changé : « Reçu » → « Pris en compte »',
      );
      expect(between(page.text, 'id="history-list"', '</ol>')).toContain('Claude Préposé');
      // The notice shows once.
      expect((await agents.clerk.get(`/staff/feedback/${sent.id}`)).text).not.toContain(
        'Le statut est enregistré.',
      );

      await post(agents.clerk, `/staff/feedback/${sent.id}/status`, {
        status: 'planned',
        seenStatus: 'acknowledged',
      });
      expect(await stored(sent.id)).toMatchObject({ status: 'planned', duplicate_of: null });
      const events = await audit(sent.id, 'feedback.status_changed');
      expect(events).toHaveLength(2);
      expect(events[1]).toMatchObject({
        actor_type: 'staff',
        actor_id: staffIds.clerk,
        before: { status: 'acknowledged', duplicateOf: null },
        after: { status: 'planned', duplicateOf: null },
      });
      const mine = await agents.resident.get(`/feedback/${sent.id}`);
      expect(mine.text).toMatch(/id="status">Correction prévue</);
      expect((await agents.resident.get('/feedback')).text).toContain('Correction prévue');

      // The same status again changes nothing and records nothing.
      await post(agents.clerk, `/staff/feedback/${sent.id}/status`, {
        status: 'planned',
        seenStatus: 'planned',
      });
      expect(await audit(sent.id, 'feedback.status_changed')).toHaveLength(2);
      expect((await agents.clerk.get(`/staff/feedback/${sent.id}`)).text).toContain(
        'Rien n’a changé',
      );
    });

    it('marks a duplicate of an existing original, linked both ways; refuses a missing, unknown, self or duplicate original with 422', async () => {
      const original = await item({ severity: 'blocker', happened: 'Le bouton ne fait rien.' });
      const copy = await item({ severity: 'blocker', happened: 'Rien ne se passe.' });
      const third = await item();
      const attempt = (fields: Record<string, string>) =>
        post(agents['rollout-manager'], `/staff/feedback/${copy.id}/status`, {
          seenStatus: 'new',
          status: 'duplicate',
          ...fields,
        });

      const missing = await attempt({ original: '' });
      expect(missing.status).toBe(422);
      expect(summary(missing.text)).toEqual(['original']);
      expect(missing.text).toContain('Saisissez le numéro du commentaire d’origine');
      expect(missing.text).toContain('<title>Erreur :');
      // The choice made is kept, and the error shows once in the summary and once by the field.
      expect(missing.text).toMatch(/value="duplicate" checked/);
      expect(missing.text.match(/Saisissez le numéro du commentaire d’origine/g)).toHaveLength(2);

      const malformed = await attempt({ original: 'FB-12' });
      expect(malformed.status).toBe(422);
      expect(malformed.text).toContain('value="FB-12"');
      expect(malformed.text).toContain('Saisissez un numéro de commentaire comme FB-000123');
      const unknown = await attempt({ original: 'FB-999999' });
      expect(unknown.status).toBe(422);
      expect(unknown.text).toContain('Aucun commentaire ne porte ce numéro');
      const self = await attempt({ original: copy.reference });
      expect(self.status).toBe(422);
      expect(self.text).toContain('ne peut pas être le doublon de lui-même');
      const notNew = await post(agents['rollout-manager'], `/staff/feedback/${copy.id}/status`, {
        status: 'new',
        seenStatus: 'new',
      });
      expect(notNew.status).toBe(422);
      expect(summary(notNew.text)).toEqual(['status']);
      expect((await stored(copy.id)).status).toBe('new');

      // Typed in lower case with spaces: still the original.
      const ok = await attempt({ original: ` ${original.reference.toLowerCase()} ` });
      expect(ok.status).toBe(303);
      expect(await stored(copy.id)).toMatchObject({
        status: 'duplicate',
        duplicate_of: original.id,
      });
      const copyPage = await agents['rollout-manager'].get(`/staff/feedback/${copy.id}`);
      expect(between(copyPage.text, 'id="duplicate-of"', '</div>')).toContain(
        `<a class="govuk-link" href="/staff/feedback/${original.id}">${original.reference}</a>`,
      );
      expect(copyPage.text).toContain(`doublon de ${original.reference}`);
      const originalPage = await agents['rollout-manager'].get(`/staff/feedback/${original.id}`);
      expect(between(originalPage.text, 'id="duplicates"', '</div>')).toContain(
        `<a class="govuk-link" href="/staff/feedback/${copy.id}">${copy.reference}</a>`,
      );
      expect((await audit(copy.id, 'feedback.status_changed'))[0].after).toEqual({
        status: 'duplicate',
        duplicateOf: original.id,
        duplicateOfReference: original.reference,
      });

      // A duplicate cannot be an original.
      const chained = await post(agents['rollout-manager'], `/staff/feedback/${third.id}/status`, {
        status: 'duplicate',
        original: copy.reference,
        seenStatus: 'new',
      });
      expect(chained.status).toBe(422);
      expect(chained.text).toContain('Ce commentaire est lui-même un doublon');

      // Leaving "duplicate" drops the link.
      await post(agents['rollout-manager'], `/staff/feedback/${copy.id}/status`, {
        status: 'acknowledged',
        seenStatus: 'duplicate',
      });
      expect(await stored(copy.id)).toMatchObject({ status: 'acknowledged', duplicate_of: null });
    });

    it('answers 409 when the status or the assignee changed since the page was read', async () => {
      const sent = await item();
      await post(agents.admin, `/staff/feedback/${sent.id}/status`, {
        status: 'fixed',
        seenStatus: 'new',
      });
      const late = await post(agents.clerk, `/staff/feedback/${sent.id}/status`, {
        status: 'wont-fix',
        seenStatus: 'new',
      });
      expect(late.status).toBe(409);
      expect(late.text).toContain('il est maintenant « Corrigé »');
      expect(summary(late.text)).toEqual(['status']);
      expect((await stored(sent.id)).status).toBe('fixed');

      await post(agents.admin, `/staff/feedback/${sent.id}/assign`, {
        assignee: 'me',
        seenAssignee: '',
      });
      const taken = await post(agents.clerk, `/staff/feedback/${sent.id}/assign`, {
        assignee: 'me',
        seenAssignee: '',
      });
      expect(taken.status).toBe(409);
      expect(taken.text).toContain('il est maintenant attribué à Alice Administratrice');
      expect((await stored(sent.id)).assigned_to).toBe(staffIds.admin);
    });

    it('is assigned to me, to a colleague who works on feedback, or to nobody', async () => {
      const sent = await item({ tags: ['attribution'] });
      expect(
        (
          await post(agents.clerk, `/staff/feedback/${sent.id}/assign`, {
            assignee: 'me',
            seenAssignee: '',
          })
        ).status,
      ).toBe(303);
      expect((await stored(sent.id)).assigned_to).toBe(staffIds.clerk);
      const page = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(between(page.text, 'id="assignee-name"', '</dd>')).toContain('Vous (Claude Préposé)');
      expect(page.text).not.toContain('id="take"');
      expect(
        referencesOn((await agents.clerk.get('/staff/feedback?tag=attribution&assignee=me')).text),
      ).toEqual([sent.reference]);
      expect((await agents.clerk.get('/staff/feedback?tag=attribution')).text).toContain('Vous');

      await post(agents.clerk, `/staff/feedback/${sent.id}/assign`, {
        assignee: staffIds['rollout-manager'],
        seenAssignee: staffIds.clerk,
      });
      expect((await stored(sent.id)).assigned_to).toBe(staffIds['rollout-manager']);
      const stranger = await post(agents.clerk, `/staff/feedback/${sent.id}/assign`, {
        assignee: randomUUID(),
        seenAssignee: staffIds['rollout-manager'],
      });
      expect(stranger.status).toBe(422);
      expect(summary(stranger.text)).toEqual(['assignee']);
      await post(agents.clerk, `/staff/feedback/${sent.id}/assign`, {
        assignee: 'none',
        seenAssignee: staffIds['rollout-manager'],
      });
      expect((await stored(sent.id)).assigned_to).toBeNull();

      const events = await audit(sent.id, 'feedback.assigned');
      expect(events.map((e: { after: unknown }) => e.after)).toEqual([
        { assignedTo: staffIds.clerk },
        { assignedTo: staffIds['rollout-manager'] },
        { assignedTo: null },
      ]);
      const history = between(
        (await agents.clerk.get(`/staff/feedback/${sent.id}`)).text,
        'id="history-list"',
        '</ol>',
      );
      expect(history).toContain('Attribué à Roxane Déploiement');
      expect(history).toContain('N’est plus attribué');
    });

    it('takes and drops short kebab-case tags', async () => {
      const sent = await item();
      expect(
        (await post(agents.clerk, `/staff/feedback/${sent.id}/tags`, { tag: ' Televersement ' }))
          .status,
      ).toBe(303);
      await post(agents.clerk, `/staff/feedback/${sent.id}/tags`, { tag: 'faq-a-ecrire' });
      // Twice the same: nothing more.
      await post(agents.clerk, `/staff/feedback/${sent.id}/tags`, { tag: 'televersement' });
      expect((await stored(sent.id)).tags).toEqual(['televersement', 'faq-a-ecrire']);
      for (const bad of ['deux mots', 'fin-', 'é-accent', 'x'.repeat(41), '']) {
        const refused = await post(agents.clerk, `/staff/feedback/${sent.id}/tags`, { tag: bad });
        expect(refused.status).toBe(422);
        expect(summary(refused.text)).toEqual(['tag']);
      }
      const page = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(between(page.text, 'id="tags"', '</dd>')).toContain('faq-a-ecrire');
      await post(agents.clerk, `/staff/feedback/${sent.id}/tags/remove`, { tag: 'televersement' });
      expect((await stored(sent.id)).tags).toEqual(['faq-a-ecrire']);
      expect(
        (await audit(sent.id, 'feedback.tagged')).map(
          (e: { after: { tag: string } }) => e.after.tag,
        ),
      ).toEqual(['televersement', 'faq-a-ecrire']);
      expect((await audit(sent.id, 'feedback.untagged'))[0].after).toEqual({
        tags: ['faq-a-ecrire'],
        tag: 'televersement',
      });
      expect(
        referencesOn((await agents.clerk.get('/staff/feedback?tag=faq-a-ecrire')).text),
      ).toContain(sent.reference);
    });

    it('keeps internal notes for staff only', async () => {
      const sent = await item();
      const empty = await post(agents.clerk, `/staff/feedback/${sent.id}/notes`, { note: '  ' });
      expect(empty.status).toBe(422);
      expect(summary(empty.text)).toEqual(['note']);
      const long = 'n'.repeat(5001);
      const tooLong = await post(agents.clerk, `/staff/feedback/${sent.id}/notes`, { note: long });
      expect(tooLong.status).toBe(422);
      expect(tooLong.text).toContain(long);
      expect(tooLong.text).toMatch(/La note doit compter 5\s000 caractères ou moins/u);

      const note = 'Appelé la personne : le problème vient de son navigateur.\nÀ suivre.';
      expect(
        (
          await post(agents.clerk, `/staff/feedback/${sent.id}/notes`, {
            note: note.replace('\n', '\r\n'),
          })
        ).status,
      ).toBe(303);
      const page = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(unescape(between(page.text, 'id="history-list"', '</ol>'))).toContain(note);
      expect(page.text).toContain('Interne');
      const theirs = await agents.resident.get(`/feedback/${sent.id}`);
      expect(theirs.status).toBe(200);
      expect(unescape(theirs.text)).not.toContain('Appelé la personne');
      expect(theirs.text).toContain('Aucune réponse pour le moment');
      expect((await audit(sent.id, 'feedback.noted'))[0].after).toMatchObject({
        length: note.length,
      });
      expect(JSON.stringify(await audit(sent.id, 'feedback.noted'))).not.toContain('navigateur');
    });
  });

  describe('replies', () => {
    it('emails a person who agreed to be contacted, shows the reply on My feedback signed by the City, and records the first response once', async () => {
      const person = await createPerson(db, {
        displayName: 'Marc Bouchard',
        email: uniqueEmail('consent'),
        locale: 'en',
      });
      const agent = await signedInAgent(portal.url, person.email);
      const sent = await item({
        accountId: person.id,
        consent: true,
        severity: 'minor',
        secondsAgo: 3600,
      });

      const empty = await post(agents.clerk, `/staff/feedback/${sent.id}/replies`, { reply: '' });
      expect(empty.status).toBe(422);
      expect(summary(empty.text)).toEqual(['reply']);
      expect((await stored(sent.id)).first_response_at).toBeNull();

      const page = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(page.text).toContain(`la réponse lui sera envoyée par courriel (${person.email})`);
      const reply = 'Merci! Le bouton est corrigé depuis ce matin.';
      const res = await post(agents.clerk, `/staff/feedback/${sent.id}/replies`, { reply });
      expect(res.status).toBe(303);
      expect((await agents.clerk.get(`/staff/feedback/${sent.id}`)).text).toContain(
        'La réponse est envoyée par courriel à la personne',
      );
      const first = (await stored(sent.id)).first_response_at as Date;
      expect(first).toBeInstanceOf(Date);

      await eventually(async () => (await mailFor(person.email)).length > 0, 10_000);
      const [mail] = await mailFor(person.email);
      expect(mail.subject).toBe(`Reply to your feedback ${sent.reference} – Guichet`);
      expect(mail.text).toContain('The City of Val-des-Cèdres has replied');
      expect(mail.text).toContain(reply);
      expect(mail.text).toContain('Status of your feedback: Received');
      expect(mail.text).toContain(`${portal.config.PUBLIC_URL}/feedback/${sent.id}`);

      const mine = await agent.get(`/feedback/${sent.id}`);
      const replies = between(mine.text, 'id="replies"', '</section>');
      expect(replies).toContain(reply);
      expect(replies).toContain('<strong>Ville de Val-des-Cèdres</strong>');
      expect(replies).not.toContain('Claude Préposé');

      // A second reply: emailed too, the first response stays the first.
      await post(agents.admin, `/staff/feedback/${sent.id}/replies`, { reply: 'Et merci encore.' });
      expect((await stored(sent.id)).first_response_at).toEqual(first);
      await eventually(async () => (await mailFor(person.email)).length === 2, 10_000);
      expect(await audit(sent.id, 'feedback.replied')).toEqual([
        expect.objectContaining({
          actor_id: staffIds.clerk,
          after: expect.objectContaining({
            emailed: true,
            firstResponse: true,
            length: reply.length,
          }),
        }),
        expect.objectContaining({
          actor_id: staffIds.admin,
          after: expect.objectContaining({ emailed: true, firstResponse: false }),
        }),
      ]);

      // Time to first response: about an hour, on the item and as the inbox's median.
      const itemPage = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(between(itemPage.text, 'id="first-response"', '</dd>')).toMatch(/1 h \d+ min/);
      const history = between(itemPage.text, 'id="history-list"', '</ol>');
      expect(history).toContain('Réponse (envoyée par courriel');
      const inbox = await agents.clerk.get(
        `/staff/feedback?assignee=none&kind=problem&severity=minor`,
      );
      expect(inbox.text).toMatch(/Délai médian avant la première réponse : 1 h \d+ min/);
    });

    it('only shows the reply on My feedback when the person did not agree to be contacted', async () => {
      const person = await createPerson(db, { email: uniqueEmail('no-consent') });
      const agent = await signedInAgent(portal.url, person.email);
      const sent = await item({ accountId: person.id, consent: false });
      const page = await agents.clerk.get(`/staff/feedback/${sent.id}`);
      expect(page.text).toContain(
        'la réponse s’affichera seulement dans « Mes commentaires », signée « Ville de Val-des-Cèdres »',
      );
      await post(agents.clerk, `/staff/feedback/${sent.id}/replies`, {
        reply: 'Merci pour votre idée.',
      });
      expect((await agents.clerk.get(`/staff/feedback/${sent.id}`)).text).toContain(
        'elle ne lui est pas envoyée par courriel',
      );
      const mine = await agent.get(`/feedback/${sent.id}`);
      expect(between(mine.text, 'id="replies"', '</section>')).toContain('Merci pour votre idée.');
      expect(between(mine.text, 'id="replies"', '</section>')).toContain('Ville de Val-des-Cèdres');
      const queued = await db.query(
        `SELECT 1 FROM outbox_message WHERE recipient = $1 AND kind = 'feedback-reply'`,
        [person.email],
      );
      expect(queued).toHaveLength(0);
      expect((await audit(sent.id, 'feedback.replied'))[0].after).toMatchObject({ emailed: false });
      expect((await stored(sent.id)).first_response_at).not.toBeNull();
    });
  });

  describe('bulk actions', () => {
    it('sets a status, an assignee or a tag on the checked items, one audit event each, and says how many changed', async () => {
      const a = await item({ tags: ['lot'] });
      const b = await item({ tags: ['lot'] });
      const c = await item({ tags: ['lot'], status: 'acknowledged' });
      const untouched = await item({ tags: ['lot'] });
      const inbox = await agents.clerk.get('/staff/feedback?tag=lot');
      expect(inbox.text).toContain('name="ids" type="checkbox"');
      expect(inbox.text).toContain('name="return" value="/staff/feedback?tag&#x3D;lot"');

      const res = await post(agents.clerk, '/staff/feedback/bulk', {
        ids: [a.id, b.id, c.id],
        action: 'status',
        bulkStatus: 'acknowledged',
        return: '/staff/feedback?tag=lot',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/staff/feedback?tag=lot');
      const after = await agents.clerk.get(res.headers.location);
      expect(after.text).toContain('Commentaires modifiés : 2. Déjà ainsi ou introuvables : 1.');
      for (const x of [a, b, c]) expect((await stored(x.id)).status).toBe('acknowledged');
      expect((await stored(untouched.id)).status).toBe('new');
      expect(await audit(a.id, 'feedback.status_changed')).toHaveLength(1);
      expect(await audit(b.id, 'feedback.status_changed')).toHaveLength(1);
      expect(await audit(c.id, 'feedback.status_changed')).toHaveLength(0);

      await post(agents.clerk, '/staff/feedback/bulk', {
        ids: [a.id, untouched.id],
        action: 'assign',
        bulkAssignee: 'me',
        return: '/staff/feedback?tag=lot',
      });
      expect((await stored(a.id)).assigned_to).toBe(staffIds.clerk);
      expect((await stored(untouched.id)).assigned_to).toBe(staffIds.clerk);
      await post(agents.clerk, '/staff/feedback/bulk', {
        ids: [b.id, c.id],
        action: 'tag',
        bulkTag: 'Lot-Revu',
        return: '/staff/feedback?tag=lot',
      });
      expect((await stored(b.id)).tags).toEqual(['lot', 'lot-revu']);
      expect((await audit(c.id, 'feedback.tagged'))[0].after).toMatchObject({ tag: 'lot-revu' });
      // A page of more than 20 checked items arrives whole (qs turns 21+ into an object).
      const many = await Promise.all(
        Array.from({ length: 25 }, () => item({ tags: ['lot-large'] })),
      );
      const large = await post(agents.clerk, '/staff/feedback/bulk', {
        ids: many.map((m) => m.id),
        action: 'tag',
        bulkTag: 'vu',
        return: '/staff/feedback?tag=lot-large',
      });
      expect(large.status).toBe(303);
      expect((await agents.clerk.get(large.headers.location)).text).toContain(
        'Commentaires modifiés : 25.',
      );
    });

    it('refuses with 422 and keeps what was checked and chosen: nothing checked, no action, a duplicate, a bad tag', async () => {
      const a = await item({ tags: ['lot-refus'] });
      const none = await post(agents.clerk, '/staff/feedback/bulk', {
        action: 'status',
        bulkStatus: 'fixed',
        return: '/staff/feedback?tag=lot-refus',
      });
      expect(none.status).toBe(422);
      expect(summary(none.text)).toEqual(['bulkItems']);
      expect(none.text).toContain('Cochez au moins un commentaire');
      expect(referencesOn(none.text)).toEqual([a.reference]);
      expect(none.text).toMatch(/<option value="fixed" selected>/);

      const noAction = await post(agents.clerk, '/staff/feedback/bulk', {
        ids: a.id,
        return: '/staff/feedback?tag=lot-refus',
      });
      expect(noAction.status).toBe(422);
      expect(summary(noAction.text)).toEqual(['action']);
      expect(noAction.text).toMatch(new RegExp(`value="${a.id}" checked`));

      const duplicate = await post(agents.clerk, '/staff/feedback/bulk', {
        ids: a.id,
        action: 'status',
        bulkStatus: 'duplicate',
        return: '/staff/feedback?tag=lot-refus',
      });
      expect(duplicate.status).toBe(422);
      expect(summary(duplicate.text)).toEqual(['bulkStatus']);
      const badTag = await post(agents.clerk, '/staff/feedback/bulk', {
        ids: a.id,
        action: 'tag',
        bulkTag: 'deux mots',
        return: '/staff/feedback?tag=lot-refus',
      });
      expect(badTag.status).toBe(422);
      expect(badTag.text).toContain('value="deux mots"');
      expect((await stored(a.id)).status).toBe('new');
      // The way back is the inbox only.
      const elsewhere = await post(agents.clerk, '/staff/feedback/bulk', {
        ids: a.id,
        action: 'tag',
        bulkTag: 'ok',
        return: 'https://ailleurs.example/',
      });
      expect(elsewhere.headers.location).toBe('/staff/feedback');
    });
  });

  it('exports the filtered inbox as CSV, every page, formulas defused', async () => {
    for (let i = 0; i < 55; i++) await item({ tags: ['export'], secondsAgo: i });
    const risky = await item({
      tags: ['export', 'formule'],
      happened: '=HYPERLINK("http://evil.example","cliquez")',
      consent: true,
    });
    await item({ tags: ['autre-export'] });
    const res = await agents['rollout-manager'].get('/staff/feedback.csv?tag=export');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="feedback-\d{8}-\d{6}\.csv"$/,
    );
    const lines = res.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      '"reference","sent_at","service","variant","stage","cohorts","channel","kind","severity","status","duplicate_of","sme","neq","person","email","contact_name","contact_detail","consent_to_contact","language","page","application","recorded_by","assignee","tags","first_response_at","tried","happened","expected"',
    );
    expect(lines).toHaveLength(1 + 56);
    const row = lines.find((l) => l.startsWith(`"${risky.reference}"`))!;
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""cliquez"")"`);
    expect(row).toContain(`"Julie Gagnon","${resident.email}"`);
    expect(row).toContain('"export formule"');
    expect(row).toContain('"yes"');
    const narrow = await agents['rollout-manager'].get('/staff/feedback.csv?tag=formule');
    expect(narrow.text.trim().split('\r\n')).toHaveLength(2);
    const wrong = await agents['rollout-manager'].get('/staff/feedback.csv?status=perdu');
    expect(wrong.status).toBe(422);
    // The inbox links to the export of what it shows.
    expect((await agents.clerk.get('/staff/feedback?tag=formule')).text).toContain(
      'href="/staff/feedback.csv?tag&#x3D;formule"',
    );
  });

  it('leaves people’s contact details out of analysts’ exports, and audits every export', async () => {
    const contacted = await item({
      tags: ['contact-export'],
      channel: 'phone',
      contactName: 'Paul Contact',
    });
    const exports = (actorId: string) =>
      db.query<{ actor_type: string; after: Record<string, unknown> }[]>(
        `SELECT actor_type, after FROM audit_event
          WHERE action = 'staff.exported' AND actor_id = $1
            AND after->'filters'->>'tag' = 'contact-export'
          ORDER BY id`,
        [actorId],
      );

    const analyst = await agents.analyst.get('/staff/feedback.csv?tag=contact-export');
    expect(analyst.status).toBe(200);
    const lines = analyst.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toBe(
      '"reference","sent_at","service","variant","stage","cohorts","channel","kind","severity","status","duplicate_of","sme","neq","consent_to_contact","language","page","application","recorded_by","assignee","tags","first_response_at","tried","happened","expected"',
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`"${contacted.reference}"`);
    expect(analyst.text).not.toContain(resident.email);
    expect(analyst.text).not.toContain('Julie Gagnon');
    expect(analyst.text).not.toContain('Paul Contact');
    expect(await exports(staffIds.analyst)).toEqual([
      {
        actor_type: 'staff',
        after: {
          export: 'feedback',
          filters: expect.objectContaining({ tag: 'contact-export' }),
          rows: 1,
          omittedColumns: ['person', 'email', 'contact_name', 'contact_detail'],
        },
      },
    ]);

    // Those who answer people keep the contact columns; their export is audited too.
    const clerk = await agents.clerk.get('/staff/feedback.csv?tag=contact-export');
    expect(clerk.text).toContain('"person","email","contact_name","contact_detail"');
    expect(clerk.text).toContain('Paul Contact');
    const [clerkExport] = await exports(staffIds.clerk);
    expect(clerkExport.after).toEqual({
      export: 'feedback',
      filters: expect.objectContaining({ tag: 'contact-export' }),
      rows: 1,
    });
  });

  describe('assisted channels', () => {
    it('records feedback received by phone for an account holder: channel, recorder, stage and cohorts kept; in the inbox and their My feedback', async () => {
      const person = await createPerson(db, {
        displayName: 'Gisèle Roy',
        email: uniqueEmail('phone'),
      });
      const [cohort] = await db.query(
        `INSERT INTO cohort (slug, name, audience) VALUES ('aines-testeurs', 'Aînés testeurs', 'citizen') RETURNING id`,
      );
      await db.query(
        `INSERT INTO cohort_member (cohort_id, account_id, status, source, joined_at)
         VALUES ($1, $2, 'active', 'staff', now())`,
        [cohort.id, person.id],
      );
      // The citizen variant in its pilot (every SME has the service: SME-first).
      await changePlan(portal, 'sign-permit', 'business', { stage: 'sme-all' });
      await changePlan(portal, 'sign-permit', 'citizen', { stage: 'citizen-pilot' });
      const form = await agents.clerk.get('/staff/feedback/new');
      expect(form.status).toBe(200);
      expect(form.text).toContain('Enregistrer un commentaire reçu par téléphone');
      const res = await post(agents.clerk, '/staff/feedback/new', {
        service: 'sign-permit',
        variant: 'citizen',
        channel: 'phone',
        onBehalfOf: 'account',
        email: person.email.toUpperCase(),
        language: 'fr',
        kind: 'problem',
        severity: 'major',
        tried: 'Payer en ligne.',
        happened: 'La page de paiement reste blanche.',
        expected: '',
        consent: 'yes',
      });
      expect(res.status).toBe(303);
      const [row] = await db.query(`SELECT * FROM feedback_item WHERE account_id = $1`, [
        person.id,
      ]);
      expect(res.headers.location).toBe(`/staff/feedback/${row.id}`);
      expect(row).toMatchObject({
        channel: 'phone',
        recorded_by: staffIds.clerk,
        service_slug: 'sign-permit',
        variant: 'citizen',
        stage: 'citizen-pilot',
        audience: 'citizen',
        cohorts: ['aines-testeurs'],
        kind: 'problem',
        severity: 'major',
        consent_to_contact: true,
        organization_id: null,
        contact_name: null,
      });
      const page = await agents.clerk.get(res.headers.location);
      expect(page.text).toContain(`Le commentaire ${row.reference} est enregistré.`);
      expect(between(page.text, 'id="from"')).toContain(
        'Par téléphone, enregistré par Claude Préposé',
      );
      const inbox = await agents.admin.get('/staff/feedback?channel=phone&service=sign-permit');
      expect(referencesOn(inbox.text)).toContain(row.reference);
      expect(inbox.text).toContain('Gisèle Roy');
      const theirs = await signedInAgent(portal.url, person.email);
      expect((await theirs.get('/feedback')).text).toContain(row.reference);
      expect((await audit(row.id, 'feedback.recorded'))[0]).toMatchObject({
        actor_type: 'staff',
        actor_id: staffIds.clerk,
        after: expect.objectContaining({
          channel: 'phone',
          accountId: person.id,
          stage: 'citizen-pilot',
        }),
      });
    });

    it('records it for an SME by its NEQ (with its cohorts), or for someone with only a name and a contact', async () => {
      const [org] = await db.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
           naics_code, contact_name, contact_email, contact_phone)
         VALUES ('Quincaillerie Roy inc.', '1199000002', '2 rue du Pont', 'Val-des-Cèdres', 'J0A 1B0',
           8, '44-45', 'Contact', 'contact@exemple.ca', '418 555-0100') RETURNING id`,
      );
      const [cohort] = await db.query(
        `INSERT INTO cohort (slug, name, audience) VALUES ('commerces-assistes', 'Commerces', 'business') RETURNING id`,
      );
      await db.query(
        `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
         VALUES ($1, $2, 'active', 'staff', now())`,
        [cohort.id, org.id],
      );
      const common = {
        service: 'building-permit',
        variant: 'business',
        language: 'en',
        kind: 'question',
        happened: 'Faut-il un plan signé?',
      };
      const sme = await post(agents['rollout-manager'], '/staff/feedback/new', {
        ...common,
        channel: 'counter',
        onBehalfOf: 'sme',
        neq: '1199 000 002',
        contactName: 'Luc Roy',
        contactDetail: '418 555-0199',
      });
      expect(sme.status).toBe(303);
      const [fromSme] = await db.query(`SELECT * FROM feedback_item WHERE organization_id = $1`, [
        org.id,
      ]);
      expect(fromSme).toMatchObject({
        channel: 'counter',
        audience: 'business',
        account_id: null,
        cohorts: ['commerces-assistes'],
        contact_name: 'Luc Roy',
        contact_detail: '418 555-0199',
        language: 'en',
        recorded_by: staffIds['rollout-manager'],
      });
      const smePage = await agents.clerk.get(`/staff/feedback/${fromSme.id}`);
      expect(between(smePage.text, 'id="from"')).toContain(
        'Quincaillerie Roy inc. (NEQ 1199000002)',
      );
      expect(smePage.text).toContain('La personne n’a pas de compte');

      const contact = await post(agents.admin, '/staff/feedback/new', {
        ...common,
        variant: 'citizen',
        channel: 'email',
        onBehalfOf: 'contact',
        contactName: 'Hélène Tardif',
        contactDetail: 'helene@exemple.ca',
      });
      expect(contact.status).toBe(303);
      const [fromContact] = await db.query(
        `SELECT * FROM feedback_item WHERE contact_name = 'Hélène Tardif'`,
      );
      expect(fromContact).toMatchObject({
        channel: 'email',
        audience: 'citizen',
        account_id: null,
        organization_id: null,
        cohorts: [],
        contact_detail: 'helene@exemple.ca',
      });
      const inbox = await agents.admin.get('/staff/feedback?channel=email&kind=question');
      expect(inbox.text).toContain('Hélène Tardif');
      expect(inbox.text).toContain('Par courriel');
    });

    it('re-renders the form with 422, the error summary and what was typed', async () => {
      const empty = await post(agents.clerk, '/staff/feedback/new', { happened: 'Gardé tel quel' });
      expect(empty.status).toBe(422);
      expect(summary(empty.text)).toEqual([
        'service',
        'variant',
        'channel',
        'onBehalfOf',
        'language',
        'kind',
      ]);
      expect(empty.text).toContain('Gardé tel quel');
      const count = async () =>
        (await db.query(`SELECT count(*)::int AS n FROM feedback_item`))[0].n;
      const before = await count();
      const fields = {
        service: 'building-permit',
        variant: 'citizen',
        channel: 'phone',
        language: 'fr',
        kind: 'problem',
        happened: 'Le site plante.',
      };
      const noSeverity = await post(agents.clerk, '/staff/feedback/new', {
        ...fields,
        onBehalfOf: 'contact',
        contactName: 'Paul',
      });
      expect(noSeverity.status).toBe(422);
      expect(summary(noSeverity.text)).toEqual(['severity']);
      const unknownEmail = await post(agents.clerk, '/staff/feedback/new', {
        ...fields,
        severity: 'minor',
        onBehalfOf: 'account',
        email: 'personne@nulle-part.example',
      });
      expect(unknownEmail.status).toBe(422);
      expect(summary(unknownEmail.text)).toEqual(['email']);
      expect(unknownEmail.text).toContain('Aucun compte ouvert n’a cette adresse');
      expect(unknownEmail.text).toContain('value="personne@nulle-part.example"');
      const unknownNeq = await post(agents.clerk, '/staff/feedback/new', {
        ...fields,
        severity: 'minor',
        onBehalfOf: 'sme',
        neq: '1234567890',
      });
      expect(unknownNeq.status).toBe(422);
      expect(unknownNeq.text).toContain('Aucune entreprise inscrite au portail n’a ce NEQ');
      const noName = await post(agents.clerk, '/staff/feedback/new', {
        ...fields,
        severity: 'minor',
        onBehalfOf: 'contact',
      });
      expect(summary(noName.text)).toEqual(['contactName']);
      const unknownService = await post(agents.clerk, '/staff/feedback/new', {
        ...fields,
        service: 'nowhere',
        severity: 'minor',
        onBehalfOf: 'contact',
        contactName: 'Paul',
      });
      expect(summary(unknownService.text)).toEqual(['service']);
      expect(await count()).toBe(before);
      expect((await agents.analyst.get('/staff/feedback/new')).status).toBe(200);
    });
  });

  it('ranks each cohort’s most active and most useful testers (super-users)', async () => {
    const sme = async (name: string, neq: string) => {
      const [org] = await db.query(
        `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count,
           naics_code, contact_name, contact_email, contact_phone)
         VALUES ($1, $2, '3 rue du Pont', 'Val-des-Cèdres', 'J0A 1B0', 8, '31-33', 'Contact',
           'contact@exemple.ca', '418 555-0100') RETURNING id`,
        [name, neq],
      );
      return org.id as string;
    };
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('super-pilote', 'Pilote des super-utilisateurs', 'business') RETURNING id`,
    );
    const alpha = await sme('Alpha Boulangerie', '1199000011');
    const beta = await sme('Bêta Menuiserie', '1199000012');
    const gamma = await sme('Gamma Fleurs', '1199000013');
    const outsider = await sme('Delta Hors-cohorte', '1199000014');
    for (const org of [alpha, beta, gamma])
      await db.query(
        `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
         VALUES ($1, $2, 'active', 'staff', now() - interval '1 day')`,
        [cohort.id, org],
      );
    const fromCohort = {
      cohorts: ['super-pilote'],
      variant: 'business',
      stage: 'sme-pilot',
      accountId: null,
    };
    // Alpha: 3 items, 2 of them led to a fix (one planned, one fixed).
    await item({ ...fromCohort, organizationId: alpha, status: 'fixed' });
    await item({ ...fromCohort, organizationId: alpha, status: 'planned' });
    await item({ ...fromCohort, organizationId: alpha });
    // Bêta: 2 items (one planned) and 2 applications filed since joining.
    await item({ ...fromCohort, organizationId: beta, status: 'planned' });
    await item({ ...fromCohort, organizationId: beta, status: 'wont-fix' });
    const member = await createPerson(db, { email: uniqueEmail('beta') });
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [beta, member.id],
    );
    for (let i = 0; i < 2; i++)
      await fileBuildingPermit(portal.app, db, {
        accountId: member.id,
        audience: 'business',
        organizationId: beta,
      });
    // Items sent outside the cohort do not count for it.
    await item({ variant: 'business', stage: 'sme-pilot', organizationId: gamma, accountId: null });
    await item({ ...fromCohort, organizationId: outsider });

    const page = await agents['rollout-manager'].get('/staff/feedback/super-users');
    expect(page.status).toBe(200);
    const section = between(page.text, 'data-cohort="super-pilote"', '</section>');
    expect(section).toContain('Membres actifs : 3.');
    const active = between(section, 'data-list="active"', '</table>');
    const rows = [
      ...active.matchAll(/<tr class="govuk-table__row" data-tester="([^"]+)">([\s\S]*?)<\/tr>/g),
    ];
    expect(rows.map((r) => r[1])).toEqual([beta, alpha]);
    expect(rows[0][2]).toMatch(/Bêta Menuiserie[\s\S]*>2<[\s\S]*>2<[\s\S]*>0<[\s\S]*>4</);
    expect(rows[1][2]).toMatch(/Alpha Boulangerie[\s\S]*>3<[\s\S]*>0<[\s\S]*>0<[\s\S]*>3</);
    expect(section).not.toContain('Gamma Fleurs');
    expect(section).not.toContain('Delta Hors-cohorte');
    const useful = between(section, 'data-list="useful"', '</table>');
    expect([...useful.matchAll(/data-tester="([^"]+)"/g)].map((m) => m[1])).toEqual([alpha, beta]);
    expect(useful).toMatch(/Alpha Boulangerie[\s\S]*>2</);
    expect(section).toContain('href="/staff/feedback?cohort&#x3D;super-pilote"');
    expect((await agents.analyst.get('/staff/feedback/super-users')).status).toBe(200);
  });
});
