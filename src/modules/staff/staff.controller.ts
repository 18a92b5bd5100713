import { Body, Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByField, validateForm, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { ADD_STAFF_FIELDS, AddStaffDto } from './dto/add-staff.dto.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from './staff-roles.guard.js';
import { STAFF_ROLES, type StaffRole } from './staff-role.js';
import { StaffService } from './staff.service.js';
import { requestOrigin } from '../audit/request-origin.js';

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
    private readonly i18n: I18nService,
  ) {}

  @Get()
  home(@Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const role = res.locals.staffRole as StaffRole;
    res.render('staff/home', {
      pageTitle: this.i18n.t(locale, 'staff.home.title'),
      navActive: 'staff',
      staffNavActive: 'home',
      roleName: this.i18n.t(locale, `staff.roles.${role}`),
      isAdmin: role === 'admin',
    });
  }

  @Get('people')
  @StaffRoles('admin')
  async people(@Req() req: Request, @Res() res: Response) {
    const notice = req.session.staffNotice;
    if (notice) delete req.session.staffNotice;
    await this.renderPeople(req, res, 200, {
      values: {},
      added: notice
        ? this.i18n.t(
            res.locals.locale as Locale,
            notice.invited ? 'staff.people.addedInvited' : 'staff.people.added',
            { name: notice.name },
          )
        : undefined,
    });
  }

  @Post('people')
  @StaffRoles('admin')
  async add(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(AddStaffDto, body, ADD_STAFF_FIELDS, locale, this.i18n);
    const { value } = form;
    const values = { displayName: value.displayName, email: value.email, role: value.role };
    const errors = [...form.errors];
    if (!errors.some((e) => e.field === 'displayName') && !value.displayName.trim()) {
      errors.unshift({
        field: 'displayName',
        message: this.i18n.t(locale, 'staff.people.errors.nameRequired'),
      });
    }
    if (errors.length > 0) return this.renderPeople(req, res, 422, { values, errors });

    const result = await this.staff.add(
      req.session.accountId!,
      {
        displayName: value.displayName.trim(),
        email: value.email.trim(),
        role: value.role as StaffRole,
        preferredLocale: locale,
      },
      requestOrigin(req, res),
    );
    if (!result.ok) {
      const message = this.i18n.t(locale, 'staff.people.errors.alreadyStaff', {
        role: this.i18n.t(locale, `staff.roles.${result.role}`),
      });
      return this.renderPeople(req, res, 422, { values, errors: [{ field: 'email', message }] });
    }
    req.session.staffNotice = { name: value.displayName.trim(), invited: result.accountCreated };
    req.session.save(() => res.redirect(303, '/staff/people'));
  }

  private async renderPeople(
    req: Request,
    res: Response,
    status: number,
    data: { values: Record<string, unknown>; errors?: FieldError[]; added?: string },
  ) {
    const locale = res.locals.locale as Locale;
    const errors = data.errors ?? [];
    const members = (await this.staff.list()).map((m) => ({
      ...m,
      roleName: this.i18n.t(locale, `staff.roles.${m.role}`),
      since: m.createdAt.toISOString().slice(0, 10),
    }));
    res.status(status).render('staff/people', {
      ...data,
      pageTitle: this.i18n.t(locale, 'staff.people.title'),
      navActive: 'staff',
      staffNavActive: 'people',
      members,
      roles: STAFF_ROLES.map((role, index) => ({
        value: role,
        id: index === 0 ? 'role' : `role-${role}`,
        label: this.i18n.t(locale, `staff.roles.${role}`),
        checked: data.values.role === role,
      })),
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }
}
