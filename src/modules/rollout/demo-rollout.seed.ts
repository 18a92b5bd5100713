import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { FlagStrategy } from '../../platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { AuditService } from '../audit/audit.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { buildingPermitRevision2 } from './demo-revision.js';
import {
  DEMO_STORY,
  PLACEHOLDER_PNG,
  residentHome,
  STORY_COHORTS_JOINED,
  storyRows,
  type StoryFiler,
  type StoryRows,
} from './demo-story.js';
import { markCohortChanged, markPlanChanged } from './rollout-changes.js';
import type { Stage } from './stages.js';

const SEED_NAME = 'demo-rollout-v2';
/**
 * The building permit's revision 2 in SME pilot (issue 15): its own seed, so a
 * demo database of before gets it at its next boot with SEED_DEMO=true.
 */
const REVISION_SEED_NAME = 'demo-revision-v1';
/** The story of the SME-first comparison (issue 16, demo-story.ts): its own seed, likewise. */
const STORY_SEED_NAME = 'demo-story-v1';
const DEMO_DOMAIN = 'demo.guichet.example';

/**
 * A strategy set on a flag directly, outside any plan: flexibleRollout
 * `rollout` % for one audience. Only for tests and benchmarks that drive
 * Unleash themselves with the periodic reconciler off.
 */
export function audienceStrategy(flag: string, audience: Audience, rollout: number): FlagStrategy {
  return {
    name: 'flexibleRollout',
    parameters: { rollout: String(rollout), stickiness: 'default', groupId: flag },
    constraints: [{ contextName: 'audience', operator: 'IN', values: [audience] }],
  };
}

/** Every business: see audienceStrategy. */
export function allBusinessesStrategy(flag: string): FlagStrategy {
  return audienceStrategy(flag, 'business', 100);
}

interface DemoCohort {
  slug: string;
  name: string;
  description: string;
  audience: Audience;
  /** NEQs of demo SMEs, or emails of demo citizens. */
  members: string[];
}

/**
 * Two SME pilot cohorts and one citizen tester cohort, of the demo people;
 * the commerce pilots and the testers are ten or more, as many as the
 * insights need before they show a group's figures.
 */
const DEMO_COHORTS: DemoCohort[] = [
  {
    slug: 'pme-pilotes-construction',
    name: 'PME pilotes – construction',
    description:
      'Entrepreneurs et ateliers qui déposent souvent des permis de construction et d’occupation du domaine public.',
    audience: 'business',
    members: ['1148305726', '1172094418', '1133702659'],
  },
  {
    slug: 'pme-pilotes-commerces',
    name: 'PME pilotes – commerces',
    description: 'Commerces de la rue Principale : enseignes, terrasses et conteneurs.',
    audience: 'business',
    members: [
      '1164829371',
      '1176509142',
      '1140658297',
      '1157204836',
      '1169843012',
      '1143528690',
      '1170615943',
      '1136947281',
      '1165390174',
      '1152746308',
      '1174081529',
      '1147639205',
    ],
  },
  {
    slug: 'citoyens-testeurs',
    name: 'Citoyens testeurs',
    description: 'Résidents volontaires qui essaient les services avant leur ouverture à tous.',
    audience: 'citizen',
    members: Array.from(
      { length: 12 },
      (_, i) => `citizen${String(i + 1).padStart(2, '0')}@${DEMO_DOMAIN}`,
    ),
  },
];

/**
 * The demo services spread across stages, SME-first: the building permit is
 * open to everyone; the bulky-waste pickup to every SME and, for residents, to
 * the citizen testers; the sign permit is in SME pilot; the public-domain
 * occupation in gradual release (the pilot SMEs and half the others, sticky per
 * SME); the occupancy certificate is closed.
 */
