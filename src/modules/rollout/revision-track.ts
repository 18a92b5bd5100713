import type { Audience } from '../../platform/flags/flag-context.js';
import type { VariantRevisions } from './desired-state.js';
import { smeFirstViolation } from './sme-first.js';
import { stageKind, type Stage } from './stages.js';

/**
 * The revision track (ADR 0032): a candidate revision reaches the business
 * variant's pilot cohorts, a sticky share of SMEs, every SME; then the citizen
 * variant's pilot cohorts, a share of citizens, every citizen; then it becomes
 * the current revision of both variants.
 */
export const REVISION_TRACK = [
  'sme-pilot',
  'sme-gradual',
  'sme-all',
  'citizen-pilot',
  'citizen-gradual',
  'general',
] as const satisfies readonly Stage[];

export type RevisionStage = (typeof REVISION_TRACK)[number];
export type BusinessRevisionStage = Extract<RevisionStage, `sme-${string}`>;

export function isRevisionStage(value: unknown): value is RevisionStage {
  return typeof value === 'string' && (REVISION_TRACK as readonly string[]).includes(value);
}

export function isBusinessStage(stage: RevisionStage): stage is BusinessRevisionStage {
  return stage.startsWith('sme-');
}

/** The variant a revision stage reaches into (whose evidence gates leaving it). */
export function revisionStageVariant(stage: RevisionStage): Audience {
  return stage.startsWith('sme-') ? 'business' : 'citizen';
}

/** The next stage, or `current` after every citizen: the candidate becomes current. */
export function nextRevisionStage(stage: RevisionStage): RevisionStage | 'current' {
  return REVISION_TRACK[REVISION_TRACK.indexOf(stage) + 1] ?? 'current';
}

/** Leaving a pilot or gradual stage needs the candidate's own evidence to pass its gates. */
export function isGatedRevisionStage(stage: RevisionStage): boolean {
  const kind = stageKind(revisionStageVariant(stage), stage);
  return kind === 'pilot' || kind === 'gradual';
}

/**
 * SME-first (ADR 0034): the citizen stages need the candidate to have reached
 * every SME. True when moving to `to` with the SMEs at `businessStage` needs an
 * override. The revision track's stages are the plans' own, so this is the
 * plans' invariant asked of the candidate.
 */
export function revisionBreaksSmeFirst(
  to: RevisionStage | 'current',
  businessStage: BusinessRevisionStage,
): boolean {
  if (to === 'current' || revisionStageVariant(to) !== 'citizen') return false;
  return (
    smeFirstViolation({ stage: businessStage, paused: false }, { stage: to, paused: false }) !==
    undefined
  );
}

/** A candidate in rollout, as the reconciler and the rules read it. */
export interface RevisionRolloutState {
  revision: number;
  stage: RevisionStage;
  /** Where the SMEs are: behind `stage` only after an SME-first override. */
  businessStage: BusinessRevisionStage;
  percentage: Record<Audience, number>;
}

/** The candidate a variant serves at this point of the track, if any. */
export function candidateOf(
  rollout: RevisionRolloutState,
  variant: Audience,
): VariantRevisions['candidate'] {
  const stage = variant === 'business' ? rollout.businessStage : rollout.stage;
  if (revisionStageVariant(stage) !== variant) return undefined;
  const kind = stageKind(variant, stage);
  if (kind !== 'pilot' && kind !== 'gradual' && kind !== 'all') return undefined;
  return { revision: rollout.revision, kind, percentage: rollout.percentage[variant] };
}
