import type { Audience } from '../../platform/flags/flag-context.js';
import {
  strategyKey,
  type FlagEnvironmentState,
  type StrategyConstraint,
} from '../../platform/flags/unleash-admin.client.js';
import { stageKind, type Stage } from './stages.js';
import { variantFlag } from './variant-access.service.js';

/** What the reconciler reads of a plan. */
export interface PlanSnapshot {
  slug: string;
  variant: Audience;
  stage: Stage;
  paused: boolean;
  gradualPercentage: number;
  /** The slugs of the cohorts attached to the plan. */
  cohorts: string[];
}

/** What the reconciler reads of a cohort: its active members' ids. */
export interface CohortSnapshot {
  slug: string;
  audience: Audience;
  /** Organization ids (business cohorts) or account ids (citizen cohorts). */
  members: string[];
}

/**
 * A strategy as Guichet wants it, segments named rather than numbered (Unleash
 * numbers them; the reconciler maps names to ids). `title` says which part of
 * the plan the strategy carries, so a person reading Unleash's UI understands it.
 */
export interface DesiredStrategy {
  title: string;
  name: 'flexibleRollout';
  parameters: { rollout: string; stickiness: string; groupId: string };
  constraints: StrategyConstraint[];
  segments: string[];
}

export interface DesiredFlag {
  flag: string;
  enabled: boolean;
  strategies: DesiredStrategy[];
}

export interface DesiredSegment {
  name: string;
  description: string;
  constraints: StrategyConstraint[];
}

/** The value an empty cohort's segment holds: it matches nobody. */
export const NO_MEMBERS = 'no-members';

export function segmentName(cohortSlug: string): string {
  return `cohort:${cohortSlug}`;
}

/** The member constraint of a cohort's segment: SMEs by organization id, people by account id. */
export function desiredSegment(cohort: CohortSnapshot): DesiredSegment {
  return {
    name: segmentName(cohort.slug),
    description: `Guichet cohort ${cohort.slug} (${cohort.audience}); managed by the portal`,
    constraints: [
      {
        contextName: cohort.audience === 'business' ? 'organizationId' : 'accountId',
        operator: 'IN',
        // Unleash wants at least one value; no id is ever this, so nobody matches.
        values: cohort.members.length > 0 ? [...cohort.members].sort() : [NO_MEMBERS],
      },
    ],
  };
}

/**
 * The flag configuration a plan implies (docs/architecture.md, "Desired state"):
 * - closed: off, no strategies;
 * - internal: staff acting in this audience;
 * - pilot: staff, and one strategy per attached cohort (its segment);
 * - gradual: the pilot's strategies and N % of the audience, sticky on userId
 *   (the SME's id for a business, so all its employees see the same thing);
 * - all / general: the whole audience.
 * A paused plan keeps its strategies and is switched off: the kill switch is a
 * single change, and resuming restores exactly what was there.
 *
 * Every strategy constrains `audience`, so a variant only ever opens to its own
 * audience. 100 % strategies use the default stickiness, so an anonymous visitor
 * is not refused for lack of a userId; a gradual one must be sticky per SME or
 * person, so it needs the userId (a visitor signs in to be counted).
 */
export function desiredFlag(plan: PlanSnapshot): DesiredFlag {
  const flag = variantFlag(plan.slug, plan.variant);
  const audience: StrategyConstraint = {
    contextName: 'audience',
    operator: 'IN',
    values: [plan.variant],
  };
  const everyone = (title: string, constraints: StrategyConstraint[], segments: string[] = []) => ({
    title,
    name: 'flexibleRollout' as const,
    parameters: { rollout: '100', stickiness: 'default', groupId: flag },
    constraints: [audience, ...constraints],
    segments,
  });
  const staff = everyone('internal: city staff', [
    { contextName: 'staff', operator: 'IN', values: ['true'] },
  ]);
  const cohorts = [...plan.cohorts]
    .sort()
    .map((slug) => everyone(`pilot: ${segmentName(slug)}`, [], [segmentName(slug)]));

  let strategies: DesiredStrategy[];
  switch (stageKind(plan.variant, plan.stage)) {
    case 'closed':
      return { flag, enabled: false, strategies: [] };
    case 'internal':
      strategies = [staff];
      break;
    case 'pilot':
      strategies = [staff, ...cohorts];
      break;
    case 'gradual':
      strategies = [
        staff,
        ...cohorts,
        {
          title: `gradual: ${plan.gradualPercentage} %`,
          name: 'flexibleRollout',
          parameters: {
            rollout: String(plan.gradualPercentage),
            stickiness: 'userId',
            groupId: flag,
          },
          constraints: [audience],
          segments: [],
        },
      ];
      break;
    case 'all':
      strategies = [everyone('all', [])];
      break;
  }
  return { flag, enabled: !plan.paused, strategies };
}

/**
 * A flag environment's meaning as a string: equal when Unleash would evaluate
 * both the same way (strategy ids, titles and order aside). Drift detection
 * compares what Unleash holds with what the reconciler last applied.
 */
export function environmentKey(state: FlagEnvironmentState): string {
  return JSON.stringify({
    enabled: state.enabled,
    strategies: state.strategies
      .filter((s) => !s.disabled)
      .map(strategyKey)
      .sort(),
  });
}

/** The desired flag with its segments' names replaced by Unleash's ids. */
export function resolveSegments(
  desired: DesiredFlag,
  segmentIds: Map<string, number>,
): FlagEnvironmentState {
  return {
    enabled: desired.enabled,
    strategies: desired.strategies.map((s) => ({
      name: s.name,
      title: s.title,
      parameters: s.parameters,
      constraints: s.constraints,
      segments: s.segments.map((name) => {
        const id = segmentIds.get(name);
        if (id === undefined) throw new Error(`Unleash has no segment ${name}`);
        return id;
      }),
    })),
  };
}
