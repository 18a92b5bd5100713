import type { ScanStatus } from '../../platform/virus-scan/virus-scanner.js';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { keysetCursor, parseKeysetCursor } from '../../platform/paging/keyset-cursor.js';
import { isUuid } from '../applications/applications.service.js';
import type { AttachmentType } from '../applications/file-type.js';
import type { Stage } from '../rollout/stages.js';
import {
  FEEDBACK_STATUSES,
  type FeedbackChannel,
  type FeedbackKind,
  type FeedbackStatus,
  type Severity,
} from '../feedback/feedback-options.js';
import { INBOX_PAGE_SIZE } from './triage-options.js';

/** Whose items: anyone's, the signed-in staff member's, nobody's yet, or a given staff member's. */
export type AssigneeFilter =
  { kind: 'anyone' } | { kind: 'me' } | { kind: 'unassigned' } | { kind: 'staff'; id: string };

/** The inbox's filters, already checked (each optional but the assignee). */
export interface InboxFilters {
  service?: string;
  variant?: Audience;
  stage?: Stage;
  /** A cohort's slug: items sent by a member of that cohort. */
  cohort?: string;
  kind?: FeedbackKind;
  severity?: Severity;
  status?: FeedbackStatus;
  channel?: FeedbackChannel;
  assignee: AssigneeFilter;
  tag?: string;
}

export interface InboxRow {
  id: string;
  reference: string;
  createdAt: Date;
  serviceSlug: string;
  variant: Audience;
  stage: Stage;
  kind: FeedbackKind;
  severity: Severity | null;
  status: FeedbackStatus;
  channel: FeedbackChannel;
  organizationName: string | null;
  personName: string | null;
  contactName: string | null;
  assignedTo: string | null;
  assigneeName: string | null;
  tags: string[];
  cohorts: string[];
  /** The row's keyset position: `<created_at in UTC, microseconds>~<id>`. */
  position: string;
}

export interface InboxPage {
  rows: InboxRow[];
  /** The cursor for the page after this one (`after=`), when there is one. */
  next?: string;
  /** The cursor for the page before this one (`before=`), when there is one. */
  previous?: string;
}

export type InboxCursor = { after: string } | { before: string };

/** The inbox's header: items per status and the median time to a first reply, for the filters but status. */
export interface InboxSummary {
  counts: Record<FeedbackStatus, number>;
  total: number;
  /** Seconds from sending to the City's first reply, the median of the items answered; null if none. */
  medianFirstResponseSeconds: number | null;
  answered: number;
}

/** One row of the CSV export: the inbox row and everything the person sent. */
export interface ExportRow extends InboxRow {
  organizationNeq: string | null;
  personEmail: string | null;
  contactDetail: string | null;
  language: Locale;
  page: string | null;
  applicationReference: string | null;
  duplicateOfReference: string | null;
  recordedByName: string | null;
  consentToContact: boolean;
  tried: string;
  happened: string;
  expected: string;
  firstResponseAt: Date | null;
}

export type HistoryEntry =
  | {
      type: 'status';
      at: Date;
      actorName: string | null;
      from: FeedbackStatus;
      to: FeedbackStatus;
      originalReference: string | null;
    }
  | {
      type: 'assigned';
      at: Date;
      actorName: string | null;
      fromName: string | null;
      toName: string | null;
    }
  | { type: 'tag-added' | 'tag-removed'; at: Date; actorName: string | null; tag: string }
  | { type: 'reply'; at: Date; actorName: string | null; body: string; emailed: boolean }
  | { type: 'note'; at: Date; actorName: string | null; body: string };

/** What staff see of one item. */
export interface StaffFeedbackDetail {
  id: string;
  reference: string;
  createdAt: Date;
  serviceSlug: string;
  variant: Audience;
  stage: Stage;
  page: string | null;
  audience: Audience;
  channel: FeedbackChannel;
  cohorts: string[];
  language: Locale;
  userAgent: string | null;
  viewport: string | null;
  kind: FeedbackKind;
  severity: Severity | null;
  status: FeedbackStatus;
  statusChangedAt: Date;
  tried: string;
  happened: string;
  expected: string;
  consentToContact: boolean;
  tags: string[];
  firstResponseAt: Date | null;
  accountId: string | null;
  personName: string | null;
  personEmail: string | null;
  /** The person's account is closed: nothing is emailed to it any more. */
  personClosed: boolean;
  organizationId: string | null;
  organizationName: string | null;
  organizationNeq: string | null;
  contactName: string | null;
  contactDetail: string | null;
  recordedByName: string | null;
  assignedTo: string | null;
  assigneeName: string | null;
  applicationId: string | null;
  /** Null for a draft (staff never open drafts) or an application deleted since. */
  applicationReference: string | null;
  duplicateOf: { id: string; reference: string } | null;
  duplicates: { id: string; reference: string }[];
  attachments: {
    id: string;
    filename: string;
    contentType: AttachmentType;
    size: number;
    /** Staff open it only when clean or unscanned (ADR 0028). */
    scanStatus: ScanStatus;
    scanSignature: string | null;
  }[];
  history: HistoryEntry[];
}

