import { Transform } from 'class-transformer';
import { IsNotEmpty, MaxLength } from 'class-validator';
import { normalizeNeq, Satisfies, trim } from '../../organizations/dto/organization.dto.js';

/** The longest note or reason, in characters (the table's CHECK says the same). */
export const MAX_NOTE_LENGTH = 2000;

/** Several lines of text: control characters other than line breaks and tabs dropped, ends trimmed. */
export const multiline = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? // eslint-disable-next-line no-control-regex
      value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim()
    : value;

/** The owner's evidence form: an optional note beside the file. Messages are catalog keys. */
export class EvidenceDto {
  @Transform(multiline)
  @MaxLength(MAX_NOTE_LENGTH, { message: 'ownership.errors.noteTooLong' })
  note = '';
}
export const EVIDENCE_FIELDS = ['note'] as const;

/** Another person's request to review who owns an SME. */
export class ReviewRequestDto {
  @Transform(trim)
  @IsNotEmpty({ message: 'ownership.errors.neqRequired' })
  @Satisfies('neq', (v) => normalizeNeq(v) !== undefined, 'ownership.errors.neqInvalid')
  neq = '';

  @Transform(multiline)
  @IsNotEmpty({ message: 'ownership.errors.explanationRequired' })
  @MaxLength(MAX_NOTE_LENGTH, { message: 'ownership.errors.noteTooLong' })
  note = '';
}
export const REVIEW_REQUEST_FIELDS = ['neq', 'note'] as const;

/** A staff decision's reason (to reject, transfer or revoke), which the people concerned read. */
export class ReasonDto {
  @Transform(multiline)
  @IsNotEmpty({ message: 'ownership.errors.reasonRequired' })
  @MaxLength(MAX_NOTE_LENGTH, { message: 'ownership.errors.reasonTooLong' })
  reason = '';
}
export const REASON_FIELDS = ['reason'] as const;
