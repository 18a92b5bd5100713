import request from 'supertest';
import { DataSource } from 'typeorm';
import { markCohortChanged } from '../src/modules/rollout/rollout-changes.js';
import { RolloutReconciler } from '../src/modules/rollout/rollout-reconciler.service.js';
import { RolloutService } from '../src/modules/rollout/rollout.service.js';
import { closeInUnleash } from './support/candidate.js';
import { createPerson, signedInAgent, smeMember } from './support/people.js';
import { changePlan, startTestApp, unleashAdmin, type TestApp } from './support/test-app.js';

type Agent = ReturnType<typeof request.agent>;

const SERVICE = 'public-domain-occupation';
const COHORT = 'pme-pilotes-domaine';
const SEGMENT = `cohort:${COHORT}`;

/**
 * Issue 17, "Gates": the gates' evidence links lead every role that sees the
 * gates to a page without personal data; the feedback and satisfaction gates
 * count what was given at the stage being judged; a segment edited in Unleash
 * is put back and recorded as drift, a change of membership made in the
 * portal is not (ADR 0035).
 */
describe('the gates: their evidence, their stage, their segments', () => {
  let portal: TestApp;
  let db: DataSource;
  let manager: Agent;
  let analyst: Agent;
  let pilotSme: Awaited<ReturnType<typeof smeMember>>;
  let smeEmail: string;
  let cohortId: string;
  let applicationId: string;
  const admin = unleashAdmin();

  async function staff(role: string, name: string) {
    const person = await createPerson(db, { displayName: name });
    await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, $2)`, [
      person.id,
      role,
    ]);
    return signedInAgent(portal.url, person.email);
  }

  /** A feedback item as the feedback form stores it, given at `stage`. */
  async function feedback(
    stage: string,
    kind: string,
    severity: string | null,
    happened: string,
  ): Promise<void> {
    await db.query(
      `INSERT INTO feedback_item (service_slug, variant, service_revision, stage, page, audience,
         organization_id, account_id, language, kind, severity, happened, application_id)
       VALUES ($1, 'business', 1, $2, $3, 'business', $4, $5, 'fr', $6, $7, $8, $9)`,
      [
        SERVICE,
        stage,
        `/applications/${applicationId}/steps/location`,
        pilotSme.organizationId,
        pilotSme.accountId,
        kind,
        severity,
        happened,
        applicationId,
      ],
    );
  }

  async function gates() {
    const rollout = portal.app.get(RolloutService);
    const results = await rollout.gates(await rollout.plan(SERVICE, 'business'));
    return Object.fromEntries(results.map((g) => [g.id, g.value]));
  }

  beforeAll(async () => {
    portal = await startTestApp();
    db = portal.app.get(DataSource);
    manager = await staff('rollout-manager', 'Martin Gagnon');
    analyst = await staff('analyst', 'Amira Haddad');
    pilotSme = await smeMember(portal.url, db, { legalName: 'Traiteur Les Érables inc.' });
    [{ email: smeEmail }] = await db.query(`SELECT email FROM account WHERE id = $1`, [
      pilotSme.accountId,
    ]);
    [{ id: cohortId }] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ($1, 'PME pilotes – domaine public', 'business') RETURNING id`,
      [COHORT],
    );
    await db.query(
      `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [cohortId, pilotSme.organizationId],
    );
    await db.query(
      `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, 'business', $2)`,
      [SERVICE, cohortId],
    );
    await changePlan(portal, SERVICE, 'business', { stage: 'sme-pilot' });
    // What the pilot SME did and said during the pilot: an application decided in 3 days,
    // a problem whose text holds personal data, a survey answer.
    [{ id: applicationId }] = await db.query(
      `INSERT INTO application (service_slug, service_revision, variant, account_id, organization_id,
         status, reference, submitted_at, decided_at)
       VALUES ($1, 1, 'business', $2, $3, 'approved', 'DP-2026-990001', now() - interval '3 days', now())
       RETURNING id`,
      [SERVICE, pilotSme.accountId, pilotSme.organizationId],
    );
    await feedback('sme-pilot', 'problem', 'minor', `Écrivez-moi à ${smeEmail}, merci`);
    await db.query(
      `INSERT INTO satisfaction_response (application_id, service_slug, variant, service_revision, stage,
         audience, organization_id, account_id, language, overall, comment)
       VALUES ($1, $2, 'business', 1, 'sme-pilot', 'business', $3, $4, 'fr', 5, 'Traiteur Les Érables ravi')`,
      [applicationId, SERVICE, pilotSme.organizationId, pilotSme.accountId],
    );
  });

  afterAll(async () => {
    await closeInUnleash(SERVICE);
    await portal?.close();
  });

  it('links every gate with evidence to a page rollout managers and analysts may open, with no personal data', async () => {
    for (const agent of [manager, analyst]) {
      const plan = await agent.get(`/staff/rollout/${SERVICE}/business`);
      expect(plan.status).toBe(200);
      const links = Object.fromEntries(
        [
          ...plan.text.matchAll(
            /data-gate="([a-z-]+)"[^>]*>\s*<th[^>]*><a class="govuk-link" href="([^"]+)"/g,
          ),
        ].map((m) => [m[1], m[2]]),
      );
      for (const gate of ['pilot-applications', 'pilot-participants', 'processing-time'])
        expect(links[gate]).toMatch(new RegExp(`^/staff/rollout/${SERVICE}/business/evidence#`));
      expect(Object.keys(links).sort()).toEqual(
        [
          'acceptance',
          'checklist',
          'feedback-received',
          'open-blocking',
          'pilot-applications',
          'pilot-participants',
          'processing-time',
          'satisfaction',
        ].sort(),
      );
      const pages = Object.values(links).filter((l) => l.startsWith('/'));
      for (const href of new Set(pages.map((l) => l.split('#')[0]))) {
        const page = await agent.get(href);
        expect({ href, status: page.status }).toEqual({ href, status: 200 });
      }
      const evidence = (await agent.get(`/staff/rollout/${SERVICE}/business/evidence`)).text;
      expect(evidence).toContain('data-evidence-applications="1"');
      expect(evidence).toContain('data-evidence-participants="1"');
      expect(evidence).toContain('data-evidence-decided="1"');
      expect(evidence).toContain('data-evidence-responses="1"');
      expect(evidence).toMatch(/data-feedback="FB-\d+" data-feedback-stage="sme-pilot"/);
      expect(evidence).toContain('<code>location</code>');
      // Nobody's name, email, business or words.
      for (const personal of [smeEmail, 'Traiteur Les Érables', 'Écrivez-moi', 'DP-2026-990001'])
        expect(evidence).not.toContain(personal);
    }
  });

  it('counts the feedback and surveys given at the stage being judged, and open blockers whatever their stage', async () => {
    expect(await gates()).toMatchObject({
      'feedback-received': 1,
      satisfaction: 5,
      'open-blocking': 0,
    });
    await feedback('sme-pilot', 'problem', 'blocker', 'Le plan du site ne se téléverse pas');
    await changePlan(portal, SERVICE, 'business', { stage: 'sme-gradual', gradualPercentage: 10 });
    // Judged at sme-gradual: nothing given at sme-pilot counts but the blocker still open.
    expect(await gates()).toMatchObject({
      'feedback-received': 0,
      satisfaction: null,
      'open-blocking': 1,
    });
    await feedback('sme-gradual', 'praise', null, 'Beaucoup plus simple');
    expect(await gates()).toMatchObject({ 'feedback-received': 1, 'open-blocking': 1 });
    const page = (await analyst.get(`/staff/rollout/${SERVICE}/business/evidence`)).text;
    expect(page.match(/data-feedback-stage="sme-pilot"/g)).toHaveLength(1);
    expect(page.match(/data-feedback-stage="sme-gradual"/g)).toHaveLength(1);
    expect(page).toContain('data-evidence-responses="0"');
  });

  it('puts back a segment edited in Unleash and records the drift; a membership change made in the portal is not drift', async () => {
    const reconciler = portal.app.get(RolloutReconciler);
    const segment = async () => (await admin.segments()).find((s) => s.name === SEGMENT)!;
    const drift = async () =>
      db.query<{ resolution: string; actual: unknown }[]>(
        `SELECT resolution, actual FROM rollout_drift WHERE segment = $1`,
        [SEGMENT],
      );
    // The portal adds an SME to the cohort: Unleash follows, no drift.
    const other = await smeMember(portal.url, db, { legalName: 'Fleuriste du Parc inc.' });
    await db.transaction(async (m) => {
      await m.query(
        `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
         VALUES ($1, $2, 'active', 'staff', now())`,
        [cohortId, other.organizationId],
      );
      await markCohortChanged(m, cohortId);
    });
    await reconciler.reconcile();
    const members = [pilotSme.organizationId, other.organizationId].sort();
    expect((await segment()).constraints[0].values).toEqual(members);
    expect(await drift()).toEqual([]);

    // Someone adds an outsider to the segment in Unleash's UI.
    const outsider = '00000000-0000-4000-8000-000000000017';
    const edited = await segment();
    await admin.updateSegment({
      ...edited,
      constraints: [
        { contextName: 'organizationId', operator: 'IN', values: [...members, outsider] },
      ],
    });
    await reconciler.reconcile();
    expect((await segment()).constraints[0].values).toEqual(members);
    expect(await drift()).toEqual([
      {
        resolution: 'corrected',
        actual: {
          constraints: [expect.objectContaining({ values: expect.arrayContaining([outsider]) })],
        },
      },
    ]);
    const [event] = await db.query(
      `SELECT entity_id FROM audit_event WHERE action = 'rollout.segment_drift_corrected'`,
    );
    expect(event).toEqual({ entity_id: SEGMENT });
    const plan = await manager.get(`/staff/rollout/${SERVICE}/business`);
    expect(plan.text).toContain(`data-drift-segment="${SEGMENT}"`);
    expect(plan.text).toContain(`segment ${SEGMENT} modifié directement dans Unleash`);
    // Put back once: the next run only reads.
    await reconciler.reconcile();
    expect(await drift()).toHaveLength(1);
  });

  it('counts the web journey’s gates once their thresholds are set, from the pilot members’ drafts and step saves', async () => {
    expect(await gates()).not.toHaveProperty('completion-rate');
    expect(await gates()).not.toHaveProperty('step-errors');
    // The pilot SME started a second application on the pages and left it a draft;
    // its step saves: "location" 4 saved, 1 refused; "works" 1 saved, 1 refused.
    await db.query(
      `INSERT INTO application (service_slug, service_revision, variant, account_id, organization_id, status)
       VALUES ($1, 1, 'business', $2, $3, 'draft')`,
      [SERVICE, pilotSme.accountId, pilotSme.organizationId],
    );
    await db.query(
      `INSERT INTO journey_event (kind, service_slug, variant, service_revision, channel, cohort, step, errors, field_errors)
       SELECT k.kind, $1, 'business', 1, 'web', $2, k.step, k.errors, k.fields::jsonb
         FROM (VALUES ('step_completed', 'location', 0, NULL), ('step_completed', 'location', 0, NULL),
                      ('step_completed', 'location', 0, NULL), ('validation_failed', 'location', 1, '{"area": 1}'),
                      ('step_completed', 'works', 0, NULL), ('validation_failed', 'works', 2, '{"dates": 2}'),
                      -- Another cohort's, or nobody's: not the pilot's.
                      ('validation_failed', 'location', 1, NULL)) AS k (kind, step, errors, fields)`,
      [SERVICE, COHORT],
    );
    await db.query(
      `UPDATE journey_event SET cohort = NULL WHERE field_errors IS NULL AND kind = 'validation_failed'`,
    );
    await db.query(
      `UPDATE rollout_plan SET gate_thresholds = '{"completion-rate": 70, "step-errors": 30}'
        WHERE service_slug = $1 AND variant = 'business'`,
      [SERVICE],
    );
    // One application of two submitted; the worst step refused one save of two.
    expect(await gates()).toMatchObject({ 'completion-rate': 50, 'step-errors': 50 });
    const rollout = portal.app.get(RolloutService);
    const results = await rollout.gates(await rollout.plan(SERVICE, 'business'));
    expect(results.filter((g) => g.id === 'completion-rate' || g.id === 'step-errors')).toEqual([
      expect.objectContaining({
        id: 'completion-rate',
        status: 'fail',
        threshold: 70,
        evidence: expect.stringContaining('#completion'),
      }),
      expect.objectContaining({
        id: 'step-errors',
        status: 'fail',
        threshold: 30,
        evidence: expect.stringContaining('#steps'),
      }),
    ]);
    const page = (await analyst.get(`/staff/rollout/${SERVICE}/business/evidence`)).text;
    expect(page).toContain('data-evidence-started="2"');
    expect(page).toMatch(/data-evidence-step="location">[\s\S]*?>4<[\s\S]*?>1</);
    expect(page).toMatch(/data-evidence-step="works">[\s\S]*?>2<[\s\S]*?>1</);
  });
});