export interface StaffFeedbackFile {
  filename: string;
  contentType: AttachmentType;
  content: Buffer;
}

export function isInboxCursor(value: string): boolean {
  return parseKeysetCursor(value, 'uuid') !== undefined;
}

const ROW_COLUMNS = `
  feedback_item.id, feedback_item.reference, feedback_item.created_at, feedback_item.service_slug,
  feedback_item.variant, feedback_item.stage, feedback_item.kind, feedback_item.severity,
  feedback_item.status, feedback_item.channel, organization.legal_name AS organization_name,
  person.display_name AS person_name, feedback_item.contact_name, feedback_item.assigned_to,
  assignee.display_name AS assignee_name, feedback_item.tags, feedback_item.cohorts,
  to_char(feedback_item.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key`;

const ROW_JOINS = `
  LEFT JOIN organization ON organization.id = feedback_item.organization_id
  LEFT JOIN account AS person ON person.id = feedback_item.account_id
  LEFT JOIN account AS assignee ON assignee.id = feedback_item.assigned_to`;

/**
 * The staff's reading of feedback: the inbox (filters, newest first, keyset
 * paging on (created_at, id) in either direction, never OFFSET), its header
 * (counts per status, median time to a first reply), the CSV export (read in
 * keyset batches, so memory stays flat) and one item with its history.
 *
 * A reporting read model: besides the feedback tables it reads the names it
 * shows (account, organization) and an application's reference, read-only,
 * as the applications queue does. Each filter has its index
 * (`feedback_item_inbox_*`, `_cohorts_idx`, `_tags_idx`: migration 1763980000000).
 */
