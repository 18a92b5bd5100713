import type { Audience } from '../../platform/flags/flag-context.js';

/**
 * The default tracks (docs/architecture.md, "Stages and tracks"): every variant moves
 * along its audience's track one stage at a time.
 */
export const TRACKS = {
  business: ['closed', 'internal', 'sme-pilot', 'sme-gradual', 'sme-all'],
  citizen: ['closed', 'internal', 'citizen-pilot', 'citizen-gradual', 'general'],
} as const;

export type BusinessStage = (typeof TRACKS.business)[number];
export type CitizenStage = (typeof TRACKS.citizen)[number];
export type Stage = BusinessStage | CitizenStage;

/** What a stage means, whichever the track: the reconciler and the gates read this. */
export type StageKind = 'closed' | 'internal' | 'pilot' | 'gradual' | 'all';

const KINDS: StageKind[] = ['closed', 'internal', 'pilot', 'gradual', 'all'];

export const ALL_STAGES: readonly Stage[] = [...new Set([...TRACKS.business, ...TRACKS.citizen])];

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (ALL_STAGES as readonly string[]).includes(value);
}

export function track(variant: Audience): readonly Stage[] {
  return TRACKS[variant];
}

/** The stage's place on its track, or -1 if the stage is not on that track. */
export function stageIndex(variant: Audience, stage: Stage): number {
  return track(variant).indexOf(stage);
}

export function stageKind(variant: Audience, stage: Stage): StageKind {
  const index = stageIndex(variant, stage);
  if (index < 0) throw new Error(`${stage} is not a stage of the ${variant} track`);
  return KINDS[index];
}

export function nextStage(variant: Audience, stage: Stage): Stage | undefined {
  return track(variant)[stageIndex(variant, stage) + 1];
}

export function previousStage(variant: Audience, stage: Stage): Stage | undefined {
  const index = stageIndex(variant, stage);
  return index > 0 ? track(variant)[index - 1] : undefined;
}

/** The stage of a kind on a variant's track (e.g. the business "pilot" stage is sme-pilot). */
export function stageOfKind(variant: Audience, kind: StageKind): Stage {
  return track(variant)[KINDS.indexOf(kind)];
}

/**
 * Leaving these stages needs the evidence gates to pass: a pilot or a gradual
 * release is promoted on what it taught, not on a date.
 */
export function isGatedPromotion(variant: Audience, from: Stage): boolean {
  const kind = stageKind(variant, from);
  return kind === 'pilot' || kind === 'gradual';
}

/** A variant in a pilot or gradual stage carries the phase banner with a feedback link. */
export function isTrialStage(variant: Audience, stage: Stage): boolean {
  const kind = stageKind(variant, stage);
  return kind === 'pilot' || kind === 'gradual';
}
