import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Audience } from '../../platform/flags/flag-context.js';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import {
  OFFLINE_COUNT_FIELDS,
  OfflineCountDto,
  type OfflineChannel,
} from './dto/offline-count.dto.js';
import { OfflineApplicationsPage } from './offline-applications.page.js';
import { OfflineApplicationsService, type OfflineCount } from './offline-applications.service.js';

declare module 'express-session' {
  interface SessionData {
    /** The count just recorded, confirmed once on the page. */
    offlineRecorded?: OfflineCount;
  }
}

/**
 * Applications received outside the portal (`/staff/offline-applications`,
 * issue 16): clerks (and admins) record how many a service took by phone or
 * at the counter each day, which the insights and `/performance` set against
 * those filed online (digital take-up).
 */
@Controller('staff/offline-applications')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin', 'clerk')
export class OfflineApplicationsController {
  constructor(
    private readonly counts: OfflineApplicationsService,
    private readonly page: OfflineApplicationsPage,
  ) {}

  @Get()
  async show(@Req() req: Request, @Res() res: Response) {
    const recorded = req.session.offlineRecorded;
    if (recorded) delete req.session.offlineRecorded;
    await this.page.blank(req, res, recorded);
  }

  @Post()
  @FormPage(OfflineApplicationsPage, { field: 'service' })
  async record(
    @CurrentStaff() clerk: StaffActor,
    @FormBody(OfflineCountDto, OFFLINE_COUNT_FIELDS) form: OfflineCountDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const count: OfflineCount = {
      service: form.service,
      audience: form.audience as Audience,
      channel: form.channel as OfflineChannel,
      day: form.day,
      applications: Number(form.applications),
    };
    await this.counts.record(clerk.accountId, count, origin);
    req.session.offlineRecorded = count;
    req.session.save(() => res.redirect(303, '/staff/offline-applications'));
  }
}
