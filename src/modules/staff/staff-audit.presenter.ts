import { Injectable } from '@nestjs/common';
import { errorsByField, translateProblems } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { exportCsv } from '../../platform/csv/write-csv.js';
import type { AuditRow } from './staff-audit.read-model.js';
import type { AuditSearch } from './staff-audit.service.js';

const CSV_HEADER = [
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_name',
  'acting_as',
  'action',
  'entity_type',
  'entity_id',
  'before',
  'after',
  'ip',
  'request_id',
];

/** What the audit log page and its CSV export show. */
@Injectable()
export class StaffAuditPresenter {
  constructor(private readonly i18n: I18nService) {}

  /** The page's status: 400 for an edited paging link, 422 for filters to fix. */
  status(search: AuditSearch): number {
    return search.badCursor ? 400 : search.problems.length > 0 ? 422 : 200;
  }

  page(locale: Locale, search: AuditSearch) {
    const { filters, cursor, page } = search;
    const errors = translateProblems(search.problems, locale, this.i18n);
    const filterQuery = new URLSearchParams(
      Object.entries(filters).filter(([, v]) => v) as [string, string][],
    );
    const nextQuery = new URLSearchParams(filterQuery);
    if (page.next) nextQuery.set('after', page.next);
    return {
      pageTitle: this.i18n.t(locale, 'staff.audit.title'),
      navActive: 'staff',
      staffNavActive: 'audit',
      values: filters,
      rows: page.rows.map((row) => this.display(row)),
      searched: errors.length === 0,
      csvHref: `/staff/audit.csv${filterQuery.size > 0 ? `?${filterQuery}` : ''}`,
      nextHref: page.next ? `/staff/audit?${nextQuery}` : undefined,
      newestHref: cursor
        ? `/staff/audit${filterQuery.size > 0 ? `?${filterQuery}` : ''}`
        : undefined,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
    };
  }

  /** The filters' problems as plain text, one a line (the CSV link answers 422 with it). */
  problemsText(locale: Locale, search: Pick<AuditSearch, 'problems'>): string {
    return translateProblems(search.problems, locale, this.i18n)
      .map((e) => `${e.field}: ${e.message}`)
      .join('\n');
  }

  /** The export's file name, stamped with the time (UTC). */
  csvFileName(now = new Date()): string {
    const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    return `audit-${stamp}.csv`;
  }

  /** The export's body, with a byte-order mark so that spreadsheets read the accents as UTF-8. */
  csv(rows: AuditRow[]): string {
    return exportCsv(
      [
        CSV_HEADER,
        ...rows.map((row) => [
          row.occurredAt,
          row.actorType,
          row.actorId,
          row.actorName,
          row.actingAs,
          row.action,
          row.entityType,
          row.entityId,
          row.before,
          row.after,
          row.ip,
          row.requestId,
        ]),
      ],
      { bom: true },
    );
  }

  private display(row: AuditRow) {
    const json = (value: unknown) => (value === null ? '' : JSON.stringify(value, null, 2));
    return {
      ...row,
      time: row.occurredAt.replace('T', ' ').slice(0, 19),
      actingAsText: json(row.actingAs),
      beforeText: json(row.before),
      afterText: json(row.after),
    };
  }
}
