import { Transform } from 'class-transformer';
import { IsString } from 'class-validator';
import { Trim } from '../../../platform/forms/form.js';

/**
 * The forms of a feedback item's page. Their rules are FeedbackTriageService's
 * (the same for every way in): a DTO only reads each field as text.
 */

/** A textarea's text: kept as typed (line breaks included), without surrounding blanks. */
const Multiline = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.replace(/\r\n?/g, '\n').trim() : value,
  );

export class StatusDto {
  @Trim()
  @IsString()
  status!: string;

  /** The original's reference, for a duplicate. */
  @Trim()
  @IsString()
  original!: string;
}

export class AssignDto {
  @Trim()
  @IsString()
  assignee!: string;
}

export class TagDto {
  @Trim()
  @IsString()
  tag!: string;
}

export class NoteDto {
  @Multiline()
  @IsString()
  note!: string;
}

export class ReplyDto {
  @Multiline()
  @IsString()
  reply!: string;
}

/** The inbox's bulk form; the items checked (`ids`, a list) are read beside it. */
export class BulkDto {
  /** `status`, `assign` or `tag`. */
  @Trim()
  @IsString()
  action!: string;

  @Trim()
  @IsString()
  bulkStatus!: string;

  @Trim()
  @IsString()
  bulkAssignee!: string;

  @Trim()
  @IsString()
  bulkTag!: string;

  /** The inbox page the form was on (its filters and page), kept as sent. */
  @IsString()
  return!: string;
}
