import type { Audience } from '../../platform/flags/flag-context.js';
import { text } from '../../platform/forms/form.js';
import type { CatalogueService } from '../catalogue/catalogue.service.js';
import { isDay } from '../staff/staff-audit.read-model.js';
import { isStatus } from './application-status.js';
import {
  isQueueCursor,
  type AssignedFilter,
  type QueueCursor,
  type QueueFilters,
} from './applications-queue.read-model.js';
import { isUuid } from './applications.service.js';

export const FILTER_FIELDS = [
  'service',
  'variant',
  'status',
  'assigned',
  'from',
  'to',
  'sort',
] as const;
export type FilterValues = Record<(typeof FILTER_FIELDS)[number], string>;

/** A filter that is wrong: its field, and the catalog key of the message. */
export interface QueueProblem {
  field: string;
  key: string;
}

/** The queue's query, read: the filters as typed (for the form), as checked (for the query), and what is wrong. */
export interface QueueRequest {
  values: FilterValues;
  /** Set when nothing is wrong. */
  filters?: QueueFilters;
  cursor?: QueueCursor;
  problems: QueueProblem[];
  /** 400 for a paging link someone edited, 422 for filters typed wrong, else 200. */
  status: number;
}

/**
 * Reads the queue's query string. `clerkIds` are the staff members who
 * process applications (the "assigned to" choices).
 */
export function readQueueRequest(
  query: Record<string, unknown>,
  clerkIds: string[],
  catalogue: CatalogueService,
): QueueRequest {
  const values = Object.fromEntries(
    FILTER_FIELDS.map((f) => [f, text(query[f]).slice(0, 200)]),
  ) as FilterValues;
  const problems: QueueProblem[] = [];
  const wrong = (field: string, key: string) =>
    problems.push({ field, key: `staffApplications.errors.${key}` });
  if (values.service && !catalogue.find(values.service)) wrong('service', 'serviceInvalid');
  if (values.variant && values.variant !== 'citizen' && values.variant !== 'business')
    wrong('variant', 'variantInvalid');
  if (values.status && (!isStatus(values.status) || values.status === 'draft'))
    wrong('status', 'statusInvalid');
  let assigned: AssignedFilter = { kind: 'anyone' };
  if (values.assigned === 'me') assigned = { kind: 'me' };
  else if (values.assigned === 'none') assigned = { kind: 'unassigned' };
  else if (values.assigned && isUuid(values.assigned) && clerkIds.includes(values.assigned))
    assigned = { kind: 'clerk', id: values.assigned };
  else if (values.assigned) wrong('assigned', 'assignedInvalid');
  for (const field of ['from', 'to'] as const)
    if (values[field] && !isDay(values[field])) wrong(field, 'dateInvalid');
  if (values.from && values.to && isDay(values.from) && isDay(values.to) && values.to < values.from)
    wrong('to', 'toBeforeFrom');
  if (values.sort && values.sort !== 'newest' && values.sort !== 'oldest')
    wrong('sort', 'sortInvalid');
  const filters: QueueFilters | undefined =
    problems.length > 0
      ? undefined
      : {
          service: values.service || undefined,
          variant: (values.variant || undefined) as Audience | undefined,
          status: (values.status || undefined) as QueueFilters['status'],
          from: values.from || undefined,
          to: values.to || undefined,
          assigned,
          sort: values.sort === 'oldest' ? 'oldest' : 'newest',
        };

  const after = text(query.after);
  const before = text(query.before);
  let cursor: QueueCursor | undefined;
  let badCursor = false;
  if (after || before) {
    if (after && !before && isQueueCursor(after)) cursor = { after };
    else if (before && !after && isQueueCursor(before)) cursor = { before };
    else {
      // A paging link someone edited: the request is wrong, not the filters typed (400).
      badCursor = true;
      wrong('service', 'cursorInvalid');
    }
  }
  const status = badCursor ? 400 : problems.length > 0 ? 422 : 200;
  return { values, filters: status === 200 ? filters : undefined, cursor, problems, status };
}
