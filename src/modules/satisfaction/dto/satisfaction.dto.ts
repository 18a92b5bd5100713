import { IsIn, MaxLength, ValidateIf } from 'class-validator';
import {
  HELP,
  MAX_SURVEY_COMMENT,
  SCALE,
  TIME_COMPARED,
  type Help,
  type TimeCompared,
} from '../../feedback/feedback-options.js';
import { TextareaText } from '../../feedback/dto/feedback.dto.js';

const answered = (field: keyof SatisfactionDto) => (dto: SatisfactionDto) => dto[field] !== '';

/** The satisfaction survey: every question optional (at least one answered, checked apart). */
export class SatisfactionDto {
  @ValidateIf(answered('overall'))
  @IsIn(SCALE, { message: 'satisfaction.errors.choose' })
  overall = '';

  @ValidateIf(answered('ease'))
  @IsIn(SCALE, { message: 'satisfaction.errors.choose' })
  ease = '';

  @ValidateIf(answered('clarity'))
  @IsIn(SCALE, { message: 'satisfaction.errors.choose' })
  clarity = '';

  @ValidateIf(answered('timeCompared'))
  @IsIn(TIME_COMPARED, { message: 'satisfaction.errors.choose' })
  timeCompared = '';

  @ValidateIf(answered('help'))
  @IsIn(HELP, { message: 'satisfaction.errors.choose' })
  help = '';

  @TextareaText()
  @MaxLength(MAX_SURVEY_COMMENT, { message: 'satisfaction.errors.commentTooLong' })
  comment = '';
}

export const SATISFACTION_FIELDS = [
  'overall',
  'ease',
  'clarity',
  'timeCompared',
  'help',
  'comment',
] as const;

export interface SatisfactionInput {
  overall: number | null;
  ease: number | null;
  clarity: number | null;
  timeCompared: TimeCompared | null;
  help: Help | null;
  comment: string;
}

/** The valid survey as the service takes it. */
export function satisfactionInput(dto: SatisfactionDto): SatisfactionInput {
  const score = (value: string) => (value ? Number(value) : null);
  return {
    overall: score(dto.overall),
    ease: score(dto.ease),
    clarity: score(dto.clarity),
    timeCompared: (dto.timeCompared || null) as TimeCompared | null,
    help: (dto.help || null) as Help | null,
    comment: dto.comment,
  };
}

/** True when no question was answered. */
export function isEmptySurvey(input: SatisfactionInput): boolean {
  return (
    input.overall === null &&
    input.ease === null &&
    input.clarity === null &&
    input.timeCompared === null &&
    input.help === null &&
    input.comment === ''
  );
}
