/**
 * The one keyset cursor of every list that pages (audit log, application queue,
 * feedback inbox, cohort members): `<sort instant in UTC, microseconds>~<id>`,
 * the position of the last row of the page before. A cursor comes back in a
 * link anyone can edit, so it is checked in full before it reaches SQL: a real
 * instant PostgreSQL can hold, and an id that fits its column.
 */
export interface KeysetPosition {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as `to_char(… 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` wrote it. */
  at: string;
  id: string;
}

/** The kind of the list's id column. */
export type KeysetIdKind = 'uuid' | 'bigint';

const MAX_CURSOR_LENGTH = 64;
const INSTANT = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.(\d{3})\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGITS = /^\d{1,19}$/;
const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** The cursor pointing after (or before) a row. */
export function keysetCursor(position: KeysetPosition): string {
  return `${position.at}~${position.id}`;
}

/**
 * The position a cursor names, or undefined when it is not one this portal
 * wrote: wrong shape, an impossible date (February 30th, hour 25), a year
 * outside 1–9999, an id that is not a UUID or does not fit a bigint. Length
 * first, so no pattern ever runs on a long value.
 */
export function parseKeysetCursor(
  value: unknown,
  idKind: KeysetIdKind,
): KeysetPosition | undefined {
  if (typeof value !== 'string' || value.length > MAX_CURSOR_LENGTH) return undefined;
  const separator = value.indexOf('~');
  if (separator < 0) return undefined;
  const at = value.slice(0, separator);
  const id = value.slice(separator + 1);
  const instant = INSTANT.exec(at);
  if (!instant || Number(instant[1]) < 1) return undefined;
  // Milliseconds precision is enough to prove the calendar date and time exist.
  const millis = `${at.slice(0, 20)}${instant[2]}Z`;
  const parsed = new Date(millis);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString() !== millis) return undefined;
  if (idKind === 'uuid') return UUID.test(id) ? { at, id: id.toLowerCase() } : undefined;
  return DIGITS.test(id) && BigInt(id) <= BIGINT_MAX ? { at, id } : undefined;
}

/** Whether a cursor is one `parseKeysetCursor` accepts. */
export function isKeysetCursor(value: unknown, idKind: KeysetIdKind): boolean {
  return parseKeysetCursor(value, idKind) !== undefined;
}
