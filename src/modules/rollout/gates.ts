import type { Audience } from '../../platform/flags/flag-context.js';
import type { Stage } from './stages.js';

/** The readiness criteria a promotion out of a pilot or gradual stage checks. */
export const GATE_IDS = [
  'pilot-applications',
  'pilot-participants',
  'feedback-received',
  'open-blocking',
  'satisfaction',
  'acceptance',
  'processing-time',
  'completion-rate',
  'step-errors',
  'checklist',
] as const;
export type GateId = (typeof GATE_IDS)[number];

/** Items named staff tick before promotion (the pilot also tests the city's own process). */
export const CHECKLIST_ITEMS = [
  'faq-published',
  'wording-reviewed',
  'help-desk-briefed',
  'accessibility-checked',
] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

export function isChecklistItem(value: unknown): value is ChecklistItem {
  return typeof value === 'string' && (CHECKLIST_ITEMS as readonly string[]).includes(value);
}

export function isGateId(value: unknown): value is GateId {
  return typeof value === 'string' && (GATE_IDS as readonly string[]).includes(value);
}

/**
 * `min`: the value must reach the threshold; `max`: it must not exceed it.
 * An `optional` gate counts only once its threshold is set for the variant
 * (the web journey's gates: a pilot filing through the API has no data for
 * them); `default` is then the threshold suggested.
 */
export const GATE_RULES: Record<
  GateId,
  { comparator: 'min' | 'max'; default: number; optional?: true }
> = {
  'pilot-applications': { comparator: 'min', default: 10 },
  'pilot-participants': { comparator: 'min', default: 3 },
  'feedback-received': { comparator: 'min', default: 5 },
  'open-blocking': { comparator: 'max', default: 0 },
  satisfaction: { comparator: 'min', default: 4 },
  acceptance: { comparator: 'min', default: 100 },
  'processing-time': { comparator: 'max', default: 10 },
  // % of the pilot's applications started on the pages that were submitted.
  'completion-rate': { comparator: 'min', default: 70, optional: true },
  // % of the saves of the pilot's worst step refused for errors.
  'step-errors': { comparator: 'max', default: 30, optional: true },
  checklist: { comparator: 'min', default: CHECKLIST_ITEMS.length },
};

/** What feedback tells about a variant's pilot; null where nothing provides it yet. */
export interface FeedbackFigures {
  received: number;
  openBlockingOrMajor: number;
  /** Average overall satisfaction (1–5) of the pilot's surveys; null with no survey. */
  averageSatisfaction: number | null;
  /** Acceptance criteria: how many the pilot's testers passed, of how many written. */
  acceptance: { passed: number; total: number } | null;
}

export interface PilotFigures {
  /** Applications submitted in this variant by members of its pilot cohorts. */
  applications: number;
  /** Distinct SMEs (business) or testers (citizen) among them. */
  participants: number;
  /** Median days from submission to decision of those applications; null if none decided. */
  medianProcessingDays: number | null;
  /** Of the members' applications started on the pages, the % submitted (one decimal); null if none. */
  completionRate: number | null;
  /** The highest % of a step's saves refused for errors, among the members' (journey events); null if none saved. */
  worstStepRefusal: number | null;
  /** Null until the feedback module provides its figures. */
  feedback: FeedbackFigures | null;
}

/** What one revision's applicants did and said over a period (ADR 0032). */
export interface RevisionFigures {
  revision: number;
  /** Applications started (drafts included) on this revision since `since`. */
  started: number;
  /** Of them, submitted. */
  submitted: number;
  /** submitted / started in %, one decimal; null when none started. */
  completionRate: number | null;
  /** Feedback items (duplicates aside) given on this revision since `since`. */
  feedback: number;
  averageSatisfaction: number | null;
  /** Per step of the revision, in its order: how many saves, how many refused for errors, how many errors. */
  steps: { step: string; saves: number; refused: number; errors: number }[];
}

/** A candidate's figures beside the current revision's, over the same period. */
export interface RevisionComparison {
  since: Date;
  candidate: RevisionFigures;
  current: RevisionFigures;
}

/** One feedback item as the evidence page lists it: what and when, never who nor their words. */
export interface EvidenceFeedbackItem {
  id: string;
  reference: string;
  stage: Stage;
  kind: string;
  severity: string | null;
  /** The form step it was given on, when given on one. */
  step: string | null;
  status: string;
  createdAt: Date;
}

/**
 * What the gates of a plan at a stage counted, without personal data (ADR
 * 0035): counts, kinds, dates and statuses; no name, email, organization or
 * free text.
 */
