import {
  Controller,
  Get,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { StaffEmailsPresenter } from './staff-emails.presenter.js';
import { StaffEmailsService } from './staff-emails.service.js';
import { CurrentStaff, StaffRoles, StaffRolesGuard, type StaffActor } from './staff-roles.guard.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the failed emails page after a retry. */
    emailsNotice?: { id: string; recipient: string };
  }
}

/** Failed emails, for admins: the list (50 a page, newest failure first) and "Retry". */
@Controller('staff')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin')
export class StaffEmailsController {
  constructor(
    private readonly emails: StaffEmailsService,
    private readonly presenter: StaffEmailsPresenter,
  ) {}

  @Get('emails')
  async page(
    @Query() query: Record<string, unknown>,
    @CurrentStaff() admin: StaffActor,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const notice = req.session.emailsNotice;
    if (notice) delete req.session.emailsNotice;
    const search = await this.emails.search(admin, query);
    res
      .status(this.presenter.status(search))
      .render('staff/emails', this.presenter.page(res.locals.locale as Locale, search, notice));
  }

  @Post('emails/:id/retry')
  async retry(
    @Param('id') id: string,
    @CurrentStaff() admin: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const retried = await this.emails.retry(admin, id, origin);
    req.session.emailsNotice = { id: retried.id, recipient: retried.recipient };
    req.session.save(() => res.redirect(303, '/staff/emails'));
  }
}
