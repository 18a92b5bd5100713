import { IsIn, IsNotEmpty, Matches } from 'class-validator';
import { AUDIENCES } from '../../../platform/flags/flag-context.js';
import { Trim } from '../../../platform/forms/form.js';

/** How applications reach a service outside the portal. */
export const OFFLINE_CHANNELS = ['phone', 'counter'] as const;
export type OfflineChannel = (typeof OFFLINE_CHANNELS)[number];

/**
 * A day's applications a service took by phone or at the counter, as a clerk
 * records them. Messages are catalog keys; the service checks that the
 * service exists and the day is a real one, not to come.
 */
export class OfflineCountDto {
  @IsNotEmpty({ message: 'insights.offline.errors.serviceRequired' })
  service = '';

  @IsIn(AUDIENCES, { message: 'insights.offline.errors.audienceRequired' })
  audience = '';

  @IsIn(OFFLINE_CHANNELS, { message: 'insights.offline.errors.channelRequired' })
  channel = '';

  @Trim()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'insights.offline.errors.dayInvalid' })
  day = '';

  @Trim()
  @Matches(/^\d{1,5}$/, { message: 'insights.offline.errors.applicationsInvalid' })
  applications = '';
}

export const OFFLINE_COUNT_FIELDS = [
  'service',
  'audience',
  'channel',
  'day',
  'applications',
] as const;
