import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { text } from '../../platform/forms/form.js';
import { isUuid } from '../applications/applications.service.js';
import { isStage, type Stage } from '../rollout/stages.js';
import {
  FEEDBACK_CHANNELS,
  FEEDBACK_KINDS,
  FEEDBACK_STATUSES,
  SEVERITIES,
  type FeedbackChannel,
  type FeedbackKind,
  type FeedbackStatus,
  type Severity,
} from '../feedback/feedback-options.js';
import type { AssigneeFilter, InboxFilters } from './feedback-inbox.read-model.js';
import { MAX_TAG_LENGTH, normalizeTag, TAG } from './triage-options.js';

/** The inbox's filters, in the order its form shows them (and its error summary lists them). */
export const INBOX_FILTER_FIELDS = [
  'service',
  'variant',
  'stage',
  'cohort',
  'kind',
  'severity',
  'status',
  'channel',
  'assignee',
  'tag',
] as const;
export type InboxFilterField = (typeof INBOX_FILTER_FIELDS)[number];
export type InboxFilterValues = Record<InboxFilterField, string>;

const COHORT_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface ReadFilters {
  /** As typed (a tag lowercased), for the form. */
  values: InboxFilterValues;
  /** The filters that are not one of their choices. */
  wrong: InboxFilterField[];
  /** The checked filters, when none is wrong. */
  filters?: InboxFilters;
}

/**
 * Reads the inbox's query string. `service` must be a catalogue service and
 * `assignee` `me`, `none` or one of `staff` (who work on feedback); a cohort is
 * any well-formed slug (its cohort may be gone: its items keep the slug).
 */
export function readInboxFilters(
  query: Record<string, unknown>,
  known: { isService: (slug: string) => boolean; staff: readonly string[] },
): ReadFilters {
  const values = Object.fromEntries(
    INBOX_FILTER_FIELDS.map((f) => [f, text(query[f]).slice(0, 200)]),
  ) as InboxFilterValues;
  values.tag = normalizeTag(values.tag);
  const wrong: InboxFilterField[] = [];
  const oneOf = (list: readonly string[], value: string) => !value || list.includes(value);
  if (values.service && !known.isService(values.service)) wrong.push('service');
  if (!oneOf(AUDIENCES, values.variant)) wrong.push('variant');
  if (values.stage && !isStage(values.stage)) wrong.push('stage');
  if (values.cohort && !COHORT_SLUG.test(values.cohort)) wrong.push('cohort');
  if (!oneOf(FEEDBACK_KINDS, values.kind)) wrong.push('kind');
  if (!oneOf(SEVERITIES, values.severity)) wrong.push('severity');
  if (!oneOf(FEEDBACK_STATUSES, values.status)) wrong.push('status');
  if (!oneOf(FEEDBACK_CHANNELS, values.channel)) wrong.push('channel');
  let assignee: AssigneeFilter = { kind: 'anyone' };
  if (values.assignee === 'me') assignee = { kind: 'me' };
  else if (values.assignee === 'none') assignee = { kind: 'unassigned' };
  else if (isUuid(values.assignee) && known.staff.includes(values.assignee))
    assignee = { kind: 'staff', id: values.assignee };
  else if (values.assignee) wrong.push('assignee');
  if (values.tag && (values.tag.length > MAX_TAG_LENGTH || !TAG.test(values.tag)))
    wrong.push('tag');
  if (wrong.length > 0) return { values, wrong };
  return {
    values,
    wrong,
    filters: {
      service: values.service || undefined,
      variant: (values.variant || undefined) as Audience | undefined,
      stage: (values.stage || undefined) as Stage | undefined,
      cohort: values.cohort || undefined,
      kind: (values.kind || undefined) as FeedbackKind | undefined,
      severity: (values.severity || undefined) as Severity | undefined,
      status: (values.status || undefined) as FeedbackStatus | undefined,
      channel: (values.channel || undefined) as FeedbackChannel | undefined,
      assignee,
      tag: values.tag || undefined,
    },
  };
}
