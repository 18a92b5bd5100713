import type { FlagEnvironmentState } from '../../platform/flags/unleash-admin.client.js';
import {
  desiredFlag,
  environmentKey,
  resolveSegments,
  type CohortSnapshot,
  type PlanSnapshot,
} from './desired-state.js';
import { stageOfKind, type StageKind } from './stages.js';

/**
 * Reads a flag edited in Unleash as a plan, if it is one: a stage of the
 * variant's track, a gradual percentage, attached cohorts (known segments of
 * this audience), paused or not. Returns that plan only if it implies exactly
 * what Unleash holds; otherwise undefined (the edit cannot be adopted and is put
 * back). E.g. someone moved the gradual rollout from 10 % to 30 % in Unleash's
 * UI, or switched the flag off (a pause).
 */
export function adoptableState(
  plan: PlanSnapshot,
  actual: FlagEnvironmentState,
  segmentNames: Map<number, string>,
  cohorts: CohortSnapshot[],
): PlanSnapshot | undefined {
  // A candidate's strategies (ADR 0032) are the revision rollout's, not the stage's.
  const inRollout = plan.revisions?.candidate;
  const trial =
    inRollout && inRollout.revision !== plan.revisions?.current
      ? String(inRollout.revision)
      : undefined;
  const active = actual.strategies.filter((s) => !s.disabled);
  const strategies = active.filter((s) => !trial || s.variants?.[0]?.payload?.value !== trial);
  if (active.length === 0) {
    return actual.enabled ? undefined : { ...plan, stage: 'closed', paused: false, cohorts: [] };
  }
  const audienceCohorts = new Map(
    cohorts.filter((c) => c.audience === plan.variant).map((c) => [`cohort:${c.slug}`, c.slug]),
  );
  const cohortSlugs: string[] = [];
  let percentage: number | undefined;
  let kind: StageKind = 'internal';
  for (const strategy of strategies) {
    const rollout = Number(strategy.parameters?.rollout);
    const segments = (strategy.segments ?? []).map((id) => segmentNames.get(id));
    const cohort =
      segments.length === 1 && segments[0] ? audienceCohorts.get(segments[0]) : undefined;
    if (cohort) {
      cohortSlugs.push(cohort);
      if (kind === 'internal') kind = 'pilot';
    } else if (rollout > 0 && rollout < 100 && segments.length === 0) {
      percentage = rollout;
      kind = 'gradual';
    } else if (rollout === 100 && segments.length === 0 && strategy.constraints.length === 1) {
      kind = 'all';
    }
  }
  const candidate: PlanSnapshot = {
    ...plan,
    stage: stageOfKind(plan.variant, kind),
    paused: !actual.enabled,
    gradualPercentage: percentage ?? plan.gradualPercentage,
    cohorts: kind === 'all' ? plan.cohorts : cohortSlugs.sort(),
  };
  const ids = new Map([...segmentNames].map(([id, name]) => [name, id]));
  try {
    const implied = resolveSegments(desiredFlag(candidate), ids);
    return environmentKey(implied) === environmentKey(actual) ? candidate : undefined;
  } catch {
    return undefined;
  }
}