export interface StageEvidence {
  /** The pilot members' applications (drafts aside), by status. */
  applications: { status: string; count: number }[];
  participants: number;
  /** Of them, decided; and the median days from submission to decision. */
  decided: number;
  medianProcessingDays: number | null;
  /**
   * Feedback given at the stage, and blocking or major problems still open
   * whatever their stage, newest first; at most `EVIDENCE_FEEDBACK_LIMIT`.
   */
  feedback: EvidenceFeedbackItem[];
  /** How many items that list holds in all. */
  feedbackTotal: number;
  /** Survey answers given at the stage: how many, their average and how many gave each overall score (1–5). */
  satisfaction: { responses: number; average: number | null; overall: number[] };
  /** The members' applications started on the pages, and of them submitted. */
  completion: { started: number; submitted: number };
  /** Each step the members saved: how many saves, how many refused for errors. */
  steps: { step: string; saves: number; refused: number }[];
}

/** The most feedback items the evidence page lists (the count says how many in all). */
export const EVIDENCE_FEEDBACK_LIMIT = 100;

/**
 * Where the gates read their evidence (the insights module provides it): the
 * rollout module owns neither applications nor feedback.
 */
export abstract class PilotEvidence {
  /**
   * With `revision`, only what was filed and said on that revision (a
   * candidate's own evidence); with `stage`, only the feedback and surveys
   * given while the variant was at that stage (the stage being judged).
   */
  abstract figures(
    slug: string,
    variant: Audience,
    cohortIds: string[],
    revision?: number,
    stage?: Stage,
  ): Promise<PilotFigures>;

  /** What the gates of a plan at `stage` counted, for its evidence page. */
  abstract stageEvidence(
    slug: string,
    variant: Audience,
    cohortIds: string[],
    stage: Stage,
  ): Promise<StageEvidence>;

  /** A candidate's figures and the current revision's, side by side, since `since`. */
  abstract compareRevisions(
    slug: string,
    variant: Audience,
    revisions: { candidate: number; current: number },
    since: Date,
  ): Promise<RevisionComparison>;
}

export interface GateResult {
  id: GateId;
  /** Null: no data, which blocks. */
  value: number | null;
  threshold: number;
  comparator: 'min' | 'max';
  status: 'pass' | 'fail' | 'no-data';
  /** A staff page showing the evidence, if there is one. */
  evidence?: string;
}

export type Thresholds = Partial<Record<GateId, number>>;

export function thresholdOf(id: GateId, overrides: Thresholds): number {
  const value = overrides[id];
  return typeof value === 'number' && Number.isFinite(value) ? value : GATE_RULES[id].default;
}

/** Every gate's value, threshold and verdict from the evidence and the checklist. */
export function evaluateGates(
  slug: string,
  variant: Audience,
  figures: PilotFigures,
  ticked: number,
  overrides: Thresholds,
): GateResult[] {
  const feedback = figures.feedback;
  const acceptance = feedback?.acceptance;
  const values: Record<GateId, number | null> = {
    'pilot-applications': figures.applications,
    'pilot-participants': figures.participants,
    'feedback-received': feedback ? feedback.received : null,
    'open-blocking': feedback ? feedback.openBlockingOrMajor : null,
    satisfaction: feedback?.averageSatisfaction ?? null,
    acceptance:
      acceptance && acceptance.total > 0
        ? Math.round((acceptance.passed / acceptance.total) * 100)
        : null,
    'processing-time': figures.medianProcessingDays,
    'completion-rate': figures.completionRate,
    'step-errors': figures.worstStepRefusal,
    checklist: ticked,
  };
  // The evidence page every role that sees the gates may open (no personal data, ADR 0035).
  const page = `/staff/rollout/${encodeURIComponent(slug)}/${variant}/evidence`;
  const evidence: Partial<Record<GateId, string>> = {
    'pilot-applications': `${page}#applications`,
    'pilot-participants': `${page}#applications`,
    'processing-time': `${page}#processing-time`,
    'completion-rate': `${page}#completion`,
    'step-errors': `${page}#steps`,
    'feedback-received': `${page}#feedback`,
    'open-blocking': `${page}#feedback`,
    satisfaction: `${page}#satisfaction`,
    acceptance: `/staff/acceptance/${encodeURIComponent(slug)}/${variant}`,
    checklist: '#checklist',
  };
  const counted = GATE_IDS.filter((id) => !GATE_RULES[id].optional || overrides[id] !== undefined);
  return counted.map((id) => {
    const { comparator } = GATE_RULES[id];
    const threshold = thresholdOf(id, overrides);
    const value = values[id];
    const status: GateResult['status'] =
      value === null
        ? 'no-data'
        : (comparator === 'min' ? value >= threshold : value <= threshold)
          ? 'pass'
          : 'fail';
    return { id, value, threshold, comparator, status, evidence: evidence[id] };
  });
}
