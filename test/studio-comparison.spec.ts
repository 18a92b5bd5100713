import { ForbiddenException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InvalidForm } from '../src/platform/forms/form-page.js';
import { Refusal } from '../src/platform/errors/refusal.js';
import { RevisionComparisonService } from '../src/modules/studio/revision-comparison.service.js';
import { ServiceRevisionsService } from '../src/modules/studio/service-revisions.service.js';
import type { StaffActor } from '../src/modules/staff/staff-roles.guard.js';
import { htmlProblems } from './support/html-check.js';
import { createPerson, signedInAgent } from './support/people.js';
import { revisedBuildingPermit } from './support/revisions.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };

/**
 * Comparing two revisions of a service (issue 14): the rule in
 * RevisionComparisonService against the real PostgreSQL, and the page
 * `/staff/services/:slug/compare?from=<n>&to=<n>` (read-only, every staff role).
 */
describe('comparing two revisions of a service', () => {
  let portal: TestApp;
  let db: DataSource;
  let comparisons: RevisionComparisonService;
  let designer: { id: string; email: string };
  let actor: StaffActor;
  let draft: number;

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    comparisons = portal.app.get(RevisionComparisonService);
    designer = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'service-designer')`, [
      designer.id,
    ]);
    actor = { accountId: designer.id, roles: ['service-designer'] };
    // Revision 2 of the building permit: a draft with one change of each kind.
    const revisions = portal.app.get(ServiceRevisionsService);
    const started = await revisions.startDraft(actor, 'building-permit', origin);
    draft = started.number;
    const { newer } = revisedBuildingPermit();
    await revisions.changeDraft(
      actor,
      'building-permit',
      draft,
      started.version,
      () => newer,
      'test: revised',
      origin,
    );
  });
  afterAll(() => portal?.close());

  it('compares the newest revision with the one it was based on by default', async () => {
    const compared = await comparisons.compare(actor, 'building-permit', {});
    expect(compared).toMatchObject({
      slug: 'building-permit',
      from: 1,
      to: draft,
      revisions: [
        { number: draft, state: 'draft' },
        { number: 1, state: 'ready' },
      ],
    });
    expect(compared.comparison.steps.map((s) => [s.slug, s.change])).toEqual([
      ['contractor', 'changed'],
      ['insurance', 'added'],
      ['documents', 'removed'],
    ]);
    expect(compared.comparison.rules).toHaveLength(1);
  });

  it('compares any two revisions, either way, and a revision with itself', async () => {
    const back = await comparisons.compare(actor, 'building-permit', {
      from: String(draft),
      to: '1',
    });
    expect(back.comparison.steps.find((s) => s.slug === 'insurance')?.change).toBe('removed');
    const same = await comparisons.compare(actor, 'building-permit', { from: '1', to: '1' });
    expect(same.comparison).toEqual({
      service: [],
      variants: [],
      steps: [],
      fields: [],
      rules: [],
    });
    // A service with one revision: compared with itself.
    const single = await comparisons.compare(actor, 'sign-permit', {});
    expect(single).toMatchObject({ from: 1, to: 1 });
  });

  it('refuses a value that is no revision number (422), and an unknown service or revision (404)', async () => {
    const invalid = await comparisons
      .compare(actor, 'building-permit', { from: 'abc', to: ['1', '2'] })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidForm);
    expect((invalid as InvalidForm).problems?.map((p) => p.field)).toEqual(['from', 'to']);
    for (const [slug, query] of [
      ['building-permit', { from: '1', to: '99' }],
      ['building-permit', { from: '999999999', to: '1' }],
      ['no-such-service', {}],
    ] as const) {
      const refused = await comparisons.compare(actor, slug, query).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Refusal);
      expect((refused as Refusal).status).toBe(404);
    }
  });

  it('lets every staff role read it (the rollout console links to it), and nobody else', async () => {
    for (const role of ['rollout-manager', 'clerk', 'analyst'] as const)
      expect(
        await comparisons.compare({ accountId: designer.id, roles: [role] }, 'building-permit', {}),
      ).toMatchObject({ from: 1, to: draft });
    await expect(
      comparisons.compare(
        { accountId: designer.id, roles: ['citizen'] as unknown as StaffActor['roles'] },
        'building-permit',
        {},
      ),
    ).rejects.toBeInstanceOf(ForbiddenException);
  });

  it('opens read-only for a rollout manager, back to the service’s revision page', async () => {
    const manager = await createPerson(db, { displayName: 'Martin Gagnon' });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager')`, [
      manager.id,
    ]);
    const agent = await signedInAgent(portal.url, manager.email);
    const page = await agent.get(`/staff/services/building-permit/compare?from=1&to=${draft}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('id="compare-step-insurance"');
    expect(page.text).toContain('href="/staff/rollout/building-permit/revisions"');
    expect(page.text).not.toContain('href="/staff/services"');
    expect(page.text).not.toMatch(/<form method="post" action="\/staff\/services/);
    expect(await htmlProblems(page.text)).toEqual([]);
  });

  for (const [locale, texts] of [
    ['fr', { h1: 'Comparer deux révisions', added: 'Ajouté', draft: 'brouillon' }],
    ['en', { h1: 'Compare two revisions', added: 'Added', draft: 'draft' }],
  ] as const)
    it(`shows the form and what changed, in valid HTML (${locale})`, async () => {
      const agent = await signedInAgent(portal.url, designer.email, locale);
      const page = await agent
        .get(`/staff/services/building-permit/compare?from=1&to=${draft}`)
        .set('Cookie', `guichet_lang=${locale}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`<h1 class="govuk-heading-l">${texts.h1}</h1>`);
      expect(page.text).toContain(
        '<form method="get" action="/staff/services/building-permit/compare"',
      );
      expect(page.text).toMatch(
        new RegExp(`<option value="${draft}" selected>[^<]*${texts.draft}`),
      );
      expect(page.text).toMatch(/<select [^>]*id="from" name="from"/);
      expect(page.text).toContain(`>${texts.added}</strong>`);
      expect(page.text).toContain('id="compare-step-insurance"');
      expect(await htmlProblems(page.text)).toEqual([]);
    });

  it('shows the form again with 422 and the message beside the select when a value is no revision', async () => {
    const agent = await signedInAgent(portal.url, designer.email, 'en');
    const page = await agent
      .get('/staff/services/building-permit/compare?from=abc&to=1')
      .set('Cookie', 'guichet_lang=en');
    expect(page.status).toBe(422);
    expect(page.text).toContain('<title>Error: ');
    expect(page.text).toContain('<a href="#from">Choose a revision of this service</a>');
    expect(page.text).toContain('id="from-error"');
    expect(page.text).not.toContain('data-comparison');
    expect(await htmlProblems(page.text)).toEqual([]);
  });

  it('answers 404 for an unknown revision or service, and sends the anonymous to sign in', async () => {
    const agent = await signedInAgent(portal.url, designer.email);
    expect((await agent.get('/staff/services/building-permit/compare?from=1&to=77')).status).toBe(
      404,
    );
    expect((await agent.get('/staff/services/nothing-here/compare')).status).toBe(404);
    const anonymous = await fetch(`${portal.url}/staff/services/building-permit/compare`, {
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(303);
  });
});