const DEMO_PLANS: {
  slug: string;
  variant: Audience;
  stage: Stage;
  percentage?: number;
  cohorts?: string[];
}[] = [
  { slug: 'building-permit', variant: 'business', stage: 'sme-all' },
  { slug: 'building-permit', variant: 'citizen', stage: 'general' },
  { slug: 'bulky-waste-pickup', variant: 'business', stage: 'sme-all' },
  {
    slug: 'bulky-waste-pickup',
    variant: 'citizen',
    stage: 'citizen-pilot',
    cohorts: ['citoyens-testeurs'],
  },
  {
    slug: 'sign-permit',
    variant: 'business',
    stage: 'sme-pilot',
    cohorts: ['pme-pilotes-commerces'],
  },
  { slug: 'sign-permit', variant: 'citizen', stage: 'internal' },
  {
    slug: 'public-domain-occupation',
    variant: 'business',
    stage: 'sme-gradual',
    percentage: 50,
    cohorts: ['pme-pilotes-construction', 'pme-pilotes-commerces'],
  },
];

/**
 * Demo data on first boot (SEED_DEMO), once, after the demo people: the
 * cohorts and the plans above, each plan's stage recorded as a system decision
 * ("demo data") and the whole run in the audit log; then the building permit's
 * revision 2, and the story of applications and feedback behind the SME-first
 * comparison, each its own seed. The reconciler then gives Unleash the state
 * the plans imply. Returns whether any of them ran now.
 */
