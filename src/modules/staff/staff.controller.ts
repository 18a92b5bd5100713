import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { ADD_STAFF_FIELDS, AddStaffDto } from './dto/add-staff.dto.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { CurrentStaff, StaffRoles, StaffRolesGuard, type StaffActor } from './staff-roles.guard.js';
import type { StaffRole } from './staff-role.js';
import { StaffPeoplePage, StaffPresenter } from './staff.presenter.js';
import { StaffService } from './staff.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the staff list after adding someone. */
    staffNotice?: { name: string; invited: boolean };
  }
}

/** The staff area's home page, and who is staff (admins). */
@Controller('staff')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
export class StaffController {
  constructor(
    private readonly staff: StaffService,
    private readonly presenter: StaffPresenter,
    private readonly peoplePage: StaffPeoplePage,
  ) {}

  @Get()
  home(@CurrentStaff() actor: StaffActor, @Res() res: Response) {
    res.render('staff/home', this.presenter.home(res.locals.locale as Locale, actor.role));
  }

  @Get('people')
  @StaffRoles('admin')
  async people(@Req() req: Request, @Res() res: Response) {
    const notice = req.session.staffNotice;
    if (notice) delete req.session.staffNotice;
    await this.peoplePage.blank(req, res, notice);
  }

  @Post('people')
  @StaffRoles('admin')
  @FormPage(StaffPeoplePage, { field: 'email' })
  async add(
    @CurrentStaff() admin: StaffActor,
    @FormBody(AddStaffDto, ADD_STAFF_FIELDS) form: AddStaffDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    // The new person's emails are in the language of the admin's page.
    const preferredLocale = res.locals.locale as Locale;
    const added = await this.staff.add(
      admin.accountId,
      { ...form, role: form.role as StaffRole, preferredLocale },
      origin,
    );
    req.session.staffNotice = { name: added.displayName, invited: added.accountCreated };
    req.session.save(() => res.redirect(303, '/staff/people'));
  }
}
