import type { Locale } from './i18n.service.js';
import { intlLocale } from './intl-locale.js';

/** The city's time zone: every date and time shown to people is in it. */
export const CITY_TIME_ZONE = 'America/Toronto';

/** A formatter of dates (and times, with `time`) in the city's time zone and the page's language. */
export function cityDateFormat(locale: Locale, { time = false } = {}): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    dateStyle: 'long',
    ...(time ? { timeStyle: 'short' as const } : {}),
    timeZone: CITY_TIME_ZONE,
  });
}

/** "22 novembre 2026 à 14 h 05" / "November 22, 2026 at 2:05 p.m.", city time. */
export function formatDateTime(date: Date, locale: Locale): string {
  return cityDateFormat(locale, { time: true }).format(new Date(date));
}

/** A date (YYYY-MM-DD) and time (HH:MM) in the city's time zone, or undefined. */
export function cityDateTime(date: string, time: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) return undefined;
  const naive = new Date(`${date}T${time}:00Z`);
  if (Number.isNaN(naive.getTime())) return undefined;
  // The city's offset at that moment (EST/EDT), applied to the naive UTC time.
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: CITY_TIME_ZONE,
    timeZoneName: 'longOffset',
  }).formatToParts(naive);
  const offset = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT-05:00';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offset);
  const minutes = match
    ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]))
    : 0;
  return new Date(naive.getTime() - minutes * 60_000);
}