@Injectable()
export class DemoRolloutSeed {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly logger: JsonLogger,
    private readonly catalogue: CatalogueService,
  ) {}

  async run(): Promise<boolean> {
    const plans = await this.seedPlans();
    const revision = await this.seedRevision();
    const story = await this.seedStory();
    return plans || revision || story;
  }

  private async seedPlans(): Promise<boolean> {
    const ran = await this.dataSource.transaction(async (manager) => {
      const claimed = await manager.query(
        'INSERT INTO seed_run (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name',
        [SEED_NAME],
      );
      if (claimed.length === 0) return false;
      const cohortIds = new Map<string, string>();
      for (const cohort of DEMO_COHORTS) {
        const [row] = await manager.query<{ id: string }[]>(
          `INSERT INTO cohort (slug, name, description, audience) VALUES ($1, $2, $3, $4)
           ON CONFLICT (slug) DO UPDATE SET updated_at = now() RETURNING id`,
          [cohort.slug, cohort.name, cohort.description, cohort.audience],
        );
        cohortIds.set(cohort.slug, row.id);
        await addMembers(manager, row.id, cohort);
      }
      for (const plan of DEMO_PLANS) {
        await manager.query(
          `UPDATE rollout_plan SET stage = $3, gradual_percentage = COALESCE($4, gradual_percentage)
            WHERE service_slug = $1 AND variant = $2`,
          [plan.slug, plan.variant, plan.stage, plan.percentage ?? null],
        );
        for (const slug of plan.cohorts ?? [])
          await manager.query(
            `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING`,
            [plan.slug, plan.variant, cohortIds.get(slug)],
          );
        await manager.query(
          `INSERT INTO rollout_decision (service_slug, variant, kind, from_stage, to_stage, override, reason, details, actor_type)
           VALUES ($1, $2, 'promote', 'closed', $3, true, $4, $5, 'system')`,
          [
            plan.slug,
            plan.variant,
            plan.stage,
            'Données de démonstration / demo data',
            JSON.stringify({ seed: SEED_NAME }),
          ],
        );
        await markPlanChanged(manager, plan.slug, plan.variant);
      }
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'demo-seed' },
        action: 'seed.demo_rollout',
        entity: { type: 'seed', id: SEED_NAME },
        after: {
          cohorts: DEMO_COHORTS.map((c) => c.slug),
          plans: DEMO_PLANS.map((p) => `${p.slug}.${p.variant}: ${p.stage}`),
        },
      });
      return true;
    });
    if (ran) this.logger.event('info', 'seed.demo_rollout', { seed: SEED_NAME });
    return ran;
  }

  /**
   * The building permit's revision 2 (a clearer "type of work" question and a
   * new question), ready and in SME pilot with "PME pilotes – construction":
   * those SMEs get it, every other SME and every citizen revision 1. Left out
   * when a designer already made a revision 2 of it.
   */
  private async seedRevision(): Promise<boolean> {
    const slug = 'building-permit';
    const ran = await this.dataSource.transaction(async (manager) => {
      const claimed = await manager.query(
        'INSERT INTO seed_run (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name',
        [REVISION_SEED_NAME],
      );
      if (claimed.length === 0) return false;
      const revisions = await manager.query<{ number: number; document: ServiceDefinition }[]>(
        `SELECT number, document FROM service_revision WHERE service_slug = $1 ORDER BY number FOR UPDATE`,
        [slug],
      );
      if (revisions.length !== 1 || revisions[0].number !== 1) return false;
      await manager.query(
        `INSERT INTO service_revision (service_slug, number, state, document, based_on, ready_at)
         VALUES ($1, 2, 'ready', $2, 1, now())`,
        [slug, JSON.stringify(buildingPermitRevision2(revisions[0].document))],
      );
      await manager.query(`UPDATE service SET changed_at = now() WHERE slug = $1`, [slug]);
      await manager.query(
        `INSERT INTO rollout_plan_cohort (service_slug, variant, cohort_id)
         SELECT $1, 'business', cohort.id FROM cohort WHERE cohort.slug = 'pme-pilotes-construction'
         ON CONFLICT DO NOTHING`,
        [slug],
      );
      await manager.query(
        `INSERT INTO revision_rollout (service_slug, revision, stage, business_stage)
         VALUES ($1, 2, 'sme-pilot', 'sme-pilot')`,
        [slug],
      );
      await manager.query(
        `INSERT INTO rollout_decision (service_slug, variant, kind, to_stage, reason, details, actor_type, revision)
         VALUES ($1, 'business', 'revision-started', 'sme-pilot', $2, $3, 'system', 2)`,
        [
          slug,
          'Données de démonstration / demo data',
          JSON.stringify({ seed: REVISION_SEED_NAME }),
        ],
      );
      await markPlanChanged(manager, slug, 'business');
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'demo-seed' },
        action: 'seed.demo_revision',
        entity: { type: 'service-revision', id: `${slug}@2` },
        after: { stage: 'sme-pilot', cohorts: ['pme-pilotes-construction'] },
      });
      return true;
    });
    if (ran) {
      await this.catalogue.reload();
      this.logger.event('info', 'seed.demo_revision', { seed: REVISION_SEED_NAME });
    }
    return ran;
  }

  /**
   * The story of demo-story.ts (issue 16): the applications and feedback that
   * give the SME-first comparison of the sign permit and of the bulky-waste
   * pickup its figures, after the pilots' members and the openings are made to
   * fit it (welcomeAndDate). Left out when a story variant is no longer at its
   * demo stage, or a story cohort is gone.
   */
  private async seedStory(): Promise<boolean> {
    const ran = await this.dataSource.transaction(async (manager) => {
      const claimed = await manager.query(
        'INSERT INTO seed_run (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING name',
        [STORY_SEED_NAME],
      );
      if (claimed.length === 0) return null;
      const [{ fits }] = await manager.query<{ fits: boolean }[]>(
        `SELECT count(*) = $2 AS fits FROM rollout_plan
          WHERE service_slug || '.' || variant || ':' || stage = ANY($1::text[]) AND NOT paused`,
        [DEMO_STORY.map((s) => `${s.slug}.${s.variant}:${s.stage}`), DEMO_STORY.length],
      );
      const cohorts = await manager.query<{ id: string; slug: string }[]>(
        `SELECT id, slug FROM cohort WHERE slug = ANY($1::text[])`,
        [Object.keys(STORY_COHORTS_JOINED)],
      );
      if (!fits || cohorts.length < Object.keys(STORY_COHORTS_JOINED).length) return null;

      const now = Date.now();
      await welcomeAndDate(manager, cohorts, now);
      const rows = storyRows(now, await storyFilers(manager), await storyStaff(manager), (slug) => {
        const service = this.catalogue.find(slug);
        if (!service) throw new Error(`demo story: no service ${slug}`);
        return service.referencePrefix;
      });
      await fileStory(manager, rows);
      const counts = {
        applications: rows.applications.length,
        feedback: rows.feedback.length,
        screenshots: rows.screenshots.length,
      };
      await this.audit.record(manager, {
        actor: { type: 'system', id: 'demo-seed' },
        action: 'seed.demo_story',
        entity: { type: 'seed', id: STORY_SEED_NAME },
        after: {
          ...counts,
          variants: DEMO_STORY.map(
            (s) => `${s.slug}.${s.variant}: opened ${s.openedDaysAgo} days ago`,
          ),
        },
      });
      return counts;
    });
    if (ran) this.logger.event('info', 'seed.demo_story', { seed: STORY_SEED_NAME, ...ran });
    return ran !== null;
  }
}

