import type { Audience } from '../../platform/flags/flag-context.js';
import {
  evaluationOrder,
  strategyKey,
  type FlagEnvironmentState,
  type StrategyConstraint,
  type StrategyVariant,
} from '../../platform/flags/unleash-admin.client.js';
import { stageKind, type Stage, type StageKind } from './stages.js';
import { variantFlag } from './variant-flags.js';

/** What the reconciler reads of a plan. */
export interface PlanSnapshot {
  slug: string;
  variant: Audience;
  stage: Stage;
  paused: boolean;
  gradualPercentage: number;
  /** The slugs of the cohorts attached to the plan. */
  cohorts: string[];
  /** The revisions the variant serves (ADR 0032); absent: the flag names none. */
  revisions?: VariantRevisions;
}

/**
 * What a variant serves: its current revision to everyone who has access, and
 * a candidate to the part of them its stage on the revision track reaches.
 */
export interface VariantRevisions {
  current: number;
  candidate?: { revision: number; kind: 'pilot' | 'gradual' | 'all'; percentage: number };
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
  /** The revision the people this strategy matches get (when the plan names revisions). */
  variants?: StrategyVariant[];
  sortOrder?: number;
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
  const kind = stageKind(plan.variant, plan.stage);
  if (kind === 'closed') return { flag, enabled: false, strategies: [] };
  const access = accessStrategies(plan, kind, plan.gradualPercentage, flag);
  const revisions = plan.revisions;
  if (!revisions) return { flag, enabled: !plan.paused, strategies: access };
  const candidate = revisions.candidate;
  const trial =
    candidate && candidate.revision !== revisions.current
      ? candidateStrategies(plan, kind, candidate, flag)
      : [];
  const strategies = [...trial, ...access.map((s) => servingRevision(s, revisions.current, ''))];
  return {
    flag,
    enabled: !plan.paused,
    strategies: strategies.map((s, sortOrder) => ({ ...s, sortOrder })),
  };
}

/** The strategies that say who has access at all, at the plan's stage. */
function accessStrategies(
  plan: PlanSnapshot,
  kind: Exclude<StageKind, 'closed'>,
  percentage: number,
  groupId: string,
): DesiredStrategy[] {
  const audience: StrategyConstraint = {
    contextName: 'audience',
    operator: 'IN',
    values: [plan.variant],
  };
  const everyone = (title: string, constraints: StrategyConstraint[], segments: string[] = []) => ({
    title,
    name: 'flexibleRollout' as const,
    parameters: { rollout: '100', stickiness: 'default', groupId },
    constraints: [audience, ...constraints],
    segments,
  });
  const staff = everyone('internal: city staff', [
    { contextName: 'staff', operator: 'IN', values: ['true'] },
  ]);
  const cohorts = [...plan.cohorts]
    .sort()
    .map((slug) => everyone(`pilot: ${segmentName(slug)}`, [], [segmentName(slug)]));
  switch (kind) {
    case 'internal':
      return [staff];
    case 'pilot':
      return [staff, ...cohorts];
    case 'gradual':
      return [
        staff,
        ...cohorts,
        {
          title: `gradual: ${percentage} %`,
          name: 'flexibleRollout',
          parameters: { rollout: String(percentage), stickiness: 'userId', groupId },
          constraints: [audience],
          segments: [],
        },
      ];
    case 'all':
      return [everyone('all', [])];
  }
}

const REACH: StageKind[] = ['internal', 'pilot', 'gradual', 'all'];

/**
 * Whom a candidate reaches on a variant whose access stage is `access`: the
 * narrower of the two stages, and inside a gradual access stage a share never
 * wider than access's. Closed: nobody.
 */
export function candidateReach(
  access: StageKind,
  candidate: NonNullable<VariantRevisions['candidate']>,
  gradualPercentage: number,
): { kind: StageKind; percentage: number } {
  if (access === 'closed') return { kind: 'closed', percentage: 0 };
  const kind = REACH[Math.min(REACH.indexOf(access), REACH.indexOf(candidate.kind))];
  // A candidate for everyone reaches every one with access: the whole access share.
  const share = candidate.kind === 'all' ? 100 : candidate.percentage;
  const percentage = access === 'gradual' ? Math.min(share, gradualPercentage) : share;
  return { kind, percentage };
}

/**
 * Who gets the candidate: the people its stage on the revision track reaches,
 * never more than have access (its strategies are the access strategies of the
 * narrower of the two stages, so a candidate can only ever narrow access).
 * Staff acting in the audience get it from its first stage. A gradual share is
 * sticky per SME or person; inside a gradual access stage it uses the access
 * stage's group, so the candidate's share is a part of those with access;
 * with the whole audience open it draws its own share.
 */
function candidateStrategies(
  plan: PlanSnapshot,
  access: Exclude<StageKind, 'closed'>,
  candidate: NonNullable<VariantRevisions['candidate']>,
  flag: string,
): DesiredStrategy[] {
  const reach = candidateReach(access, candidate, plan.gradualPercentage);
  const groupId = access === 'gradual' ? flag : `${flag}:revision-${candidate.revision}`;
  return accessStrategies(
    plan,
    reach.kind as Exclude<StageKind, 'closed'>,
    reach.percentage,
    groupId,
  ).map((s) => servingRevision(s, candidate.revision, `revision ${candidate.revision} `));
}

/** The strategy, giving the people it matches this revision (its variant's payload). */
function servingRevision(strategy: DesiredStrategy, revision: number, prefix: string) {
  return {
    ...strategy,
    title: `${prefix}${strategy.title}`.slice(0, 100),
    variants: [
      {
        name: `revision-${revision}`,
        weight: 1000,
        weightType: 'variable' as const,
        stickiness: 'default',
        payload: { type: 'string' as const, value: String(revision) },
      },
    ],
  };
}

/**
 * A flag environment's meaning as a string: equal when Unleash would evaluate
 * both the same way (strategy ids, titles and order aside). Drift detection
 * compares what Unleash holds with what the reconciler last applied.
 */
export function environmentKey(state: FlagEnvironmentState): string {
  const active = state.strategies.filter((s) => !s.disabled);
  // With revisions named, the order matters: the first match gives the revision.
  const order = active.some((s) => s.variants?.length)
    ? evaluationOrder(active).map((s) => s.variants?.[0]?.payload?.value ?? '')
    : undefined;
  return JSON.stringify({
    enabled: state.enabled,
    strategies: active.map(strategyKey).sort(),
    ...(order ? { order } : {}),
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
      ...(s.variants ? { variants: s.variants } : {}),
      ...(s.sortOrder !== undefined ? { sortOrder: s.sortOrder } : {}),
      segments: s.segments.map((name) => {
        const id = segmentIds.get(name);
        if (id === undefined) throw new Error(`Unleash has no segment ${name}`);
        return id;
      }),
    })),
  };
}
