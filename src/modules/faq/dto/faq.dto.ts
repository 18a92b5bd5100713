import { Transform } from 'class-transformer';
import { IsNotEmpty, MaxLength } from 'class-validator';
import { Satisfies, trim } from '../../organizations/dto/organization.dto.js';
import { multiline } from '../../rollout/dto/cohort.dto.js';
import { isPosition } from '../../acceptance/dto/acceptance.dto.js';

/** A FAQ entry's question and answer, in each language. */
export const MAX_FAQ_QUESTION = 300;
export const MAX_FAQ_ANSWER = 5000;

/** A FAQ entry as staff write it: both languages required. Messages are catalog keys. */
export class FaqEntryDto {
  /** Checked against the catalogue by the service (a form from an item has it fixed). */
  @Transform(trim)
  service = '';

  @Transform(multiline)
  @IsNotEmpty({ message: 'faq.errors.questionFrRequired' })
  @MaxLength(MAX_FAQ_QUESTION, { message: 'faq.errors.questionFrTooLong' })
  questionFr = '';

  @Transform(multiline)
  @IsNotEmpty({ message: 'faq.errors.questionEnRequired' })
  @MaxLength(MAX_FAQ_QUESTION, { message: 'faq.errors.questionEnTooLong' })
  questionEn = '';

  @Transform(multiline)
  @IsNotEmpty({ message: 'faq.errors.answerFrRequired' })
  @MaxLength(MAX_FAQ_ANSWER, { message: 'faq.errors.answerFrTooLong' })
  answerFr = '';

  @Transform(multiline)
  @IsNotEmpty({ message: 'faq.errors.answerEnRequired' })
  @MaxLength(MAX_FAQ_ANSWER, { message: 'faq.errors.answerEnTooLong' })
  answerEn = '';

  @Transform(trim)
  @Satisfies('position', isPosition, 'faq.errors.position')
  position = '';
}

export const FAQ_FIELDS = [
  'service',
  'questionFr',
  'questionEn',
  'answerFr',
  'answerEn',
  'position',
] as const;

export interface FaqEntryInput {
  serviceSlug: string;
  question: { fr: string; en: string };
  answer: { fr: string; en: string };
  /** Null: after the others. */
  position: number | null;
}

export function faqEntryInput(dto: FaqEntryDto): FaqEntryInput {
  return {
    serviceSlug: dto.service,
    question: { fr: dto.questionFr, en: dto.questionEn },
    answer: { fr: dto.answerFr, en: dto.answerEn },
    position: dto.position ? Number(dto.position) : null,
  };
}