/** Adds the members `cohort` lists that it lacks, active and added by staff; answers how many. */
async function addMembers(
  manager: EntityManager,
  cohortId: string,
  cohort: DemoCohort,
): Promise<number> {
  const joined = await manager.query<{ id: string }[]>(
    cohort.audience === 'business'
      ? `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
         SELECT $1, organization.id, 'active', 'staff', now() FROM organization
          WHERE organization.neq = ANY($2) ON CONFLICT DO NOTHING RETURNING id`
      : `INSERT INTO cohort_member (cohort_id, account_id, status, source, joined_at)
         SELECT $1, account.id, 'active', 'staff', now() FROM account
          WHERE lower(account.email) = ANY($2) ON CONFLICT DO NOTHING RETURNING id`,
    [cohortId, cohort.members],
  );
  return joined.length;
}

/** The story's filers: an SME by NEQ (its first owner files), a citizen by their email's start. */
async function storyFilers(manager: EntityManager): Promise<Map<string, StoryFiler>> {
  const filers = new Map<string, StoryFiler>();
  const keys = (variant: Audience) =>
    DEMO_STORY.filter((s) => s.variant === variant).flatMap((s) => s.filings.map((f) => f.by));
  const smes = await manager.query<
    {
      neq: string;
      organization_id: string;
      account_id: string;
      name: string;
      email: string;
      locale: 'fr' | 'en';
      legal_name: string;
      street_address: string;
      city: string;
      postal_code: string;
      contact_phone: string;
    }[]
  >(
    `SELECT DISTINCT ON (organization.neq) organization.neq, organization.id AS organization_id,
            account.id AS account_id, account.display_name AS name, lower(account.email) AS email,
            account.preferred_locale AS locale, organization.legal_name, organization.street_address,
            organization.city, organization.postal_code, organization.contact_phone
       FROM organization
       JOIN organization_membership ON organization_membership.organization_id = organization.id
        AND organization_membership.role = 'owner'
       JOIN account ON account.id = organization_membership.account_id
      WHERE organization.neq = ANY($1::text[])
      ORDER BY organization.neq, organization_membership.created_at`,
    [keys('business')],
  );
  for (const sme of smes)
    filers.set(sme.neq, {
      accountId: sme.account_id,
      organizationId: sme.organization_id,
      name: sme.name,
      email: sme.email,
      locale: sme.locale,
      phone: sme.contact_phone,
      address: {
        line1: sme.street_address,
        line2: '',
        city: sme.city,
        postalCode: sme.postal_code,
      },
      business: { legalName: sme.legal_name, neq: sme.neq },
    });
  const citizens = await manager.query<
    { local: string; id: string; name: string; email: string; locale: 'fr' | 'en' }[]
  >(
    `SELECT split_part(lower(email), '@', 1) AS local, id, display_name AS name,
            lower(email) AS email, preferred_locale AS locale
       FROM account WHERE lower(email) = ANY($1::text[])`,
    [keys('citizen').map((local) => `${local}@${DEMO_DOMAIN}`)],
  );
  for (const citizen of citizens)
    filers.set(citizen.local, {
      accountId: citizen.id,
      organizationId: null,
      name: citizen.name,
      email: citizen.email,
      locale: citizen.locale,
      ...residentHome(Number(citizen.local.replace('citizen', ''))),
      business: null,
    });
  return filers;
}

