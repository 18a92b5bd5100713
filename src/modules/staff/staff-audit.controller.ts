import { Controller, Get, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { StaffAuditPresenter } from './staff-audit.presenter.js';
import { StaffAuditService } from './staff-audit.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { CurrentStaff, StaffRoles, StaffRolesGuard, type StaffActor } from './staff-roles.guard.js';

/** The audit trail for admins: filters, newest first, 50 a page, and a CSV export. */
@Controller('staff')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin')
export class StaffAuditController {
  constructor(
    private readonly audit: StaffAuditService,
    private readonly presenter: StaffAuditPresenter,
  ) {}

  @Get('audit')
  async page(@Query() query: Record<string, unknown>, @Res() res: Response) {
    const search = await this.audit.search(query);
    res
      .status(this.presenter.status(search))
      .render('staff/audit', this.presenter.page(res.locals.locale as Locale, search));
  }

  @Get('audit.csv')
  async csv(
    @Query() query: Record<string, unknown>,
    @CurrentStaff() admin: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const exported = await this.audit.export(admin.accountId, query, origin);
    if (!exported.ok) {
      res.status(422).type('text/plain; charset=utf-8');
      return res.send(this.presenter.problemsText(res.locals.locale as Locale, exported));
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${this.presenter.csvFileName()}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(this.presenter.csv(exported.rows));
  }
}