@Injectable()
export class FeedbackInboxReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async page(filters: InboxFilters, staffId: string, cursor?: InboxCursor): Promise<InboxPage> {
    const { sql, params } = inboxQuery(filters, staffId, cursor, INBOX_PAGE_SIZE + 1);
    const found = (await this.dataSource.query<Record<string, unknown>[]>(sql, params)).map(toRow);
    const more = found.length > INBOX_PAGE_SIZE;
    const shown = found.slice(0, INBOX_PAGE_SIZE);
    if (cursor && 'before' in cursor) {
      // Read backwards from the cursor: put the page back in display order.
      shown.reverse();
      return {
        rows: shown,
        previous: more && shown.length > 0 ? shown[0].position : undefined,
        next: shown.length > 0 ? shown[shown.length - 1].position : undefined,
      };
    }
    return {
      rows: shown,
      next: more && shown.length > 0 ? shown[shown.length - 1].position : undefined,
      previous: cursor && shown.length > 0 ? shown[0].position : undefined,
    };
  }

  /** The header's figures for the filters (whatever the status filter says: it shows every status). */
  async summary(filters: InboxFilters, staffId: string): Promise<InboxSummary> {
    const { where, params } = whereClause({ ...filters, status: undefined }, staffId);
    const counts = FEEDBACK_STATUSES.map(
      (s) => `count(*) FILTER (WHERE feedback_item.status = '${s}')::int AS "${s}"`,
    ).join(', ');
    const [row] = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT ${counts}, count(*)::int AS total,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM feedback_item.first_response_at - feedback_item.created_at)
              ) FILTER (WHERE feedback_item.first_response_at IS NOT NULL) AS median_seconds,
              count(feedback_item.first_response_at)::int AS answered
         FROM feedback_item
        WHERE ${where.join(' AND ')}`,
      params,
    );
    return {
      counts: Object.fromEntries(FEEDBACK_STATUSES.map((s) => [s, row[s] as number])) as Record<
        FeedbackStatus,
        number
      >,
      total: row.total as number,
      medianFirstResponseSeconds:
        row.median_seconds === null ? null : Math.round(Number(row.median_seconds)),
      answered: row.answered as number,
    };
  }

  /** Every item the filters select, newest first, up to `limit`, in batches of 1,000. */
  async *exportRows(
    filters: InboxFilters,
    staffId: string,
    limit: number,
  ): AsyncGenerator<ExportRow[]> {
    const batch = 1000;
    let cursor: InboxCursor | undefined;
    let left = limit;
    while (left > 0) {
      const { sql, params } = inboxQuery(filters, staffId, cursor, Math.min(batch, left), true);
      const rows = (await this.dataSource.query<Record<string, unknown>[]>(sql, params)).map(
        toExportRow,
      );
      if (rows.length === 0) return;
      yield rows;
      left -= rows.length;
      if (rows.length < batch) return;
      cursor = { after: rows[rows.length - 1].position };
    }
  }

  /** One item as staff see it, or undefined. */
  async detail(id: string): Promise<StaffFeedbackDetail | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.dataSource.query<Record<string, unknown>[]>(
      `SELECT feedback_item.id, feedback_item.reference, feedback_item.created_at AS "createdAt",
              feedback_item.service_slug AS "serviceSlug", feedback_item.variant, feedback_item.stage,
              feedback_item.page, feedback_item.audience, feedback_item.channel, feedback_item.cohorts,
              feedback_item.language, feedback_item.user_agent AS "userAgent", feedback_item.viewport,
              feedback_item.kind, feedback_item.severity, feedback_item.status,
              feedback_item.status_changed_at AS "statusChangedAt", feedback_item.tried,
              feedback_item.happened, feedback_item.expected,
              feedback_item.consent_to_contact AS "consentToContact", feedback_item.tags,
              feedback_item.first_response_at AS "firstResponseAt",
              feedback_item.account_id AS "accountId", person.display_name AS "personName",
              person.email AS "personEmail", person.closed_at IS NOT NULL AS "personClosed",
              feedback_item.organization_id AS "organizationId",
              organization.legal_name AS "organizationName", organization.neq AS "organizationNeq",
              feedback_item.contact_name AS "contactName",
              feedback_item.contact_detail AS "contactDetail",
              recorder.display_name AS "recordedByName", feedback_item.assigned_to AS "assignedTo",
              assignee.display_name AS "assigneeName",
              feedback_item.application_id AS "applicationId",
              application.reference AS "applicationReference",
              original.id AS "originalId", original.reference AS "originalReference"
         FROM feedback_item
         LEFT JOIN organization ON organization.id = feedback_item.organization_id
         LEFT JOIN account AS person ON person.id = feedback_item.account_id
         LEFT JOIN account AS assignee ON assignee.id = feedback_item.assigned_to
         LEFT JOIN account AS recorder ON recorder.id = feedback_item.recorded_by
         LEFT JOIN application ON application.id = feedback_item.application_id
         LEFT JOIN feedback_item AS original ON original.id = feedback_item.duplicate_of
        WHERE feedback_item.id = $1`,
      [id],
    );
    if (!row) return undefined;
    const [duplicates, attachments, changes, replies, notes] = await Promise.all([
      this.dataSource.query<{ id: string; reference: string }[]>(
        `SELECT feedback_item.id, feedback_item.reference FROM feedback_item
          WHERE feedback_item.duplicate_of = $1
          ORDER BY feedback_item.created_at, feedback_item.id`,
        [id],
      ),
      this.dataSource.query<StaffFeedbackDetail['attachments']>(
        `SELECT feedback_attachment.id, feedback_attachment.filename,
                feedback_attachment.content_type AS "contentType", feedback_attachment.size_bytes AS size,
                feedback_attachment.scan_status AS "scanStatus",
                feedback_attachment.scan_signature AS "scanSignature"
           FROM feedback_attachment
          WHERE feedback_attachment.feedback_id = $1
          ORDER BY feedback_attachment.created_at, feedback_attachment.id`,
        [id],
      ),
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT feedback_change.kind, feedback_change.created_at AS at,
                actor.display_name AS actor_name, feedback_change.from_status,
                feedback_change.to_status, feedback_change.original_reference,
                from_assignee.display_name AS from_name, to_assignee.display_name AS to_name,
                feedback_change.tag
           FROM feedback_change
           LEFT JOIN account AS actor ON actor.id = feedback_change.actor_id
           LEFT JOIN account AS from_assignee ON from_assignee.id = feedback_change.from_assignee
           LEFT JOIN account AS to_assignee ON to_assignee.id = feedback_change.to_assignee
          WHERE feedback_change.feedback_id = $1
          ORDER BY feedback_change.created_at, feedback_change.id`,
        [id],
      ),
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT feedback_reply.created_at AS at, author.display_name AS actor_name,
                feedback_reply.body, feedback_reply.emailed
           FROM feedback_reply
           LEFT JOIN account AS author ON author.id = feedback_reply.author_id
          WHERE feedback_reply.feedback_id = $1 AND feedback_reply.author_role = 'staff'
          ORDER BY feedback_reply.created_at, feedback_reply.id`,
        [id],
      ),
      this.dataSource.query<Record<string, unknown>[]>(
        `SELECT feedback_note.created_at AS at, author.display_name AS actor_name, feedback_note.body
           FROM feedback_note
           LEFT JOIN account AS author ON author.id = feedback_note.author_id
          WHERE feedback_note.feedback_id = $1
          ORDER BY feedback_note.created_at, feedback_note.id`,
        [id],
      ),
    ]);
    const history: HistoryEntry[] = [
      ...changes.map((c): HistoryEntry => {
        const base = { at: c.at as Date, actorName: (c.actor_name as string | null) ?? null };
        switch (c.kind) {
          case 'status':
            return {
              ...base,
              type: 'status',
              from: c.from_status as FeedbackStatus,
              to: c.to_status as FeedbackStatus,
              originalReference: (c.original_reference as string | null) ?? null,
            };
          case 'assigned':
            return {
              ...base,
              type: 'assigned',
              fromName: (c.from_name as string | null) ?? null,
              toName: (c.to_name as string | null) ?? null,
            };
          default:
            return { ...base, type: c.kind as 'tag-added' | 'tag-removed', tag: c.tag as string };
        }
      }),
      ...replies.map((r): HistoryEntry => ({
        type: 'reply',
        at: r.at as Date,
        actorName: (r.actor_name as string | null) ?? null,
        body: r.body as string,
        emailed: r.emailed as boolean,
      })),
      ...notes.map((n): HistoryEntry => ({
        type: 'note',
        at: n.at as Date,
        actorName: (n.actor_name as string | null) ?? null,
        body: n.body as string,
      })),
    ].sort((a, b) => a.at.getTime() - b.at.getTime());
    const { originalId, originalReference, ...item } = row;
    return {
      ...(item as Omit<
        StaffFeedbackDetail,
        'duplicateOf' | 'duplicates' | 'attachments' | 'history'
      >),
      duplicateOf: originalId
        ? { id: originalId as string, reference: originalReference as string }
        : null,
      duplicates,
      attachments,
      history,
    };
  }

  /** A file sent with an item, once scanned clean (or unscanned, scanning off). */
  async file(id: string, fileId: string): Promise<StaffFeedbackFile | undefined> {
    if (!isUuid(id) || !isUuid(fileId)) return undefined;
    const [row] = await this.dataSource.query<StaffFeedbackFile[]>(
      `SELECT feedback_attachment.filename, feedback_attachment.content_type AS "contentType",
              feedback_attachment.content
         FROM feedback_attachment
        WHERE feedback_attachment.id = $1 AND feedback_attachment.feedback_id = $2
          AND feedback_attachment.scan_status IN ('clean', 'unscanned')`,
      [fileId, id],
    );
    return row;
  }
}

/** The WHERE conditions of some filters, with their parameters. */
function whereClause(filters: InboxFilters, staffId: string) {
  const where = ['TRUE'];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filters.status) add((p) => `feedback_item.status = ${p}`, filters.status);
  if (filters.service) add((p) => `feedback_item.service_slug = ${p}`, filters.service);
  if (filters.variant) add((p) => `feedback_item.variant = ${p}`, filters.variant);
  if (filters.stage) add((p) => `feedback_item.stage = ${p}`, filters.stage);
  if (filters.cohort) add((p) => `feedback_item.cohorts @> ARRAY[${p}::text]`, filters.cohort);
  if (filters.kind) add((p) => `feedback_item.kind = ${p}`, filters.kind);
  if (filters.severity)
    add(
      (p) => `feedback_item.severity = ${p} AND feedback_item.severity IS NOT NULL`,
      filters.severity,
    );
  if (filters.channel) add((p) => `feedback_item.channel = ${p}`, filters.channel);
  if (filters.tag) add((p) => `feedback_item.tags @> ARRAY[${p}::text]`, filters.tag);
  switch (filters.assignee.kind) {
    case 'anyone':
      break;
    case 'unassigned':
      where.push('feedback_item.assigned_to IS NULL');
      break;
    case 'me':
      add(
        (p) => `feedback_item.assigned_to = ${p} AND feedback_item.assigned_to IS NOT NULL`,
        staffId,
      );
      break;
    case 'staff':
      add(
        (p) => `feedback_item.assigned_to = ${p} AND feedback_item.assigned_to IS NOT NULL`,
        filters.assignee.id,
      );
      break;
  }
  return { where, params };
}

/**
 * The inbox's SQL for some filters (exported so a test can EXPLAIN it):
 * `limit` rows from the cursor on, in the order they are read.
 */
export function inboxQuery(
  filters: InboxFilters,
  staffId: string,
  cursor: InboxCursor | undefined,
  limit: number,
  forExport = false,
): { sql: string; params: unknown[] } {
  const { where, params } = whereClause(filters, staffId);
  // Newest first going forward; oldest first when reading back from a cursor.
  const backwards = cursor !== undefined && 'before' in cursor;
  const position = cursor
    ? parseKeysetCursor('after' in cursor ? cursor.after : cursor.before, 'uuid')
    : undefined;
  if (position) {
    params.push(position.at, position.id);
    where.push(
      `(feedback_item.created_at, feedback_item.id) ${backwards ? '>' : '<'} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
    );
  }
  params.push(limit);
  const direction = backwards ? 'ASC' : 'DESC';
  const exportColumns = forExport
    ? `, organization.neq AS organization_neq, person.email AS person_email,
         feedback_item.contact_detail, feedback_item.language, feedback_item.page,
         application.reference AS application_reference, original.reference AS duplicate_of_reference,
         recorder.display_name AS recorded_by_name, feedback_item.consent_to_contact,
         feedback_item.tried, feedback_item.happened, feedback_item.expected,
         feedback_item.first_response_at`
    : '';
  const exportJoins = forExport
    ? `LEFT JOIN account AS recorder ON recorder.id = feedback_item.recorded_by
       LEFT JOIN application ON application.id = feedback_item.application_id
       LEFT JOIN feedback_item AS original ON original.id = feedback_item.duplicate_of`
    : '';
  return {
    sql: `SELECT ${ROW_COLUMNS}${exportColumns}
            FROM feedback_item ${ROW_JOINS} ${exportJoins}
           WHERE ${where.join(' AND ')}
           ORDER BY feedback_item.created_at ${direction}, feedback_item.id ${direction}
           LIMIT $${params.length}`,
    params,
  };
}

