import { DataSource } from 'typeorm';
import type { ActingAs } from '../../src/modules/accounts/acting-as.js';
import { AcceptanceService } from '../../src/modules/acceptance/acceptance.service.js';
import {
  ApplicationsService,
  type Applicant,
  type Application,
  type Filer,
} from '../../src/modules/applications/applications.service.js';
import { CatalogueService } from '../../src/modules/catalogue/catalogue.service.js';
import type { Answers, YesNoField } from '../../src/modules/catalogue/form-schema.js';
import { rawFromAnswers } from '../../src/modules/catalogue/form-engine.js';
import { FormService } from '../../src/modules/catalogue/form.service.js';
import { AssistedFeedbackService } from '../../src/modules/feedback/assisted-feedback.service.js';
import {
  FeedbackService,
  type FeedbackAuthor,
} from '../../src/modules/feedback/feedback.service.js';
import { JourneyEvents } from '../../src/modules/applications/journey-events.js';
import { PilotEvidence } from '../../src/modules/rollout/gates.js';
import { RevisionRolloutService } from '../../src/modules/rollout/revision-rollout.service.js';
import { RolloutReconciler } from '../../src/modules/rollout/rollout-reconciler.service.js';
import { RolloutService, type RolloutActor } from '../../src/modules/rollout/rollout.service.js';
import { VariantAccessService } from '../../src/modules/rollout/variant-access.service.js';
import { SatisfactionService } from '../../src/modules/satisfaction/satisfaction.service.js';
import { ServiceRevisionsService } from '../../src/modules/studio/service-revisions.service.js';
import { buildingPermitAnswers, PDF } from '../support/applications.js';
import { createPerson } from '../support/people.js';
import { startTestApp, untilUnleashServes, type TestApp } from '../support/test-app.js';

/**
 * A candidate revision's own evidence (ADR 0032), at the service level against
 * the real PostgreSQL and Unleash: the building permit's business variant is
 * in SME pilot, and its revision 2 (a new required question on the "property"
 * step) is the candidate its pilot SMEs get. What was filed, said and tested
 * on revision 2 counts for revision 2 only, and the comparison shows an
 * analyst what changed: fewer applications completed, the new question
 * refusing saves of its step.
 */

const SLUG = 'building-permit';
const origin = { ip: '198.51.100.20', requestId: 'medium-evidence' };
const HERITAGE: YesNoField = {
  name: 'heritageBuilding',
  type: 'yesNo',
  label: { fr: 'L’immeuble est-il patrimonial ?', en: 'Is the building a heritage building?' },
};

