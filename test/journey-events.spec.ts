import request from 'supertest';
import { DataSource } from 'typeorm';
import { ApiKeysService } from '../src/modules/applications/api-keys.service.js';
import { ApplicationsService } from '../src/modules/applications/applications.service.js';
import { JourneyEvents } from '../src/modules/applications/journey-events.js';
import type { Answers } from '../src/modules/catalogue/form-schema.js';
import { PlanFence } from '../src/modules/rollout/plan-fence.js';
import { VariantAccessService } from '../src/modules/rollout/variant-access.service.js';
import { JsonLogger } from '../src/platform/logging/json-logger.js';
import { bulkyWastePickupAnswers, releaseService } from './support/applications.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { csrfFrom, startTestApp, type TestApp } from './support/test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };

interface EventRow {
  kind: string;
  channel: string;
  service_slug: string;
  variant: string;
  service_revision: number;
  stage: string | null;
  cohort: string | null;
  step: string | null;
  seconds: number | null;
  errors: number;
  field_errors: Record<string, number> | null;
}

/**
 * Issue 16, "Measure the journey": every step of a journey is an event the
 * insights count (ADR 0041), with the service, variant, revision, channel,
 * stage and pilot cohort, the time spent on a step and the errors of each
 * field; and nothing that names or links a person.
 */