function toRow(r: Record<string, unknown>): InboxRow {
  return {
    id: r.id as string,
    reference: r.reference as string,
    createdAt: r.created_at as Date,
    serviceSlug: r.service_slug as string,
    variant: r.variant as Audience,
    stage: r.stage as Stage,
    kind: r.kind as FeedbackKind,
    severity: (r.severity as Severity | null) ?? null,
    status: r.status as FeedbackStatus,
    channel: r.channel as FeedbackChannel,
    organizationName: (r.organization_name as string | null) ?? null,
    personName: (r.person_name as string | null) ?? null,
    contactName: (r.contact_name as string | null) ?? null,
    assignedTo: (r.assigned_to as string | null) ?? null,
    assigneeName: (r.assignee_name as string | null) ?? null,
    tags: r.tags as string[],
    cohorts: r.cohorts as string[],
    position: keysetCursor({ at: r.created_key as string, id: r.id as string }),
  };
}

function toExportRow(r: Record<string, unknown>): ExportRow {
  return {
    ...toRow(r),
    organizationNeq: (r.organization_neq as string | null) ?? null,
    personEmail: (r.person_email as string | null) ?? null,
    contactDetail: (r.contact_detail as string | null) ?? null,
    language: r.language as Locale,
    page: (r.page as string | null) ?? null,
    applicationReference: (r.application_reference as string | null) ?? null,
    duplicateOfReference: (r.duplicate_of_reference as string | null) ?? null,
    recordedByName: (r.recorded_by_name as string | null) ?? null,
    consentToContact: r.consent_to_contact as boolean,
    tried: r.tried as string,
    happened: r.happened as string,
    expected: r.expected as string,
    firstResponseAt: (r.first_response_at as Date | null) ?? null,
  };
}