describe('a candidate revision’s own evidence (service level, real PostgreSQL and Unleash)', () => {
  let portal: TestApp;
  let db: DataSource;
  let evidence: PilotEvidence;
  let applications: ApplicationsService;
  let feedback: FeedbackService;
  let forms: FormService;
  let catalogue: CatalogueService;
  let cohortId: string;
  /** Both in the pilot's cohort: A files on revision 1 first, B on revision 2. */
  let smeA: ActingAs;
  let smeB: ActingAs;
  let criterionId: string;
  let managerId: string;
  /** The NEQ of each SME, as staff would type it. */
  const neqs = new Map<ActingAs, string>();
  /** Before any evidence: the period both revisions are compared over. */
  let since: Date;
  const reason = 'Essai de la révision 2';

  async function sme(legalName: string, pilot = true): Promise<ActingAs> {
    const person = await createPerson(db);
    const neq = `11${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const [org] = await db.query(
      `INSERT INTO organization (legal_name, neq, street_address, city, postal_code, employee_count, naics_code,
         contact_name, contact_email, contact_phone, verified_at)
       VALUES ($1, $2, '12 rue Principale', 'Val-des-Cèdres', 'J0A 1B0', 9, '31-33', $3, $4, '418 555-0123', now())
       RETURNING id`,
      [legalName, neq, person.displayName, person.email],
    );
    await db.query(
      `INSERT INTO organization_membership (organization_id, account_id, role) VALUES ($1, $2, 'owner')`,
      [org.id, person.id],
    );
    if (pilot)
      await db.query(
        `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
         VALUES ($1, $2, 'active', 'staff', now())`,
        [cohortId, org.id],
      );
    const who: ActingAs = {
      audience: 'business',
      accountId: person.id,
      organization: { id: org.id as string, name: legalName, employeeCount: 9 },
      staff: false,
    };
    neqs.set(who, neq);
    return who;
  }

  const filer = (who: ActingAs): Filer => ({ ...who, accountId: who.accountId!, channel: 'web' });
  const applicant = (who: ActingAs): Applicant => ({
    accountId: who.accountId!,
    audience: 'business',
    organizationId: who.organization!.id,
    channel: 'web',
  });
  const author = (who: ActingAs): FeedbackAuthor => ({ accountId: who.accountId!, actingAs: who });
  const answers = (revision: number): Answers => ({
    ...buildingPermitAnswers('business'),
    ...(revision === 2 ? { heritageBuilding: 'no' } : {}),
  });

  /** A draft of the building permit on this revision, with complete answers but the site plan. */
  async function draft(who: ActingAs, revision: number): Promise<Application> {
    const started = await applications.startDraft(
      applicant(who),
      SLUG,
      answers(revision),
      origin,
      undefined,
      { revision },
    );
    expect(started.application.serviceRevision).toBe(revision);
    return started.application;
  }

  /** A building permit filed on this revision: a draft, its site plan, submitted. */
  async function filed(who: ActingAs, revision: number): Promise<Application> {
    const application = await draft(who, revision);
    const [file] = await db.query<{ id: string }[]>(
      `INSERT INTO application_attachment (application_id, field, filename, content_type, size_bytes, sha256, content, uploaded_by)
       VALUES ($1, 'sitePlan', 'plan.pdf', 'application/pdf', $2, 'test', $3, $4) RETURNING id`,
      [application.id, PDF.length, PDF, who.accountId],
    );
    const plan = {
      id: file.id,
      filename: 'plan.pdf',
      size: PDF.length,
      contentType: 'application/pdf',
    };
    await applications.saveAnswers(
      applicant(who),
      application.id,
      { sitePlan: [plan] },
      [],
      origin,
    );
    const submitted = await applications.submit(applicant(who), application.id, origin);
    if (!submitted.ok) throw new Error(`not submitted: ${submitted.reason}`);
    return submitted.application;
  }

  /** "Continue" on the property step of a draft, with what it holds (minus `without`). */
  async function saveProperty(who: ActingAs, application: Application, without?: string) {
    const definition = catalogue.revision(SLUG, application.serviceRevision)!;
    const step = forms.step(definition, 'business', 'property')!;
    const raw = rawFromAnswers(step, 'business', application.answers);
    if (without)
      for (const name of Object.keys(raw)) if (name.startsWith(without)) delete raw[name];
    const saved = await applications.saveStep(filer(who), application.id, 'property', raw, origin);
    // Journey events are written within a second: the evidence reads them now.
    await portal.app.get(JourneyEvents).flush();
    return saved;
  }

  async function sendFeedback(who: ActingAs, about?: Application, severity?: 'major') {
    const context = await feedback.context(author(who), SLUG, 'business', {
      application: about?.id,
      language: 'fr',
    });
    return feedback.submit(
      author(who),
      context!,
      {
        kind: severity ? 'problem' : 'hard-to-use',
        severity: severity ?? null,
        tried: 'Remplir le formulaire.',
        happened: 'Une question n’est pas claire.',
        expected: '',
        consentToContact: false,
      },
      undefined,
      origin,
    );
  }

  async function survey(who: ActingAs, about: Application, overall: number) {
    const outcome = await portal.app
      .get(SatisfactionService)
      .respond(
        author(who),
        about.id,
        { overall, ease: null, clarity: null, timeCompared: null, help: null, comment: '' },
        'fr',
        origin,
      );
    expect(outcome).toBe('recorded');
  }

  async function test(who: ActingAs, outcome: 'pass' | 'fail') {
    const recorded = await portal.app.get(AcceptanceService).record(
      author(who),
      SLUG,
      'business',
      [
        {
          criterionId,
          outcome,
          note: outcome === 'fail' ? 'La question patrimoniale bloque.' : '',
        },
      ],
      { language: 'fr' },
      origin,
    );
    expect(recorded.ok).toBe(true);
  }

  beforeAll(async () => {
    portal = await startTestApp();
    const app = portal.app;
    db = app.get(DataSource);
    evidence = app.get(PilotEvidence);
    applications = app.get(ApplicationsService);
    feedback = app.get(FeedbackService);
    forms = app.get(FormService);
    catalogue = app.get(CatalogueService);
    const reconciler = app.get(RolloutReconciler);

    // The business variant in SME pilot with one cohort of SMEs.
    const staff = await createPerson(db, { displayName: 'Martin Gagnon' });
    const designerPerson = await createPerson(db, { displayName: 'Élise Conception' });
    await db.query(
      `INSERT INTO staff_member (account_id, role) VALUES ($1, 'rollout-manager'), ($2, 'service-designer')`,
      [staff.id, designerPerson.id],
    );
    const manager: RolloutActor = { accountId: staff.id, origin };
    managerId = staff.id;
    const [cohort] = await db.query(
      `INSERT INTO cohort (slug, name, audience) VALUES ('pme-evidence', 'PME pilotes (preuves)', 'business') RETURNING id`,
    );
    cohortId = cohort.id;
    smeA = await sme('Café du Cèdre inc.');
    smeB = await sme('Quincaillerie Nord inc.');
    const rollout = app.get(RolloutService);
    await rollout.promote(manager, SLUG, 'business', { reason, expectedStage: 'closed' });
    await rollout.attachCohort(manager, SLUG, 'business', { reason, cohortId });
    await rollout.promote(manager, SLUG, 'business', { reason, expectedStage: 'internal' });
    expect(await reconciler.syncNow()).toBe(true);
    const [criterion] = await db.query(
      `INSERT INTO acceptance_criterion (service_slug, variant, position, title_fr, title_en)
       VALUES ($1, 'business', 1, 'Déposer une demande complète', 'File a complete application') RETURNING id`,
      [SLUG],
    );
    criterionId = criterion.id;

    // Revision 2 asks a new required question on the property step; the
    // variant in pilot keeps serving revision 1 to new applications.
    const designer = { accountId: designerPerson.id, roles: ['service-designer' as const] };
    const revisions = app.get(ServiceRevisionsService);
    const started = await revisions.startDraft(designer, SLUG, origin);
    const changed = await revisions.changeDraft(
      designer,
      SLUG,
      started.number,
      started.version,
      (d) => {
        d.form.steps.find((s) => s.slug === 'property')!.fields.splice(2, 0, HERITAGE);
        return d;
      },
      'field heritageBuilding',
      origin,
    );
    await revisions.markReady(designer, SLUG, 2, changed.version, origin);
    expect(catalogue.served(SLUG, 'business')?.revision).toBe(1);
    since = new Date(Date.now() - 1000);

    // Revision 1, before the candidate: A files one application and leaves a
    // draft, saves its property step, says something, answers the survey, and
    // both SMEs pass the criterion.
    const onOne = await filed(smeA, 1);
    const draftOnOne = await draft(smeA, 1);
    expect((await saveProperty(smeA, draftOnOne)).ok).toBe(true);
    await sendFeedback(smeA);
    await survey(smeA, onOne, 5);
    await test(smeA, 'pass');
    await test(smeB, 'pass');

    // Revision 2 becomes the candidate, in SME pilot: Unleash names it for the pilot's SMEs.
    await app.get(RevisionRolloutService).start(manager, SLUG, { revision: 2, reason });
    expect(await reconciler.syncNow()).toBe(true);
    await untilUnleashServes(`${SLUG}.business`, '"revision-2"');
    expect(app.get(VariantAccessService).check(SLUG, 'business', smeB)).toEqual({
      available: true,
      revision: 2,
    });

    // On revision 2: B files one application, leaves two drafts, has the
    // property step refused once for the new question (then saved), says two
    // things (one about a draft), answers the survey, and fails the criterion.
    const onTwo = await filed(smeB, 2);
    const draftOnTwo = await draft(smeB, 2);
    await draft(smeB, 2);
    const refused = await saveProperty(smeB, draftOnTwo, HERITAGE.name);
    expect(refused.ok).toBe(false);
    expect((await saveProperty(smeB, draftOnTwo)).ok).toBe(true);
    await sendFeedback(smeB);
    await sendFeedback(smeB, draftOnTwo);
    await survey(smeB, onTwo, 2);
    await test(smeB, 'fail');
    // A gets revision 2 now, but what A says about its revision-1 draft is about revision 1.
    await sendFeedback(smeA, draftOnOne);
  });

  afterAll(() => portal?.close());

  it('records the revision each piece of evidence was given on', async () => {
    const feedbackRows = await db.query<{ account_id: string; revision: number }[]>(
      `SELECT account_id, service_revision AS revision FROM feedback_item
        WHERE service_slug = $1 ORDER BY created_at, id`,
      [SLUG],
    );
    expect(feedbackRows.map((r) => [r.account_id, r.revision])).toEqual([
      [smeA.accountId, 1],
      [smeB.accountId, 2],
      [smeB.accountId, 2],
      // The criterion B failed, as a major problem.
      [smeB.accountId, 2],
      [smeA.accountId, 1],
    ]);
    const surveys = await db.query<{ overall: number; revision: number }[]>(
      `SELECT overall, service_revision AS revision FROM satisfaction_response
        WHERE service_slug = $1 ORDER BY overall`,
      [SLUG],
    );
    expect(surveys).toEqual([
      { overall: 2, revision: 2 },
      { overall: 5, revision: 1 },
    ]);
    const results = await db.query<
      { organization_id: string; outcome: string; revision: number }[]
    >(
      `SELECT organization_id, outcome, service_revision AS revision FROM acceptance_result
        WHERE criterion_id = $1`,
      [criterionId],
    );
    expect(results).toEqual(
      expect.arrayContaining([
        { organization_id: smeA.organization!.id, outcome: 'pass', revision: 1 },
        { organization_id: smeB.organization!.id, outcome: 'fail', revision: 2 },
      ]),
    );
    // Step saves hold the revision, the step and the errors (by field).
    const saves = await db.query<Record<string, unknown>[]>(
      `SELECT * FROM journey_event
        WHERE service_slug = $1 AND kind IN ('step_completed', 'validation_failed') ORDER BY id`,
      [SLUG],
    );
    expect(
      saves.map((s) => [s.service_revision, s.step, s.kind, s.errors, s.field_errors]),
    ).toEqual([
      [1, 'property', 'step_completed', 0, null],
      [2, 'property', 'validation_failed', 1, { [HERITAGE.name]: 1 }],
      [2, 'property', 'step_completed', 0, null],
    ]);
    // What else an event holds, and never: test/journey-events.spec.ts.
  });

  it('counts for a revision’s gates only what was filed, said and tested on it', async () => {
    const one = await evidence.figures(SLUG, 'business', [cohortId], 1);
    const two = await evidence.figures(SLUG, 'business', [cohortId], 2);
    const all = await evidence.figures(SLUG, 'business', [cohortId]);
    expect(one).toMatchObject({
      applications: 1,
      participants: 1,
      feedback: {
        received: 2,
        openBlockingOrMajor: 0,
        averageSatisfaction: 5,
        // A passed on revision 1; B's pass became a fail on revision 2.
        acceptance: { passed: 1, total: 1 },
      },
    });
    expect(two).toMatchObject({
      applications: 1,
      participants: 1,
      feedback: {
        received: 3,
        openBlockingOrMajor: 1,
        averageSatisfaction: 2,
        acceptance: { passed: 0, total: 1 },
      },
    });
    // Without a revision: everything, as before revisions were released one by one.
    expect(all).toMatchObject({
      applications: 2,
      participants: 2,
      feedback: {
        received: 5,
        openBlockingOrMajor: 1,
        averageSatisfaction: 3.5,
        acceptance: { passed: 0, total: 1 },
      },
    });
  });

  it('compares the candidate with the current revision over the same period, step by step', async () => {
    const comparison = await evidence.compareRevisions(
      SLUG,
      'business',
      { candidate: 2, current: 1 },
      since,
    );
    const steps = forms.steps(catalogue.revision(SLUG, 2)!, 'business').map((s) => s.slug);
    const unsaved = (step: string) => ({ step, saves: 0, refused: 0, errors: 0 });
    expect(comparison).toEqual({
      since,
      candidate: {
        revision: 2,
        started: 3,
        submitted: 1,
        completionRate: 33.3,
        feedback: 3,
        averageSatisfaction: 2,
        steps: steps.map((step) =>
          step === 'property' ? { step, saves: 2, refused: 1, errors: 1 } : unsaved(step),
        ),
      },
      current: {
        revision: 1,
        started: 2,
        submitted: 1,
        completionRate: 50,
        feedback: 2,
        averageSatisfaction: 5,
        steps: steps.map((step) =>
          step === 'property' ? { step, saves: 1, refused: 0, errors: 0 } : unsaved(step),
        ),
      },
    });
    expect(steps.slice(0, 2)).toEqual(['business', 'property']);
  });

  it('shows nothing for a period with no evidence: no rate, every step unsaved', async () => {
    const later = new Date(Date.now() + 60_000);
    const { candidate } = await evidence.compareRevisions(
      SLUG,
      'business',
      { candidate: 2, current: 1 },
      later,
    );
    expect(candidate).toMatchObject({
      started: 0,
      submitted: 0,
      completionRate: null,
      feedback: 0,
      averageSatisfaction: null,
    });
    expect(candidate.steps.every((s) => s.saves === 0)).toBe(true);
  });

  it('gives feedback staff record for an SME the revision that SME gets', async () => {
    const outsider = await sme('Garage du Lac inc.', false);
    const assisted = portal.app.get(AssistedFeedbackService);
    const record = async (who: ActingAs) => {
      const recorded = await assisted.record(
        { accountId: managerId, roles: ['rollout-manager'] },
        {
          serviceSlug: SLUG,
          variant: 'business',
          channel: 'phone',
          party: { kind: 'sme', neq: neqs.get(who)!, contactName: 'Luc Caron', contactDetail: '' },
          language: 'fr',
          feedback: {
            kind: 'question',
            severity: null,
            tried: '',
            happened: 'Faut-il répondre à la question patrimoniale ?',
            expected: '',
            consentToContact: false,
          },
        },
        origin,
      );
      if (!recorded.ok) throw new Error(`not recorded: ${recorded.reason}`);
      const [row] = await db.query<{ revision: number }[]>(
        `SELECT service_revision AS revision FROM feedback_item WHERE id = $1`,
        [recorded.id],
      );
      return row.revision;
    };
    // A pilot SME gets the candidate; an SME the pilot does not reach, the current revision.
    expect(await record(smeB)).toBe(2);
    expect(await record(outsider)).toBe(1);
  });
});
