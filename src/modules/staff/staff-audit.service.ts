import { Injectable } from '@nestjs/common';
import type { FieldProblem } from '../../platform/forms/form.js';
import { text } from '../../platform/forms/form.js';
import { ExportAuditService } from '../audit/export-audit.service.js';
import type { RequestOrigin } from '../audit/request-origin.js';
import {
  isCursor,
  isDay,
  StaffAuditReadModel,
  type AuditFilters,
  type AuditPage,
  type AuditRow,
} from './staff-audit.read-model.js';

const FILTER_FIELDS = ['action', 'actorId', 'entityType', 'entityId', 'from', 'to'] as const;
const MAX_FILTER_LENGTH = 200;

/** The audit log's filters as typed, with their problems (messages are catalog keys). */
export interface AuditQuery {
  filters: AuditFilters;
  problems: FieldProblem[];
}

/** One page of the audit log, or why the query cannot be run. */
export interface AuditSearch extends AuditQuery {
  cursor: string;
  /** A paging link someone edited: the request is wrong, not the filters typed (400). */
  badCursor: boolean;
  page: AuditPage;
}

/**
 * The audit trail for admins (the guard lets only them in): the filters'
 * checks, a page of events, and the CSV export, itself audited.
 */
@Injectable()
export class StaffAuditService {
  constructor(
    private readonly audit: StaffAuditReadModel,
    private readonly exports: ExportAuditService,
  ) {}

  /** Each filter as text, at most 200 characters; dates are days, "to" not before "from". */
  readFilters(query: Record<string, unknown>): AuditQuery {
    const filters: AuditFilters = {};
    const problems: FieldProblem[] = [];
    for (const field of FILTER_FIELDS) {
      const value = text(query[field]);
      filters[field] = value;
      if (value.length > MAX_FILTER_LENGTH)
        problems.push({ field, message: 'staff.audit.errors.tooLong' });
      else if ((field === 'from' || field === 'to') && value && !isDay(value))
        problems.push({ field, message: 'staff.audit.errors.dateInvalid' });
    }
    if (
      filters.from &&
      filters.to &&
      isDay(filters.from) &&
      isDay(filters.to) &&
      filters.to < filters.from
    )
      problems.push({ field: 'to', message: 'staff.audit.errors.toBeforeFrom' });
    return { filters, problems };
  }

  /** A page of events, newest first, from the cursor of a "next" link (`after`). */
  async search(query: Record<string, unknown>): Promise<AuditSearch> {
    const { filters, problems } = this.readFilters(query);
    const cursor = text(query.after);
    const badCursor = cursor !== '' && !isCursor(cursor);
    if (badCursor) problems.push({ field: 'action', message: 'staff.audit.errors.cursorInvalid' });
    const page = problems.length > 0 ? { rows: [] } : await this.audit.page(filters, cursor);
    return { filters, problems, cursor, badCursor, page };
  }

  /**
   * Every event the filters match, for the CSV export, and its audit event
   * (who exported what, how many rows) written before the file is sent.
   */
  async export(
    adminId: string,
    query: Record<string, unknown>,
    origin: RequestOrigin,
  ): Promise<{ ok: true; rows: AuditRow[] } | ({ ok: false } & AuditQuery)> {
    const { filters, problems } = this.readFilters(query);
    if (problems.length > 0) return { ok: false, filters, problems };
    const rows = await this.audit.all(filters);
    await this.exports.exported(
      adminId,
      {
        export: 'audit',
        entity: { type: 'audit_event' },
        filters: { ...filters },
        rows: rows.length,
      },
      origin,
    );
    return { ok: true, rows };
  }
}
