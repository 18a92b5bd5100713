import { IsNotEmpty, IsString, ValidateBy, type ValidationOptions } from 'class-validator';
import { Trim } from '../../../platform/forms/form.js';

/** At most `max` UTF-16 code units (what `String.length` counts, as the pages always have). */
const AtMost = (max: number, message: string, options: ValidationOptions = {}) =>
  ValidateBy(
    {
      name: 'atMost',
      constraints: [max],
      validator: { validate: (value: unknown) => typeof value === 'string' && value.length <= max },
    },
    { ...options, message },
  );

/** A message to the clerks about a filed application. */
export class MessageDto {
  @Trim()
  @IsNotEmpty({ message: 'applications.messages.errors.required' })
  @AtMost(5000, 'applications.messages.errors.tooLong')
  message = '';
}

/** The answer to a request for information. */
export class ResubmitDto {
  @Trim()
  @IsNotEmpty({ message: 'applications.resubmit.errors.required' })
  @AtMost(5000, 'applications.resubmit.errors.tooLong')
  answer = '';
}

/** Withdrawing an application: the reason is optional. */
export class WithdrawDto {
  @Trim()
  @AtMost(2000, 'applications.withdraw.errors.tooLong')
  reason = '';
}

/** The declaration box of "check your answers" (and of a CSV batch): `agreed` when ticked. */
export class DeclarationDto {
  @Trim()
  @IsString()
  declaration = '';
}

/** The confirmation of a checked CSV batch: which batch, and the declaration. */
export class BulkConfirmDto extends DeclarationDto {
  @Trim()
  @IsString()
  batch = '';
}
