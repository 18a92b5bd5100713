import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, MaxLength, ValidateIf } from 'class-validator';
import {
  FEEDBACK_KINDS,
  MAX_FEEDBACK_TEXT,
  SEVERITIES,
  type FeedbackKind,
} from '../feedback-options.js';

/**
 * A textarea's text: Windows line ends made one character (the browser's
 * character count counts one), then trimmed.
 */
/** Control characters but tab and newline: a NUL would make PostgreSQL refuse the text. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export const TextareaText = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? value.replace(/\r\n?/g, '\n').replace(CONTROL_CHARACTERS, '').trim()
      : value,
  );

/** The feedback form. The file and the context's hidden fields are read apart. */
export class FeedbackDto {
  @IsIn(FEEDBACK_KINDS, { message: 'feedback.errors.kindRequired' })
  kind = '';

  /** Asked only about a problem; ignored for every other kind. */
  @ValidateIf((dto: FeedbackDto) => dto.kind === 'problem')
  @IsIn(SEVERITIES, { message: 'feedback.errors.severityRequired' })
  severity = '';

  @TextareaText()
  @MaxLength(MAX_FEEDBACK_TEXT, { message: 'feedback.errors.triedTooLong' })
  tried = '';

  @TextareaText()
  @IsNotEmpty({ message: 'feedback.errors.happenedRequired' })
  @MaxLength(MAX_FEEDBACK_TEXT, { message: 'feedback.errors.happenedTooLong' })
  happened = '';

  @TextareaText()
  @MaxLength(MAX_FEEDBACK_TEXT, { message: 'feedback.errors.expectedTooLong' })
  expected = '';

  /** The checkbox: 'yes' when ticked. */
  consent = '';
}

/** In the order the form shows them (the error summary follows it). */
export const FEEDBACK_FIELDS = [
  'kind',
  'severity',
  'tried',
  'happened',
  'expected',
  'consent',
] as const;

/** What the form says, once valid. */
export interface FeedbackInput {
  kind: FeedbackKind;
  /** Set exactly when kind is 'problem'. */
  severity: (typeof SEVERITIES)[number] | null;
  tried: string;
  happened: string;
  expected: string;
  consentToContact: boolean;
}

/** The valid form as the service takes it (call only when validation found nothing). */
export function feedbackInput(dto: FeedbackDto): FeedbackInput {
  const kind = dto.kind as FeedbackKind;
  return {
    kind,
    severity: kind === 'problem' ? (dto.severity as FeedbackInput['severity']) : null,
    tried: dto.tried,
    happened: dto.happened,
    expected: dto.expected,
    consentToContact: dto.consent === 'yes',
  };
}
