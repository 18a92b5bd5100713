/**
 * JSON with object keys sorted, so that two equal values give the same text
 * whatever order their keys were written in (PostgreSQL's jsonb, for one,
 * gives them back shortest first): for comparing parts of definitions.
 */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
          )
        : v,
    ) ?? 'undefined'
  );
}