describe('journey events', () => {
  let portal: TestApp;
  let db: DataSource;

  async function events(slug: string): Promise<EventRow[]> {
    await portal.app.get(JourneyEvents).flush();
    return db.query<EventRow[]>(
      `SELECT kind, channel, service_slug, variant, service_revision, stage, cohort, step,
              seconds, errors, field_errors
         FROM journey_event WHERE service_slug = $1 ORDER BY id`,
      [slug],
    );
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    await releaseService(portal, 'building-permit');
    await releaseService(portal, 'bulky-waste-pickup');
  });
  afterAll(() => portal?.close());

  it('counts a resident’s steps on the pages: shown, refused with each field’s errors, completed, timed', async () => {
    const citizen = await createPerson(db, { displayName: 'Julie Gagnon' });
    const agent = await signedInAgent(portal.url, citizen.email);
    const service = await agent.get('/services/building-permit/citizen');
    const started = await agent
      .post('/services/building-permit/citizen/start')
      .type('form')
      .send({ _csrf: csrfFrom(service.text) });
    expect(started.status).toBe(303);
    const draft = started.headers.location as string;
    const step = await agent.get(`${draft}/steps/property`);
    expect(step.status).toBe(200);
    const shownAt = /name="_shown" value="(\d{13})"/.exec(step.text)?.[1];
    expect(shownAt).toBeDefined();
    // As if the page had been read for 42 seconds.
    const earlier = String(Number(shownAt) - 42_000);
    const refused = await agent
      .post(`${draft}/steps/property`)
      .type('form')
      .send({
        _csrf: csrfFrom(step.text),
        _shown: earlier,
        action: 'continue',
        'propertyAddress-line1': '12, rue des Érables',
        lotNumber: '12',
      });
    expect(refused.status).toBe(422);
    // The page shown again keeps the time it was first shown.
    expect(refused.text).toContain(`name="_shown" value="${earlier}"`);
    const saved = await agent
      .post(`${draft}/steps/property`)
      .type('form')
      .send({
        _csrf: csrfFrom(refused.text),
        _shown: earlier,
        action: 'continue',
        'propertyAddress-line1': '12, rue des Érables',
        'propertyAddress-city': 'Val-des-Cèdres',
        'propertyAddress-postalCode': 'J8X 1A1',
        lotNumber: '1234567',
        applicantIsOwner: 'yes',
      });
    expect(saved.status).toBe(303);

    const rows = await events('building-permit');
    const common = {
      channel: 'web',
      service_slug: 'building-permit',
      variant: 'citizen',
      service_revision: 1,
      stage: 'general',
      cohort: null,
    };
    expect(rows).toEqual([
      {
        ...common,
        kind: 'draft_started',
        step: null,
        seconds: null,
        errors: 0,
        field_errors: null,
      },
      {
        ...common,
        kind: 'step_shown',
        step: 'property',
        seconds: null,
        errors: 0,
        field_errors: null,
      },
      {
        ...common,
        kind: 'validation_failed',
        step: 'property',
        seconds: expect.any(Number),
        errors: 4,
        field_errors: { propertyAddress: 2, lotNumber: 1, applicantIsOwner: 1 },
      },
      {
        ...common,
        kind: 'step_completed',
        step: 'property',
        seconds: expect.any(Number),
        errors: 0,
        field_errors: null,
      },
    ]);
    for (const timed of rows.filter((r) => r.seconds !== null)) {
      expect(timed.seconds).toBeGreaterThanOrEqual(42);
      expect(timed.seconds).toBeLessThan(3600);
    }
  });

  it('counts an SME’s filings through the API and on the pages, with its pilot cohort, and its withdrawal', async () => {
    const sme = await smeMember(portal.url, db, { legalName: 'Traiteur Pilote inc.' });
    const [cohort] = await db.query<{ id: string }[]>(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pme-parcours', 'PME pilotes (parcours)', 'business')
       RETURNING id`,
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [cohort.id, sme.organizationId],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ('bulky-waste-pickup', 'business', $1)`,
      [cohort.id],
    );
    expect(await portal.app.get(PlanFence).reload()).toBe(true);

    const created = await portal.app
      .get(ApiKeysService)
      .create(
        sme.accountId,
        sme.organizationId,
        { name: 'Logiciel', scopes: ['applications:read', 'applications:write'] },
        origin,
      );
    if (!created.ok) throw new Error(created.problem);
    const filed = await request(portal.url)
      .post('/api/v1/applications')
      .set('Authorization', `Bearer ${created.token}`)
      .send({ service: 'bulky-waste-pickup', answers: bulkyWastePickupAnswers(), submit: true });
    expect(filed.status).toBe(201);

    // On the pages: a draft completed, its answers checked, submitted, then withdrawn.
    const service = await sme.agent.get('/services/bulky-waste-pickup/business');
    const started = await sme.agent
      .post('/services/bulky-waste-pickup/business/start')
      .type('form')
      .send({ _csrf: csrfFrom(service.text) });
    expect(started.status).toBe(303);
    const id = /\/applications\/([0-9a-f-]{36})/.exec(started.headers.location)![1];
    const applicant = {
      accountId: sme.accountId,
      audience: 'business' as const,
      organizationId: sme.organizationId,
      channel: 'web' as const,
    };
    const applications = portal.app.get(ApplicationsService);
    const answered = await applications.saveAnswers(
      applicant,
      id,
      bulkyWastePickupAnswers() as Answers,
      [],
      origin,
    );
    expect(answered.ok).toBe(true);
    const check = await sme.agent.get(`/applications/${id}/check`);
    expect(check.status).toBe(200);
    const submitted = await sme.agent
      .post(`/applications/${id}/submit`)
      .type('form')
      .send({ _csrf: csrfFrom(check.text), _revision: '1', declaration: 'agreed' });
    expect(submitted.status).toBe(303);
    expect((await applications.withdraw(applicant, id, null, origin)).ok).toBe(true);

    const rows = await events('bulky-waste-pickup');
    const common = {
      service_slug: 'bulky-waste-pickup',
      variant: 'business',
      service_revision: 1,
      stage: 'sme-all',
      cohort: 'pme-parcours',
      step: null,
      seconds: null,
      errors: 0,
      field_errors: null,
    };
    expect(rows).toEqual([
      { ...common, kind: 'draft_started', channel: 'api' },
      { ...common, kind: 'submitted', channel: 'api' },
      { ...common, kind: 'draft_started', channel: 'web' },
      { ...common, kind: 'check_answers_shown', channel: 'web' },
      { ...common, kind: 'submitted', channel: 'web' },
      { ...common, kind: 'withdrawn', channel: 'web' },
    ]);
  });

  it('keeps nothing that names a person: no id, address or answer in any event', async () => {
    await portal.app.get(JourneyEvents).flush();
    const rows = await db.query<Record<string, unknown>[]>(`SELECT * FROM journey_event`);
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0]).sort()).toEqual([
      'channel',
      'cohort',
      'errors',
      'field_errors',
      'id',
      'kind',
      'occurred_at',
      'seconds',
      'service_revision',
      'service_slug',
      'stage',
      'step',
      'variant',
    ]);
    const people = await db.query<{ id: string; email: string }[]>(`SELECT id, email FROM account`);
    const smes = await db.query<{ id: string }[]>(`SELECT id FROM organization`);
    const applications = await db.query<{ id: string }[]>(`SELECT id FROM application`);
    const text = JSON.stringify(rows);
    for (const value of [
      ...people.flatMap((p) => [p.id, p.email]),
      ...smes.map((o) => o.id),
      ...applications.map((a) => a.id),
      'rue des Érables',
      '1234567',
    ])
      expect(text).not.toContain(value);
  });

  it('drops only the event PostgreSQL refuses, not its batch, and says so in the log', async () => {
    const lines: string[] = [];
    const journey = new JourneyEvents(
      db,
      portal.app.get(VariantAccessService),
      new JsonLogger('warn', (line) => lines.push(line)),
    );
    const filer = {
      accountId: (await createPerson(db)).id,
      audience: 'citizen' as const,
      channel: 'web' as const,
    };
    const event = (revision: number) => ({
      kind: 'step_shown' as const,
      serviceSlug: 'sign-permit',
      variant: 'citizen' as const,
      revision,
      step: 'location',
    });
    const before = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM journey_event WHERE service_slug = 'sign-permit'`,
    );
    // The second names a revision that does not exist: its foreign key refuses it.
    for (const revision of [1, 99, 1, 1]) journey.record(filer, event(revision));
    await journey.flush();
    const after = await db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM journey_event WHERE service_slug = 'sign-permit'`,
    );
    expect(after[0].n - before[0].n).toBe(3);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ msg: 'journey.events_dropped', dropped: 1 }),
    ]);
  });

  it('takes the step saves of instances still on the previous release while an upgrade rolls out', async () => {
    // What the previous release writes and reads (step_save, now a view).
    await db.query(
      `INSERT INTO step_save (service_slug, variant, service_revision, step, refused, errors)
       VALUES ('occupancy-certificate', 'citizen', 1, 'building', true, 2),
              ('occupancy-certificate', 'citizen', 1, 'building', false, 0)`,
    );
    expect(
      await db.query(
        `SELECT kind, channel, step, errors FROM journey_event
          WHERE service_slug = 'occupancy-certificate' ORDER BY id`,
      ),
    ).toEqual([
      { kind: 'validation_failed', channel: 'web', step: 'building', errors: 2 },
      { kind: 'step_completed', channel: 'web', step: 'building', errors: 0 },
    ]);
    expect(
      await db.query(
        `SELECT step, refused, errors FROM step_save
          WHERE service_slug = 'occupancy-certificate' ORDER BY id`,
      ),
    ).toEqual([
      { step: 'building', refused: true, errors: 2 },
      { step: 'building', refused: false, errors: 0 },
    ]);
  });
});
