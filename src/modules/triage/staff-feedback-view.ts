import type { I18nService, Locale } from '../../platform/i18n/i18n.service.js';
import { CITY_TIME_ZONE } from '../applications/applications-queue.read-model.js';
import type { Severity } from '../feedback/feedback-options.js';
import { intlLocale } from '../../platform/i18n/intl-locale.js';

/** Each severity's govuk tag colour: the worse, the louder. */
export const SEVERITY_TAG: Record<Severity, string> = {
  blocker: 'govuk-tag--red',
  major: 'govuk-tag--orange',
  minor: 'govuk-tag--yellow',
  cosmetic: 'govuk-tag--grey',
};

/** Dates and times in the City's time zone, in the page's language. */
export function dateTimeFormat(locale: Locale): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: CITY_TIME_ZONE,
  });
}

/** A duration as staff read it: `45 min`, `3 h 20 min`, `4 days 2 h`. */
export function durationText(seconds: number, locale: Locale, i18n: I18nService): string {
  const minutes = Math.max(0, Math.round(seconds / 60));
  if (minutes < 60) return i18n.t(locale, 'staffFeedback.duration.minutes', { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48)
    return i18n.t(locale, 'staffFeedback.duration.hours', { hours, minutes: minutes % 60 });
  return i18n.t(locale, 'staffFeedback.duration.days', {
    days: Math.floor(hours / 24),
    hours: hours % 24,
  });
}

/** Who sent an item, in a few words: the SME, the person, or the name staff typed in. */
export function submitterText(
  item: { organizationName: string | null; personName: string | null; contactName: string | null },
  locale: Locale,
  i18n: I18nService,
): string {
  if (item.organizationName) return item.organizationName;
  if (item.personName) return item.personName;
  if (item.contactName) return item.contactName;
  return i18n.t(locale, 'staffFeedback.submitter.unknown');
}

/** A form field that may come once (a string) or several times (an array, or qs's object past 20). */
export function formList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  const values = Array.isArray(value)
    ? (value as unknown[])
    : typeof value === 'object' && value !== null
      ? Object.values(value)
      : [];
  return values.filter((v): v is string => typeof v === 'string');
}
