import { DataSource } from 'typeorm';
import type { TextField, YesNoField } from '../../src/modules/catalogue/form-schema.js';
import type { ServiceDefinition } from '../../src/modules/catalogue/service-definition.js';
import { markPlanChanged } from '../../src/modules/rollout/rollout-changes.js';
import { RevisionRolloutService } from '../../src/modules/rollout/revision-rollout.service.js';
import { RolloutReconciler } from '../../src/modules/rollout/rollout-reconciler.service.js';
import type { StaffActor } from '../../src/modules/staff/staff-roles.guard.js';
import { ServiceRevisionsService } from '../../src/modules/studio/service-revisions.service.js';
import { createPerson, smeMember } from './people.js';
import { unleashAdmin, untilUnleashServes, type TestApp } from './test-app.js';

const origin = { ip: '127.0.0.1', requestId: 'test' };

/** The building permit's revision 2: a clearer lot number question, and a new question. */
export const NEW_LOT_LABEL = { fr: 'Numéro de lot cadastral', en: 'Cadastral lot number' };
export const NEW_QUESTION: YesNoField = {
  name: 'heritageBuilding',
  type: 'yesNo',
  optional: true,
  label: { fr: 'L’immeuble est-il patrimonial ?', en: 'Is the building a heritage building?' },
};

export interface CandidateWorld {
  /** An SME of the pilot cohort attached to the business variant: it gets revision 2. */
  pilotSme: Awaited<ReturnType<typeof smeMember>>;
  /** Another SME: it gets revision 1. */
  otherSme: Awaited<ReturnType<typeof smeMember>>;
  citizen: { id: string; email: string };
  designer: StaffActor;
}

/** Bulky item pickup's revision 2 (bulk filing allows no files): a new optional question. */
export const NEW_PICKUP_QUESTION: TextField = {
  name: 'accessCode',
  type: 'text',
  optional: true,
  label: { fr: 'Code d’accès au site', en: 'Site access code' },
};

/**
 * The demo, in a test database and the real Unleash: the building
 * permit (and the bulky item pickup, which allows bulk filing) open to every
 * SME and every citizen on revision 1, and each one's revision 2 (the lot
 * number relabelled and a new question; a new question) in SME pilot with a
 * cohort holding one SME, started by RevisionRolloutService; the reconciler
 * gives Unleash their strategy variants.
 */
export async function buildingPermitCandidate(portal: TestApp): Promise<CandidateWorld> {
  const db = portal.app.get(DataSource);
  const person = await createPerson(db, { displayName: 'Élise Conception' });
  // An admin: designs revisions and decides their rollout.
  await db.query(`INSERT INTO staff_member (account_id, role) VALUES ($1, 'admin')`, [person.id]);
  const designer: StaffActor = { accountId: person.id, roles: ['admin'] };
  const pilotSme = await smeMember(portal.url, db, { legalName: 'Construction Pilote inc.' });
  const otherSme = await smeMember(portal.url, db, { legalName: 'Rénovations Autres inc.' });
  const citizen = await createPerson(db, { displayName: 'Jeanne Résidente' });

  const cohort = await cohortOf(
    portal,
    { slug: 'pme-pilotes-construction', name: 'PME pilotes – construction', audience: 'business' },
    [pilotSme.organizationId],
  );
  for (const slug of SLUGS) await openWithCohorts(portal, slug, { business: cohort });
  const reconciler = portal.app.get(RolloutReconciler);

  // Each revision 2, ready: both variants are open, so they keep serving revision 1.
  await readyRevision2(portal, designer, 'building-permit', (d) => {
    const property = d.form.steps.find((s) => s.slug === 'property')!;
    (property.fields.find((f) => f.name === 'lotNumber') as TextField).label = NEW_LOT_LABEL;
    property.fields.splice(2, 0, NEW_QUESTION);
    return d;
  });
  await readyRevision2(portal, designer, 'bulky-waste-pickup', (d) => {
    d.form.steps.find((s) => s.slug === 'pickup')!.fields.splice(1, 0, NEW_PICKUP_QUESTION);
    return d;
  });

  // The candidates in SME pilot, started by a rollout manager.
  const rollouts = portal.app.get(RevisionRolloutService);
  for (const slug of SLUGS)
    await rollouts.start({ accountId: person.id, origin }, slug, {
      revision: 2,
      reason: 'Essai auprès des PME pilotes',
    });
  if (!(await reconciler.syncNow())) throw new Error('the candidates did not reach Unleash');
  for (const slug of SLUGS) await untilUnleashServes(`${slug}.business`, '"revision-2"');
  return { pilotSme, otherSme, citizen, designer };
}

