import { Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { csrfToken } from '../../platform/http/sessions.js';
import { SecondFactorService } from './second-factor/second-factor.service.js';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { ADD_STAFF_FIELDS, AddStaffDto } from './dto/add-staff.dto.js';
import { STAFF_ROLES_FIELDS, StaffRolesDto, tickedRoles } from './dto/staff-roles.dto.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  RecentSignIn,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from './staff-roles.guard.js';
import type { StaffRole } from './staff-role.js';
import {
  StaffPeoplePage,
  StaffPersonPage,
  StaffPresenter,
  type StaffNotice,
} from './staff.presenter.js';
import { StaffService } from './staff.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the staff list after a change. */
    staffNotice?: StaffNotice;
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
    private readonly personPage: StaffPersonPage,
    private readonly secondFactors: SecondFactorService,
  ) {}

  @Get()
  home(@CurrentStaff() actor: StaffActor, @Res() res: Response) {
    res.render('staff/home', this.presenter.home(res.locals.locale as Locale, actor.roles));
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
  @RecentSignIn('/staff/people')
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
    this.backToList(req, res, {
      kind: added.accountCreated ? 'addedInvited' : 'added',
      name: added.displayName,
    });
  }

  @Get('people/:accountId')
  @StaffRoles('admin')
  async person(@Req() req: Request, @Res() res: Response) {
    await this.personPage.render(req, res, 200, { values: {}, errors: [] });
  }

  /** The roles ticked (`role-<role>` = yes); none is refused (removing is the other button). */
  @Post('people/:accountId/roles')
  @StaffRoles('admin')
  @RecentSignIn('/staff/people/:accountId')
  @FormPage(StaffPersonPage, { field: 'roles' })
  async changeRoles(
    @CurrentStaff() admin: StaffActor,
    @Param('accountId') accountId: string,
    @FormBody(StaffRolesDto, STAFF_ROLES_FIELDS) form: StaffRolesDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const roles = tickedRoles(form);
    const changed = await this.staff.changeRoles(admin.accountId, accountId, roles, origin);
    this.backToList(req, res, { kind: 'rolesChanged', name: changed.displayName });
  }

  /** Removing someone ends their sessions at once: a page to confirm it first. */
  @Get('people/:accountId/remove')
  @StaffRoles('admin')
  async confirmRemoval(
    @Param('accountId') accountId: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const member = await this.staff.memberOrRefuse(accountId);
    const locale = res.locals.locale as Locale;
    res.render('staff/remove', {
      ...this.presenter.person(locale, member, { values: {} }),
      pageTitle: this.presenter.confirmTitle(locale, member.displayName),
      csrfToken: csrfToken(req),
    });
  }

  @Post('people/:accountId/remove')
  @StaffRoles('admin')
  @RecentSignIn('/staff/people/:accountId')
  @FormPage(StaffPersonPage, { field: 'roles' })
  async remove(
    @CurrentStaff() admin: StaffActor,
    @Param('accountId') accountId: string,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const removed = await this.staff.remove(admin.accountId, accountId, origin);
    this.backToList(req, res, { kind: 'removed', name: removed.displayName });
  }

  /** An admin resets someone's lost second factor: they enrol again at their next sign-in. */
  @Post('people/:accountId/second-factor/reset')
  @StaffRoles('admin')
  @RecentSignIn('/staff/people/:accountId')
  @FormPage(StaffPersonPage, { field: 'reset-second-factor' })
  async resetSecondFactor(
    @CurrentStaff() admin: StaffActor,
    @Param('accountId') accountId: string,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const reset = await this.secondFactors.reset(admin.accountId, accountId, origin);
    this.backToList(req, res, {
      kind: reset.done ? 'secondFactorReset' : 'noSecondFactor',
      name: reset.displayName,
    });
  }

  /**
   * To the staff list with a notice. An admin who took a role from themselves
   * has no session any more: they land on the sign-in page instead.
   */
  private backToList(req: Request, res: Response, notice: StaffNotice) {
    req.session.staffNotice = notice;
    req.session.save(() => res.redirect(303, '/staff/people'));
  }
}
