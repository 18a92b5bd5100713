import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, MaxLength, ValidateIf } from 'class-validator';
import { AUDIENCES } from '../../../platform/flags/flag-context.js';
import { LOCALES } from '../../../platform/i18n/i18n.service.js';
import { normalizeNeq, Satisfies, trim } from '../../organizations/dto/organization.dto.js';
import { ASSISTED_CHANNELS } from '../feedback-options.js';
import { FeedbackDto } from './feedback.dto.js';

/** Whom staff record feedback for: an account holder, an SME, or someone they only have a name for. */
export const ON_BEHALF_OF = ['account', 'sme', 'contact'] as const;
export type OnBehalfOf = (typeof ON_BEHALF_OF)[number];

export const MAX_CONTACT_NAME = 120;
export const MAX_CONTACT_DETAIL = 254;

/**
 * Feedback received by phone, at the counter or by email, typed in by staff:
 * the public form's questions, and what the public form knows without asking
 * (the service and variant, the person, their language), plus the channel.
 * Messages are catalog keys.
 */
export class AssistedFeedbackDto extends FeedbackDto {
  @IsNotEmpty({ message: 'staffFeedback.assisted.errors.serviceRequired' })
  service = '';

  @IsIn(AUDIENCES, { message: 'staffFeedback.assisted.errors.variantRequired' })
  variant = '';

  @IsIn(ASSISTED_CHANNELS, { message: 'staffFeedback.assisted.errors.channelRequired' })
  channel = '';

  @IsIn(ON_BEHALF_OF, { message: 'staffFeedback.assisted.errors.onBehalfOfRequired' })
  onBehalfOf = '';

  @ValidateIf((dto: AssistedFeedbackDto) => dto.onBehalfOf === 'account')
  @Transform(trim)
  @IsNotEmpty({ message: 'staffFeedback.assisted.errors.emailRequired' })
  @IsEmail({}, { message: 'staffFeedback.assisted.errors.emailInvalid' })
  // The lowest decorator runs first: the length before any pattern.
  @MaxLength(254, { message: 'staffFeedback.assisted.errors.emailInvalid' })
  email = '';

  @ValidateIf((dto: AssistedFeedbackDto) => dto.onBehalfOf === 'sme')
  @Transform(trim)
  @IsNotEmpty({ message: 'staffFeedback.assisted.errors.neqRequired' })
  @Satisfies(
    'neq',
    (value) => normalizeNeq(value) !== undefined,
    'staffFeedback.assisted.errors.neqInvalid',
  )
  neq = '';

  /** Required for someone without an account; for an SME, the person who called (optional). */
  @ValidateIf(
    (dto: AssistedFeedbackDto) =>
      dto.onBehalfOf === 'contact' || (dto.onBehalfOf === 'sme' && dto.contactName.trim() !== ''),
  )
  @Transform(trim)
  @IsNotEmpty({ message: 'staffFeedback.assisted.errors.contactNameRequired' })
  @MaxLength(MAX_CONTACT_NAME, { message: 'staffFeedback.assisted.errors.contactNameTooLong' })
  contactName = '';

  /** A phone number or an address to reach them, as they gave it (optional). */
  @ValidateIf(
    (dto: AssistedFeedbackDto) => dto.onBehalfOf === 'contact' || dto.onBehalfOf === 'sme',
  )
  @Transform(trim)
  @MaxLength(MAX_CONTACT_DETAIL, { message: 'staffFeedback.assisted.errors.contactDetailTooLong' })
  contactDetail = '';

  @IsIn(LOCALES, { message: 'staffFeedback.assisted.errors.languageRequired' })
  language = '';
}

/** In the order the form shows them (the error summary follows it). */
export const ASSISTED_FEEDBACK_FIELDS = [
  'service',
  'variant',
  'channel',
  'onBehalfOf',
  'email',
  'neq',
  'contactName',
  'contactDetail',
  'language',
  'kind',
  'severity',
  'tried',
  'happened',
  'expected',
  'consent',
] as const;