/** The clerks who process the story's applications; the rollout manager triaging its feedback. */
async function storyStaff(manager: EntityManager): Promise<{ clerks: string[]; triager: string }> {
  const emails = ['clerk1', 'clerk2', 'rollout'].map((local) => `${local}@${DEMO_DOMAIN}`);
  const rows = await manager.query<{ id: string; email: string }[]>(
    `SELECT id, lower(email) AS email FROM account WHERE lower(email) = ANY($1::text[])`,
    [emails],
  );
  const idOf = (email: string) => {
    const row = rows.find((r) => r.email === email);
    if (!row) throw new Error(`demo story: no staff account ${email}`);
    return row.id;
  };
  return { clerks: [idOf(emails[0]), idOf(emails[1])], triager: idOf(emails[2]) };
}

/**
 * Before the story: the pilots get the members DEMO_COHORTS lists that they
 * lack (a demo database of before had three in each), all joined a week
 * before their pilot; the demo's openings of the story's variants, recorded
 * when the plans were seeded, move back to the story's days.
 */
async function welcomeAndDate(
  manager: EntityManager,
  cohorts: { id: string; slug: string }[],
  now: number,
): Promise<void> {
  const daysAgo = (days: number) => new Date(now - days * 86_400_000).toISOString();
  for (const cohort of cohorts) {
    const listed = DEMO_COHORTS.find((c) => c.slug === cohort.slug)!;
    if ((await addMembers(manager, cohort.id, listed)) > 0)
      await markCohortChanged(manager, cohort.id);
    const joined = daysAgo(STORY_COHORTS_JOINED[cohort.slug]);
    await manager.query(
      `UPDATE cohort_member SET joined_at = $3, created_at = $3
          WHERE cohort_id = $1 AND source = 'staff'
            AND (organization_id IN (SELECT id FROM organization WHERE neq = ANY($2::text[]))
                 OR account_id IN (SELECT id FROM account WHERE lower(email) = ANY($2::text[])))`,
      [cohort.id, listed.members, joined],
    );
    await manager.query(`UPDATE cohort SET created_at = least(created_at, $2) WHERE id = $1`, [
      cohort.id,
      joined,
    ]);
  }
  await manager.query(
    `UPDATE rollout_decision SET created_at = story.at
         FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS story(slug, variant, at)
        WHERE rollout_decision.service_slug = story.slug AND rollout_decision.variant = story.variant
          AND rollout_decision.kind = 'promote' AND rollout_decision.details->>'seed' = $4`,
    [
      DEMO_STORY.map((s) => s.slug),
      DEMO_STORY.map((s) => s.variant),
      DEMO_STORY.map((s) => daysAgo(s.openedDaysAgo)),
      SEED_NAME,
    ],
  );
}

