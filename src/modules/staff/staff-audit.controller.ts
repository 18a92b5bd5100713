import { Controller, Get, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByField, text, type FieldError } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { ExportAuditService } from '../audit/export-audit.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { csvLine } from './csv.js';
import {
  isCursor,
  isDay,
  StaffAuditReadModel,
  type AuditFilters,
  type AuditRow,
} from './staff-audit.read-model.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from './staff-roles.guard.js';

const FILTER_FIELDS = ['action', 'actorId', 'entityType', 'entityId', 'from', 'to'] as const;
const MAX_FILTER_LENGTH = 200;

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

/** The audit trail for admins: filters, newest first, 50 a page, and a CSV export. */
@Controller('staff')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin')
export class StaffAuditController {
  constructor(
    private readonly audit: StaffAuditReadModel,
    private readonly i18n: I18nService,
    private readonly exports: ExportAuditService,
  ) {}

  @Get('audit')
  async page(@Query() query: Record<string, unknown>, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const { filters, errors } = this.readFilters(query, locale);
    const cursor = text(query.after);
    if (cursor && !isCursor(cursor)) {
      errors.push({
        field: 'action',
        message: this.i18n.t(locale, 'staff.audit.errors.cursorInvalid'),
      });
    }
    const page = errors.length > 0 ? { rows: [] } : await this.audit.page(filters, cursor);
    const filterQuery = new URLSearchParams(
      Object.entries(filters).filter(([, v]) => v) as [string, string][],
    );
    const nextQuery = new URLSearchParams(filterQuery);
    if (page.next) nextQuery.set('after', page.next);
    res.status(errors.length > 0 ? 422 : 200).render('staff/audit', {
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
    });
  }

  @Get('audit.csv')
  async csv(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const { filters, errors } = this.readFilters(query, locale);
    if (errors.length > 0) {
      res.status(422).type('text/plain; charset=utf-8');
      return res.send(errors.map((e) => `${e.field}: ${e.message}`).join('\n'));
    }
    const rows = await this.audit.all(filters);
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="audit-${stamp}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    // A byte-order mark, so that spreadsheets read the accents as UTF-8.
    const body = ['\uFEFF', csvLine(CSV_HEADER)];
    for (const row of rows) {
      body.push(
        csvLine([
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
      );
    }
    await this.exports.exported(
      req.session.accountId!,
      {
        export: 'audit',
        entity: { type: 'audit_event' },
        filters: { ...filters },
        rows: rows.length,
      },
      requestOrigin(req, res),
    );
    res.send(body.join(''));
  }

  private readFilters(query: Record<string, unknown>, locale: Locale) {
    const filters: AuditFilters = {};
    const errors: FieldError[] = [];
    for (const field of FILTER_FIELDS) {
      const value = text(query[field]);
      filters[field] = value;
      if (value.length > MAX_FILTER_LENGTH) {
        errors.push({ field, message: this.i18n.t(locale, 'staff.audit.errors.tooLong') });
      } else if ((field === 'from' || field === 'to') && value && !isDay(value)) {
        errors.push({ field, message: this.i18n.t(locale, 'staff.audit.errors.dateInvalid') });
      }
    }
    if (
      filters.from &&
      filters.to &&
      isDay(filters.from) &&
      isDay(filters.to) &&
      filters.to < filters.from
    ) {
      errors.push({ field: 'to', message: this.i18n.t(locale, 'staff.audit.errors.toBeforeFrom') });
    }
    return { filters, errors };
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
