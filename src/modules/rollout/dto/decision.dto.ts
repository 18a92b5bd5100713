import { Transform } from 'class-transformer';
import { GATE_IDS } from '../gates.js';

/** A reason typed on the console: line ends made \n, trimmed, 2,000 characters at most. */
const reasonText = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim().slice(0, 2000) : value;
const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

/** The decision forms of the rollout console's plan page; a field's error is shown in its form. */
export type DecisionForm =
  | 'promote'
  | 'rollback'
  | 'pause'
  | 'resume'
  | 'percentage'
  | 'cohorts'
  | 'checklist'
  | 'settings'
  | 'schedule';

/** What each decision form sends (its inputs are named `<form>-<field>` on the page). */
export const DECISION_FIELDS: Record<DecisionForm, readonly string[]> = {
  promote: ['expectedStage', 'reason', 'override'],
  rollback: ['expectedStage', 'reason', 'override'],
  pause: ['reason', 'override'],
  resume: ['reason', 'override'],
  percentage: ['percentage', 'reason'],
  cohorts: ['cohort', 'reason'],
  checklist: ['item', 'ticked'],
  settings: ['reason', 'driftPolicy', ...GATE_IDS.map((id) => `threshold-${id}`)],
  schedule: ['date', 'time', 'reason'],
};

/**
 * Any decision form of the plan page: every field is text (absent → ''), none
 * is refused here; RolloutService judges them (a reason required, a percentage,
 * a cohort of the list...).
 */
export class DecisionDto {
  @Transform(trimmed) expectedStage = '';
  @Transform(reasonText) reason = '';
  @Transform(trimmed) override = '';
  @Transform(trimmed) percentage = '';
  @Transform(trimmed) cohort = '';
  @Transform(trimmed) item = '';
  @Transform(trimmed) ticked = '';
  @Transform(trimmed) driftPolicy = '';
  @Transform(trimmed) 'threshold-pilot-applications' = '';
  @Transform(trimmed) 'threshold-pilot-participants' = '';
  @Transform(trimmed) 'threshold-feedback-received' = '';
  @Transform(trimmed) 'threshold-open-blocking' = '';
  @Transform(trimmed) 'threshold-satisfaction' = '';
  @Transform(trimmed) 'threshold-acceptance' = '';
  @Transform(trimmed) 'threshold-processing-time' = '';
  @Transform(trimmed) 'threshold-completion-rate' = '';
  @Transform(trimmed) 'threshold-step-errors' = '';
  @Transform(trimmed) 'threshold-checklist' = '';
  @Transform(trimmed) date = '';
  @Transform(trimmed) time = '';
}

/** Every field of DecisionDto (none has a validation rule, so they are listed). */
export const DECISION_DTO_FIELDS = [
  ...new Set(Object.values(DECISION_FIELDS).flat()),
] as (keyof DecisionDto & string)[];

/** Detaching a cohort from a plan: an optional reason. */
export class DetachCohortDto {
  @Transform(reasonText) reason = '';
}
