/**
 * A revision's number as the studio's URLs give it (`…/revisions/:n`): plain
 * digits only, so that `1e3`, `0x1`, ` 1` or `-1` name no revision on every
 * studio page alike; anything else is 0, a number no revision has (404).
 */
export function revisionNumberOf(param: unknown): number {
  return typeof param === 'string' && /^\d{1,9}$/.test(param) ? Number(param) : 0;
}

/** A revision's page in the studio, or one of its pages (`details`, `preview/citizen`, …). */
export function revisionPath(slug: string, number: number, page = ''): string {
  const path = `/staff/services/${encodeURIComponent(slug)}/revisions/${number}`;
  return page ? `${path}/${page}` : path;
}