const SLUGS = ['building-permit', 'bulky-waste-pickup'];

/**
 * A service open to every SME (sme-all) and every citizen (general), with
 * these cohorts attached to its plans, as a rollout manager would leave it;
 * the reconciler makes Unleash follow.
 */
export async function openWithCohorts(
  portal: TestApp,
  slug: string,
  cohorts: { business?: string; citizen?: string } = {},
): Promise<void> {
  await portal.app.get(DataSource).transaction(async (manager) => {
    await manager.query(
      `UPDATE rollout_plan SET stage = CASE variant WHEN 'business' THEN 'sme-all' ELSE 'general' END
        WHERE service_slug = $1`,
      [slug],
    );
    for (const variant of ['business', 'citizen'] as const) {
      const cohort = cohorts[variant];
      if (cohort)
        await manager.query(
          `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, $2, $3)`,
          [slug, variant, cohort],
        );
      await markPlanChanged(manager, slug, variant);
    }
  });
  if (!(await portal.app.get(RolloutReconciler).syncNow()))
    throw new Error(`${slug}'s plans did not reach Unleash`);
}

/** A cohort with these members (SMEs by organization id, people by account id); its id. */
export async function cohortOf(
  portal: TestApp,
  cohort: { slug: string; name: string; audience: 'business' | 'citizen' },
  members: string[],
): Promise<string> {
  const db = portal.app.get(DataSource);
  const [row] = await db.query<{ id: string }[]>(
    `INSERT INTO cohort (slug, name, audience) VALUES ($1, $2, $3) RETURNING id`,
    [cohort.slug, cohort.name, cohort.audience],
  );
  for (const member of members)
    await db.query(
      `INSERT INTO cohort_member (cohort_id, ${cohort.audience === 'business' ? 'organization_id' : 'account_id'}, status, source, joined_at)
       VALUES ($1, $2, 'active', 'staff', now())`,
      [row.id, member],
    );
  return row.id;
}

/** Leaves the shared Unleash as other test files expect to find a service: closed. */
export async function closeInUnleash(slug: string): Promise<void> {
  const admin = unleashAdmin();
  for (const variant of ['business', 'citizen'] as const)
    await admin.applyEnvironmentState(`${slug}.${variant}`, { enabled: false, strategies: [] });
}

/**
 * Revision 2 of a service, made by a designer in the studio and marked ready
 * (on a service open to everyone it then waits for a rollout).
 */
export async function readyRevision2(
  portal: TestApp,
  designer: StaffActor,
  slug: string,
  change: (definition: ServiceDefinition) => ServiceDefinition,
): Promise<void> {
  const revisions = portal.app.get(ServiceRevisionsService);
  const started = await revisions.startDraft(designer, slug, origin);
  const changed = await revisions.changeDraft(
    designer,
    slug,
    started.number,
    started.version,
    change,
    'revision 2 for the candidate tests',
    origin,
  );
  if (changed.number !== 2) throw new Error(`${slug}: revision ${changed.number}, not 2`);
  await revisions.markReady(designer, slug, 2, changed.version, origin);
}

/**
 * Rolls the candidate back, as a rollout manager does (ADR 0032): everyone
 * gets revision 1 again, and the drafts on revision 2 move to it with every
 * answer that fits; the reconciler makes Unleash follow.
 */
export async function rollBackCandidate(
  portal: TestApp,
  world: CandidateWorld,
  slug: string,
): Promise<void> {
  await portal.app
    .get(RevisionRolloutService)
    .rollback({ accountId: world.designer.accountId, origin }, slug, { reason: 'Défaut trouvé' });
  if (!(await portal.app.get(RolloutReconciler).syncNow()))
    throw new Error('the rollback did not reach Unleash');
}
