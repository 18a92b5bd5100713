import type { ScanStatus } from '../../platform/virus-scan/virus-scanner.js';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Audience } from '../../platform/flags/flag-context.js';
import { keysetCursor, parseKeysetCursor } from '../../platform/paging/keyset-cursor.js';
import type { Answers } from '../catalogue/form-schema.js';
import type { ApplicationStatus } from './application-status.js';
import { isUuid } from './applications.service.js';

/** Whose applications: anyone's, the signed-in clerk's, nobody's yet, or a given clerk's. */
export type AssignedFilter =
  { kind: 'anyone' } | { kind: 'me' } | { kind: 'unassigned' } | { kind: 'clerk'; id: string };

/** The queue's filters, already checked. Days are YYYY-MM-DD in the city's time zone. */
export interface QueueFilters {
  service?: string;
  variant?: Audience;
  /** One status; without it, every status but draft (drafts never reach the queue). */
  status?: Exclude<ApplicationStatus, 'draft'>;
  from?: string;
  to?: string;
  assigned: AssignedFilter;
  sort: 'newest' | 'oldest';
}

export interface QueueRow {
  id: string;
  reference: string;
  serviceSlug: string;
  /** The revision it was filed on (ADR 0031): a candidate's applications show it in the queue. */
  serviceRevision: number;
  variant: Audience;
  status: ApplicationStatus;
  filerName: string;
  organizationName: string | null;
  assignedTo: string | null;
  assigneeName: string | null;
  submittedAt: Date;
  /** The row's keyset position: `<submitted_at in UTC, microseconds>~<id>`. */
  position: string;
}

export interface QueuePage {
  rows: QueueRow[];
  /** The cursor for the page after this one (`after=`), when there is one. */
  next?: string;
  /** The cursor for the page before this one (`before=`), when there is one. */
  previous?: string;
}

export type QueueCursor = { after: string } | { before: string };

export interface AttachmentSummary {
  id: string;
  field: string;
  filename: string;
  size: number;
  contentType: string;
  uploadedAt: Date;
  scanStatus: ScanStatus;
  scanSignature: string | null;
}

/** What a clerk sees of one application. */
export interface StaffApplicationDetail {
  id: string;
  reference: string;
  serviceSlug: string;
  /** The revision it was filed through: its questions and labels (ADR 0031). */
  serviceRevision: number;
  /** Whether that revision is the service's candidate in rollout now (ADR 0032). */
  candidateRevision: boolean;
  variant: Audience;
  status: ApplicationStatus;
  answers: Answers;
  channel: 'web' | 'api' | 'csv';
  accountId: string;
  filerName: string;
  filerEmail: string;
  organizationId: string | null;
  organizationName: string | null;
  organizationNeq: string | null;
  assignedTo: string | null;
  assigneeName: string | null;
  decisionNote: string | null;
  submittedAt: Date;
  decidedAt: Date | null;
  updatedAt: Date;
  attachments: AttachmentSummary[];
}

export const QUEUE_PAGE_SIZE = 50;

/** The most applications one CSV export holds (newest first). */
export const QUEUE_EXPORT_LIMIT = 50_000;

/** One application in the queue's CSV export: its answers keyed as in its own revision. */
export interface QueueExportRow extends QueueRow {
  channel: 'web' | 'api' | 'csv';
  decidedAt: Date | null;
  answers: Answers;
}

/** The city's time zone: the queue's date filters are its days. */
export const CITY_TIME_ZONE = 'America/Toronto';

export function isQueueCursor(value: string): boolean {
  return parseKeysetCursor(value, 'uuid') !== undefined;
}

/**
 * The staff queue and the staff view of one application.
 *
 * The queue never counts and never skips with OFFSET: it pages by keyset on
 * (submitted_at, id), 50 rows at a time, in either direction. Every query keeps
 * the literal `a.status <> 'draft'` so the planner may use the migration's
 * partial indexes: application_queue_idx (no filter), _status_idx (a status),
 * _service_idx (a service, and its variant), _assignee_idx (a clerk, or me).
 */
@Injectable()
export class ApplicationsQueueReadModel {
  constructor(private readonly dataSource: DataSource) {}

