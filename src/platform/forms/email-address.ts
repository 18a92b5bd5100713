/** The longest email address there is (RFC 5321's path limit, less the brackets). */
export const MAX_EMAIL_LENGTH = 254;

const WHITESPACE = /\s/;

/**
 * Whether `value` looks like an email address: one `@`, something before it,
 * a domain with a dot inside it, no spaces. Linear by construction: the length
 * is checked first, then each rule is one scan (no pattern that backtracks), so
 * a 100 kB value costs no more than reading it once.
 */
export function isEmailAddress(value: string): boolean {
  if (value.length === 0 || value.length > MAX_EMAIL_LENGTH) return false;
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return false;
  if (WHITESPACE.test(value)) return false;
  // A dot with something on each side of it: `example.ca`, not `.ca` or `example.`.
  return value.slice(at + 2, -1).includes('.');
}
