import { Transform } from 'class-transformer';
import { IsNotEmpty, MaxLength } from 'class-validator';
import { Satisfies, trim } from '../../organizations/dto/organization.dto.js';
import { multiline } from '../../rollout/dto/cohort.dto.js';
import {
  isOutcome,
  MAX_CRITERION_DESCRIPTION,
  MAX_CRITERION_TITLE,
  MAX_POSITION,
  MAX_RESULT_NOTE,
  type Outcome,
} from '../acceptance-options.js';

/** An order on a staff form: empty (last), or 1 to 999. */
export const isPosition = (value: string) =>
  /^[0-9]{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= MAX_POSITION;

/** A criterion as staff write it. Messages are catalog keys. */
export class CriterionDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'acceptance.errors.titleFrRequired' })
  @MaxLength(MAX_CRITERION_TITLE, { message: 'acceptance.errors.titleFrTooLong' })
  titleFr = '';

  @Transform(trim)
  @IsNotEmpty({ message: 'acceptance.errors.titleEnRequired' })
  @MaxLength(MAX_CRITERION_TITLE, { message: 'acceptance.errors.titleEnTooLong' })
  titleEn = '';

  @Transform(multiline)
  @MaxLength(MAX_CRITERION_DESCRIPTION, { message: 'acceptance.errors.descriptionFrTooLong' })
  descriptionFr = '';

  @Transform(multiline)
  @MaxLength(MAX_CRITERION_DESCRIPTION, { message: 'acceptance.errors.descriptionEnTooLong' })
  descriptionEn = '';

  @Transform(trim)
  @Satisfies('position', isPosition, 'acceptance.errors.position')
  position = '';
}

export const CRITERION_FIELDS = [
  'titleFr',
  'titleEn',
  'descriptionFr',
  'descriptionEn',
  'position',
] as const;

export interface CriterionInput {
  title: { fr: string; en: string };
  description: { fr: string; en: string };
  /** Null: after the others. */
  position: number | null;
}

export function criterionInput(dto: CriterionDto): CriterionInput {
  return {
    title: { fr: dto.titleFr, en: dto.titleEn },
    description: { fr: dto.descriptionFr, en: dto.descriptionEn },
    position: dto.position ? Number(dto.position) : null,
  };
}

/** One criterion's answer on the tester's checklist. */
export interface ChecklistAnswer {
  criterionId: string;
  outcome: Outcome;
  note: string;
}

/** A problem with the checklist as sent: the field (its id on the page) and the catalog key. */
export interface ChecklistProblem {
  field: string;
  key: string;
}

/** The checklist's fields for a criterion: its radios and its note. */
export const outcomeField = (criterionId: string) => `outcome-${criterionId}`;
export const noteField = (criterionId: string) => `note-${criterionId}`;

/**
 * Reads the checklist as sent, for the criteria it showed: a criterion left
 * unanswered is left as it was; a fail or a blocked result needs a note; at
 * least one answer. Everything typed comes back in `values` for a 422.
 */
export function readChecklist(
  body: unknown,
  criterionIds: readonly string[],
): { answers: ChecklistAnswer[]; problems: ChecklistProblem[]; values: Record<string, string> } {
  const source = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const textOf = (name: string) => {
    const value = source[name];
    return typeof value === 'string' ? value : '';
  };
  const answers: ChecklistAnswer[] = [];
  const problems: ChecklistProblem[] = [];
  const values: Record<string, string> = {};
  for (const id of criterionIds) {
    const outcome = textOf(outcomeField(id)).trim();
    const note = multiline({ value: textOf(noteField(id)) }) as string;
    values[outcomeField(id)] = outcome;
    values[noteField(id)] = note;
    if (outcome === '') {
      if (note !== '')
        problems.push({ field: outcomeField(id), key: 'acceptance.errors.outcomeForNote' });
      continue;
    }
    if (!isOutcome(outcome)) {
      problems.push({ field: outcomeField(id), key: 'acceptance.errors.outcomeInvalid' });
      continue;
    }
    if (note.length > MAX_RESULT_NOTE) {
      problems.push({ field: noteField(id), key: 'acceptance.errors.noteTooLong' });
      continue;
    }
    if (outcome !== 'pass' && note === '') {
      problems.push({ field: noteField(id), key: `acceptance.errors.noteRequired.${outcome}` });
      continue;
    }
    answers.push({ criterionId: id, outcome, note });
  }
  if (criterionIds.length > 0 && answers.length === 0 && problems.length === 0)
    problems.push({
      field: outcomeField(criterionIds[0]),
      key: 'acceptance.errors.nothingAnswered',
    });
  return { answers, problems, values };
}
