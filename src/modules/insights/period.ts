import { CITY_TIME_ZONE } from '../../platform/i18n/city-time.js';
import type { Period } from './service-insights.read-model.js';

/** The period shown unless another is asked for: the last 90 days, today included. */
export const DEFAULT_DAYS = 90;
/** The longest period one page reads. */
export const MAX_DAYS = 3 * 366;

export type PeriodField = 'from' | 'to';

/** What was typed, and either the period it names or what is wrong with it (i18n keys). */
export type AskedPeriod =
  | { ok: true; period: Period; typed: Record<PeriodField, string> }
  | {
      ok: false;
      typed: Record<PeriodField, string>;
      errors: { field: PeriodField; key: string }[];
    };

/**
 * The period a page asks for, as its first and last days (YYYY-MM-DD, both
 * included; the period's `to` is the day after the last). Neither given: the
 * last DEFAULT_DAYS days in the city, today included.
 */
export function periodFrom(from: unknown, to: unknown, now: Date): AskedPeriod {
  const text = (value: unknown) => (typeof value === 'string' ? value.trim().slice(0, 40) : '');
  const typed = { from: text(from), to: text(to) };
  if (typed.from === '' && typed.to === '') {
    const today = cityDay(now);
    const first = addDays(today, -(DEFAULT_DAYS - 1));
    return {
      ok: true,
      period: { from: first, to: addDays(today, 1) },
      typed: { from: first, to: today },
    };
  }
  const errors: { field: PeriodField; key: string }[] = [];
  for (const field of ['from', 'to'] as const)
    if (!isDay(typed[field])) errors.push({ field, key: `insights.period.errors.${field}Invalid` });
  if (errors.length === 0 && typed.from > typed.to)
    errors.push({ field: 'to', key: 'insights.period.errors.toBeforeFrom' });
  if (errors.length === 0 && daysBetween(typed.from, typed.to) >= MAX_DAYS)
    errors.push({ field: 'to', key: 'insights.period.errors.tooLong' });
  if (errors.length > 0) return { ok: false, typed, errors };
  return { ok: true, period: { from: typed.from, to: addDays(typed.to, 1) }, typed };
}

/** A real calendar day written YYYY-MM-DD, in the years 2000 to 2999. */
export function isDay(value: string): boolean {
  if (!/^2\d{3}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function cityDay(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: CITY_TIME_ZONE }).format(now);
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
