import { Transform } from 'class-transformer';
import { Matches } from 'class-validator';

/** A reason typed on the console: line ends made \n, trimmed, 2,000 characters at most. */
const reasonText = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim().slice(0, 2000) : value;
const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

/** The decision forms of a service's revision page (ADR 0032); a field's error is shown in its form. */
export const REVISION_FORMS = ['start', 'promote', 'citizens', 'percentage', 'rollback'] as const;
export type RevisionForm = (typeof REVISION_FORMS)[number];

export function isRevisionForm(value: unknown): value is RevisionForm {
  return typeof value === 'string' && (REVISION_FORMS as readonly string[]).includes(value);
}

/** What each form sends (its inputs are `<form>-<field>` on the page). */
export const REVISION_FIELDS: Record<RevisionForm, readonly string[]> = {
  start: ['revision', 'reason'],
  promote: ['expectedStage', 'reason', 'override'],
  citizens: ['expectedStage', 'reason', 'override'],
  percentage: ['expectedStage', 'variant', 'percentage', 'reason'],
  rollback: ['expectedStage', 'reason'],
};

/**
 * Any decision form of the revision page: every field is text (absent → '').
 * RevisionRolloutService judges them (a ready revision, a reason, a
 * percentage...); here only a revision that is no revision number at all (it
 * would not fit the database's integer) is refused, and the console checks that
 * `variant` names one.
 */
export class RevisionDecisionDto {
  @Transform(trimmed)
  @Matches(/^\d{0,9}$/, { message: 'rollout.errors.revision-not-ready' })
  revision = '';
  @Transform(trimmed) expectedStage = '';
  @Transform(reasonText) reason = '';
  @Transform(trimmed) override = '';
  @Transform(trimmed) variant = '';
  @Transform(trimmed) percentage = '';
}

/** Every field of RevisionDecisionDto (listed: most have no validation rule). */
export const REVISION_DTO_FIELDS = [
  ...new Set(Object.values(REVISION_FIELDS).flat()),
] as (keyof RevisionDecisionDto & string)[];