  async page(filters: QueueFilters, staffId: string, cursor?: QueueCursor): Promise<QueuePage> {
    const { sql, params } = queueQuery(filters, staffId, cursor, QUEUE_PAGE_SIZE + 1);
    const found = (await this.dataSource.query<Record<string, unknown>[]>(sql, params)).map(toRow);
    const more = found.length > QUEUE_PAGE_SIZE;
    const shown = found.slice(0, QUEUE_PAGE_SIZE);
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

  /**
   * Every application the queue's filters select, in the queue's order, up to
   * `limit`, read by keyset in batches of 1,000 (for the CSV export).
   */
  async *exportRows(
    filters: QueueFilters,
    staffId: string,
    limit: number,
  ): AsyncGenerator<QueueExportRow[]> {
    const batch = 1000;
    let cursor: QueueCursor | undefined;
    let left = limit;
    while (left > 0) {
      const { sql, params } = queueQuery(filters, staffId, cursor, Math.min(batch, left), {
        export: true,
      });
      const rows = (await this.dataSource.query<Record<string, unknown>[]>(sql, params)).map(
        (r): QueueExportRow => ({
          ...toRow(r),
          channel: r.channel as QueueExportRow['channel'],
          decidedAt: (r.decided_at as Date | null) ?? null,
          answers: r.answers as Answers,
        }),
      );
      if (rows.length === 0) return;
      yield rows;
      left -= rows.length;
      if (rows.length < batch) return;
      cursor = { after: rows[rows.length - 1].position };
    }
  }

  /** One submitted application (drafts are the applicant's own business: undefined). */
  async detail(id: string): Promise<StaffApplicationDetail | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.dataSource.query<Omit<StaffApplicationDetail, 'attachments'>[]>(
      `SELECT a.id, a.reference, a.service_slug AS "serviceSlug",
              a.service_revision AS "serviceRevision",
              EXISTS (SELECT 1 FROM revision_rollout
                       WHERE revision_rollout.service_slug = a.service_slug
                         AND revision_rollout.revision = a.service_revision) AS "candidateRevision",
              a.variant, a.status, a.answers, a.channel, a.account_id AS "accountId", filer.display_name AS "filerName",
              filer.email AS "filerEmail", a.organization_id AS "organizationId",
              o.legal_name AS "organizationName", o.neq AS "organizationNeq",
              a.assigned_to AS "assignedTo", assignee.display_name AS "assigneeName",
              a.decision_note AS "decisionNote", a.submitted_at AS "submittedAt",
              a.decided_at AS "decidedAt", a.updated_at AS "updatedAt"
         FROM application a
         JOIN account filer ON filer.id = a.account_id
         LEFT JOIN organization o ON o.id = a.organization_id
         LEFT JOIN account assignee ON assignee.id = a.assigned_to
        WHERE a.id = $1 AND a.status <> 'draft'`,
      [id],
    );
    if (!row) return undefined;
    const attachments = await this.dataSource.query<AttachmentSummary[]>(
      `SELECT f.id, f.field, f.filename, f.size_bytes AS size, f.content_type AS "contentType",
              f.created_at AS "uploadedAt", f.scan_status AS "scanStatus",
              f.scan_signature AS "scanSignature"
         FROM application_attachment f
        WHERE f.application_id = $1
        ORDER BY f.created_at, f.id`,
      [id],
    );
    return { ...row, attachments };
  }
}

/**
 * The queue's SQL for some filters (exported so a test can EXPLAIN it).
 * `limit` rows from the cursor on, in the order they are read.
 */
export function queueQuery(
  filters: QueueFilters,
  staffId: string,
  cursor: QueueCursor | undefined,
  limit: number,
  options: { export?: boolean } = {},
): { sql: string; params: unknown[] } {
  const where = [`a.status <> 'draft'`];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filters.status) add((p) => `a.status = ${p}`, filters.status);
  if (filters.service) add((p) => `a.service_slug = ${p}`, filters.service);
  if (filters.variant) add((p) => `a.variant = ${p}`, filters.variant);
  switch (filters.assigned.kind) {
    case 'anyone':
      break;
    case 'unassigned':
      where.push('a.assigned_to IS NULL');
      break;
    case 'me':
      add((p) => `a.assigned_to = ${p} AND a.assigned_to IS NOT NULL`, staffId);
      break;
    case 'clerk':
      add((p) => `a.assigned_to = ${p} AND a.assigned_to IS NOT NULL`, filters.assigned.id);
      break;
  }
  if (filters.from)
    add(
      (p) => `a.submitted_at >= ((${p}::date)::timestamp AT TIME ZONE '${CITY_TIME_ZONE}')`,
      filters.from,
    );
  if (filters.to)
    add(
      (p) => `a.submitted_at < ((${p}::date + 1)::timestamp AT TIME ZONE '${CITY_TIME_ZONE}')`,
      filters.to,
    );
  // Reading towards older rows: newest-first going forward, or oldest-first going back.
  const backwards = cursor !== undefined && 'before' in cursor;
  const descending = (filters.sort === 'newest') !== backwards;
  const position = cursor
    ? parseKeysetCursor('after' in cursor ? cursor.after : cursor.before, 'uuid')
    : undefined;
  if (position) {
    params.push(position.at, position.id);
    where.push(
      `(a.submitted_at, a.id) ${descending ? '<' : '>'} ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
    );
  }
  params.push(limit);
  const direction = descending ? 'DESC' : 'ASC';
  return {
    sql: `SELECT a.id, a.reference, a.service_slug, a.service_revision, a.variant, a.status,
                 filer.display_name AS filer_name, o.legal_name AS organization_name,
                 a.assigned_to, assignee.display_name AS assignee_name, a.submitted_at,
                 to_char(a.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS submitted_key
                 ${options.export ? ', a.channel, a.decided_at, a.answers' : ''}
            FROM application a
            JOIN account filer ON filer.id = a.account_id
            LEFT JOIN organization o ON o.id = a.organization_id
            LEFT JOIN account assignee ON assignee.id = a.assigned_to
           WHERE ${where.join(' AND ')}
           ORDER BY a.submitted_at ${direction}, a.id ${direction}
           LIMIT $${params.length}`,
    params,
  };
}

function toRow(r: Record<string, unknown>): QueueRow {
  return {
    id: r.id as string,
    reference: r.reference as string,
    serviceSlug: r.service_slug as string,
    serviceRevision: r.service_revision as number,
    variant: r.variant as Audience,
    status: r.status as ApplicationStatus,
    filerName: r.filer_name as string,
    organizationName: (r.organization_name as string | null) ?? null,
    assignedTo: (r.assigned_to as string | null) ?? null,
    assigneeName: (r.assignee_name as string | null) ?? null,
    submittedAt: r.submitted_at as Date,
    position: keysetCursor({ at: r.submitted_key as string, id: r.id as string }),
  };
}
