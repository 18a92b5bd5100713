/** The longest path a feedback link carries (the table's CHECK on `page` says 500). */
const MAX_PATH_LENGTH = 500;

/**
 * A path on this site, or undefined: one leading `/` (never `//` or `/\`, which
 * browsers read as another host), no scheme, no whitespace or control
 * character anywhere (browsers drop tabs and newlines, so `/\t/evil.example`
 * would become `//evil.example`), no backslash.
 */
export function sitePath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_PATH_LENGTH) return undefined;
  if (!/^\/(?![/\\])/.test(value)) return undefined;
  if (/[\s\\\p{Cc}\p{Cf}]/u.test(value)) return undefined;
  return value;
}

/** A viewport as the page's script sends it (`1280x800`), or undefined. */
export function viewportOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$/.exec(value.trim());
  return match ? `${match[1]}x${match[2]}` : undefined;
}
