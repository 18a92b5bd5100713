import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { FlagStrategy } from '../../platform/flags/unleash-admin.client.js';
import { JsonLogger } from '../../platform/logging/json-logger.js';
import { AuditService } from '../audit/audit.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { buildingPermitRevision2 } from './demo-revision.js';
import { markPlanChanged } from './rollout-changes.js';
import type { Stage } from './stages.js';

const SEED_NAME = 'demo-rollout-v2';
/**
 * The building permit's revision 2 in SME pilot (issue 15): its own seed, so a
 * demo database of before gets it at its next boot with SEED_DEMO=true.
 */
const REVISION_SEED_NAME = 'demo-revision-v1';
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

/** Two SME pilot cohorts and one citizen tester cohort, of the demo people. */
const DEMO_COHORTS: {
  slug: string;
  name: string;
  description: string;
  audience: Audience;
  /** NEQs of demo SMEs, or emails of demo citizens. */
  members: string[];
}[] = [
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
    members: ['1164829371', '1176509142', '1140658297'],
  },
  {
    slug: 'citoyens-testeurs',
    name: 'Citoyens testeurs',
    description: 'Résidents volontaires qui essaient les services avant leur ouverture à tous.',
    audience: 'citizen',
    members: ['citizen01', 'citizen02', 'citizen03'].map((local) => `${local}@${DEMO_DOMAIN}`),
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
 * ("demo data") and the whole run in the audit log. The reconciler then gives
 * Unleash the state the plans imply. Returns whether it ran now.
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
    return plans || revision;
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
        await manager.query(
          cohort.audience === 'business'
            ? `INSERT INTO cohort_member (cohort_id, organization_id, status, source, joined_at)
               SELECT $1, organization.id, 'active', 'staff', now() FROM organization
                WHERE organization.neq = ANY($2) ON CONFLICT DO NOTHING`
            : `INSERT INTO cohort_member (cohort_id, account_id, status, source, joined_at)
               SELECT $1, account.id, 'active', 'staff', now() FROM account
                WHERE lower(account.email) = ANY($2) ON CONFLICT DO NOTHING`,
          [row.id, cohort.members],
        );
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
}