/** Writes the story's rows, table by table, each in one statement. */
async function fileStory(manager: EntityManager, rows: StoryRows): Promise<void> {
  // References in the order of submission, from each prefix's sequence for its year (ADR 0038).
  await manager.query(
    `INSERT INTO application (id, reference, service_slug, service_revision, variant, account_id,
         organization_id, status, answers, channel, idempotency_key, assigned_to, version,
         created_at, updated_at, submitted_at, decided_at)
       SELECT a.id, next_application_reference(a.prefix, extract(year FROM a.submitted_at AT TIME ZONE 'UTC')::int),
              a.service_slug, 1, a.variant, a.account_id, a.organization_id, a.status, a.answers,
              a.channel, a.idempotency_key, a.assigned_to, a.version, a.created_at, a.updated_at,
              a.submitted_at, a.decided_at
         FROM json_to_recordset($1::json) AS a (id uuid, prefix text, service_slug text,
           variant text, account_id uuid, organization_id uuid, status text, answers jsonb,
           channel text, idempotency_key text, assigned_to uuid, version integer,
           created_at timestamptz, updated_at timestamptz, submitted_at timestamptz,
           decided_at timestamptz)
        ORDER BY a.submitted_at`,
    [JSON.stringify(rows.applications)],
  );
  await manager.query(
    `INSERT INTO application_transition (application_id, from_status, to_status, actor_id, actor_role, at)
       SELECT t.application_id, t.from_status, t.to_status, t.actor_id, t.actor_role, t.at
         FROM json_to_recordset($1::json) AS t (application_id uuid, from_status text,
           to_status text, actor_id uuid, actor_role text, at timestamptz)
        ORDER BY t.at`,
    [JSON.stringify(rows.transitions)],
  );
  const placeholder = {
    size: PLACEHOLDER_PNG.length,
    sha256: createHash('sha256').update(PLACEHOLDER_PNG).digest('hex'),
  };
  await manager.query(
    `INSERT INTO application_attachment (id, application_id, field, filename, content_type,
         size_bytes, sha256, content, uploaded_by, created_at)
       SELECT f.id, f.application_id, f.field, f.filename, 'image/png', $2, $3, $4, f.uploaded_by,
              f.created_at
         FROM json_to_recordset($1::json) AS f (id uuid, application_id uuid, field text,
           filename text, uploaded_by uuid, created_at timestamptz)`,
    [JSON.stringify(rows.files), placeholder.size, placeholder.sha256, PLACEHOLDER_PNG],
  );
  // Stamped as FeedbackService stamps them: the author's active cohorts of its audience.
  await manager.query(
    `INSERT INTO feedback_item (id, service_slug, variant, service_revision, stage, page, audience,
         organization_id, account_id, cohorts, language, user_agent, viewport, application_id, kind,
         severity, tried, happened, expected, consent_to_contact, status, status_changed_at, created_at)
       SELECT f.id, f.service_slug, f.variant, 1, f.stage, f.page, f.variant, f.organization_id,
              f.account_id,
              ARRAY(SELECT cohort.slug FROM cohort_member
                      JOIN cohort ON cohort.id = cohort_member.cohort_id
                     WHERE cohort_member.status = 'active' AND cohort.audience = f.variant
                       AND CASE WHEN f.organization_id IS NULL
                                THEN cohort_member.account_id = f.account_id
                                 AND cohort_member.organization_id IS NULL
                                ELSE cohort_member.organization_id = f.organization_id END
                     ORDER BY cohort.name),
              f.language, f.user_agent, f.viewport, f.application_id, f.kind, f.severity, f.tried,
              f.happened, f.expected, f.consent_to_contact, f.status, f.status_changed_at,
              f.created_at
         FROM json_to_recordset($1::json) AS f (id uuid, service_slug text, variant text,
           stage text, page text, organization_id uuid, account_id uuid, language text,
           user_agent text, viewport text, application_id uuid, kind text, severity text,
           tried text, happened text, expected text, consent_to_contact boolean, status text,
           status_changed_at timestamptz, created_at timestamptz)
        ORDER BY f.created_at`,
    [JSON.stringify(rows.feedback)],
  );
  await manager.query(
    `INSERT INTO feedback_attachment (feedback_id, filename, content_type, size_bytes, sha256,
         content, created_at)
       SELECT s.feedback_id, s.filename, 'image/png', $2, $3, $4, s.created_at
         FROM json_to_recordset($1::json) AS s (feedback_id uuid, filename text, created_at timestamptz)`,
    [JSON.stringify(rows.screenshots), placeholder.size, placeholder.sha256, PLACEHOLDER_PNG],
  );
  await manager.query(
    `INSERT INTO feedback_change (feedback_id, actor_id, kind, from_status, to_status, created_at)
       SELECT c.feedback_id, c.actor_id, 'status', 'new', c.to_status, c.created_at
         FROM json_to_recordset($1::json) AS c (feedback_id uuid, actor_id uuid, to_status text,
           created_at timestamptz)`,
    [JSON.stringify(rows.triage)],
  );
}
