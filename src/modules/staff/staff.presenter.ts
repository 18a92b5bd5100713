import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FieldError } from '../../platform/forms/form.js';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { STAFF_ROLES, type StaffRole } from './staff-role.js';
import { StaffReadModel, type StaffMember } from './staff.read-model.js';

/** What the staff area's home page and the staff list show. */
@Injectable()
export class StaffPresenter {
  constructor(private readonly i18n: I18nService) {}

  /** The staff area's home page, for a staff member with `role`. */
  home(locale: Locale, role: StaffRole) {
    return {
      pageTitle: this.i18n.t(locale, 'staff.home.title'),
      navActive: 'staff',
      staffNavActive: 'home',
      roleName: this.i18n.t(locale, `staff.roles.${role}`),
      isAdmin: role === 'admin',
    };
  }

  /** The staff list and the "add a staff member" form (what was typed, its errors). */
  people(
    locale: Locale,
    members: StaffMember[],
    form: { values: Record<string, unknown>; errors?: FieldError[]; added?: string },
  ) {
    return {
      ...form,
      navActive: 'staff',
      staffNavActive: 'people',
      members: members.map((m) => ({
        ...m,
        roleName: this.i18n.t(locale, `staff.roles.${m.role}`),
        since: m.createdAt.toISOString().slice(0, 10),
      })),
      roles: STAFF_ROLES.map((role, index) => ({
        value: role,
        id: index === 0 ? 'role' : `role-${role}`,
        label: this.i18n.t(locale, `staff.roles.${role}`),
        checked: form.values.role === role,
      })),
    };
  }

  /** The notice shown once after someone was added. */
  added(locale: Locale, notice: { name: string; invited: boolean }) {
    return this.i18n.t(
      locale,
      notice.invited ? 'staff.people.addedInvited' : 'staff.people.added',
      {
        name: notice.name,
      },
    );
  }
}

const PEOPLE = { view: 'staff/people', titleKey: 'staff.people.title' };

/** The staff list page, its form shown again after a refused post (`@FormPage`). */
@Injectable()
export class StaffPeoplePage implements FormPageRenderer {
  constructor(
    private readonly i18n: I18nService,
    private readonly staff: StaffReadModel,
    private readonly presenter: StaffPresenter,
  ) {}

  /** The list with an empty form, and the notice of someone just added, if any. */
  async blank(req: Request, res: Response, notice?: { name: string; invited: boolean }) {
    const locale = res.locals.locale as Locale;
    await this.show(req, res, 200, {
      values: {},
      added: notice ? this.presenter.added(locale, notice) : undefined,
    });
  }

  async render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    await this.show(req, res, status, {
      values: { displayName: values.displayName, email: values.email, role: values.role },
      errors,
    });
  }

  private async show(
    req: Request,
    res: Response,
    status: number,
    form: { values: Record<string, unknown>; errors?: FieldError[]; added?: string },
  ) {
    const locale = res.locals.locale as Locale;
    const model = this.presenter.people(locale, await this.staff.list(), form);
    renderForm(req, res, this.i18n, PEOPLE, status, model);
  }
}
