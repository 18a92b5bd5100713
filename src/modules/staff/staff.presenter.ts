import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FieldError } from '../../platform/forms/form.js';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { isUuid } from '../../platform/http/uuid.js';
import { holdsRole, STAFF_ROLES, type StaffRole } from './staff-role.js';
import { StaffReadModel, type StaffMember } from './staff.read-model.js';

/** What the staff area's home page and the staff list show. */
@Injectable()
export class StaffPresenter {
  constructor(private readonly i18n: I18nService) {}

  /** The staff area's home page: the tools of each role the person holds, each once. */
  home(locale: Locale, roles: readonly StaffRole[]) {
    const seen = new Set<string>();
    const tools = STAFF_TOOLS.filter(
      (tool) => holdsRole(roles, tool.roles) && !seen.has(tool.href) && seen.add(tool.href),
    );
    return {
      pageTitle: this.i18n.t(locale, 'staff.home.title'),
      navActive: 'staff',
      staffNavActive: 'home',
      roleNames: this.roleNames(locale, roles),
      roleCount: roles.length,
      tools: tools.map((tool) => ({
        href: tool.href,
        label: this.i18n.t(locale, tool.label),
        description: this.i18n.t(locale, tool.description),
      })),
    };
  }

  /** "Clerk, Analyst": the roles' names in the page's language. */
  roleNames(locale: Locale, roles: readonly StaffRole[]): string {
    return new Intl.ListFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', { type: 'conjunction' }).format(
      roles.map((role) => this.i18n.t(locale, `staff.roles.${role}`)),
    );
  }

  /** The title of the page confirming a removal from staff. */
  confirmTitle(locale: Locale, name: string): string {
    return this.i18n.t(locale, 'staff.person.confirmTitle', { name });
  }

  /** A staff member's page: their roles (a form) and removing them from staff. */
  person(
    locale: Locale,
    member: StaffMember,
    form: { values: Record<string, unknown>; errors?: FieldError[] },
  ) {
    const typed = form.errors?.length ? form.values : undefined;
    return {
      ...form,
      navActive: 'staff',
      staffNavActive: 'people',
      member: {
        ...member,
        roleNames: this.roleNames(locale, member.roles),
        since: member.createdAt.toISOString().slice(0, 10),
        secondFactorSince:
          member.secondFactorSince && cityDateFormat(locale).format(member.secondFactorSince),
      },
      roles: STAFF_ROLES.map((role, index) => ({
        value: role,
        name: `role-${role}`,
        id: index === 0 ? 'roles' : `role-${role}`,
        label: this.i18n.t(locale, `staff.roles.${role}`),
        hint: this.i18n.t(locale, `staff.person.roleHints.${role}`),
        checked: typed ? typed[`role-${role}`] === 'yes' : member.roles.includes(role),
      })),
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
        roleNames: this.roleNames(locale, m.roles),
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

  /** The notice shown once on the staff list after a change. */
  notice(locale: Locale, notice: StaffNotice) {
    return this.i18n.t(locale, `staff.people.notices.${notice.kind}`, { name: notice.name });
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

  /** The list with an empty form, and the notice of a change just made, if any. */
  async blank(req: Request, res: Response, notice?: StaffNotice) {
    const locale = res.locals.locale as Locale;
    await this.show(req, res, 200, {
      values: {},
      added: notice ? this.presenter.notice(locale, notice) : undefined,
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

/** What the staff list says once after a change (`staff.people.notices.<kind>`). */
export interface StaffNotice {
  kind:
    'added' | 'addedInvited' | 'rolesChanged' | 'removed' | 'secondFactorReset' | 'noSecondFactor';
  name: string;
}

/** Each role's tools, as the staff home lists them (in this order, each once). */
const STAFF_TOOLS: { href: string; label: string; description: string; roles: StaffRole[] }[] = [
  {
    href: '/staff/applications',
    label: 'staffApplications.nav',
    description: 'staff.home.tools.applications',
    roles: ['clerk', 'admin'],
  },
  {
    href: '/staff/offline-applications',
    label: 'insights.offline.nav',
    description: 'staff.home.tools.offline',
    roles: ['clerk', 'admin'],
  },
  {
    href: '/staff/feedback',
    label: 'staffFeedback.nav',
    description: 'staff.home.tools.feedback',
    roles: ['admin', 'rollout-manager', 'clerk', 'analyst'],
  },
  {
    href: '/staff/faq',
    label: 'faq.nav',
    description: 'staff.home.tools.faq',
    roles: ['admin', 'rollout-manager', 'clerk'],
  },
  {
    href: '/staff/rollout',
    label: 'rollout.nav',
    description: 'staff.home.tools.rollout',
    roles: ['admin', 'rollout-manager', 'analyst'],
  },
  {
    href: '/staff/cohorts',
    label: 'cohorts.nav',
    description: 'staff.home.tools.cohorts',
    roles: ['admin', 'rollout-manager'],
  },
  {
    href: '/staff/acceptance',
    label: 'acceptance.nav',
    description: 'staff.home.tools.acceptance',
    roles: ['admin', 'rollout-manager', 'analyst'],
  },
  {
    href: '/staff/insights',
    label: 'insights.nav',
    description: 'staff.home.tools.insights',
    roles: ['admin', 'rollout-manager', 'analyst'],
  },
  {
    href: '/staff/services',
    label: 'studio.nav',
    description: 'staff.home.tools.studio',
    roles: ['admin', 'service-designer'],
  },
  {
    href: '/staff/people',
    label: 'staff.nav.people',
    description: 'staff.home.tools.people',
    roles: ['admin'],
  },
  {
    href: '/staff/verification',
    label: 'ownership.nav',
    description: 'staff.home.tools.verification',
    roles: ['admin'],
  },
  {
    href: '/staff/emails',
    label: 'staff.nav.emails',
    description: 'staff.home.tools.emails',
    roles: ['admin'],
  },
  {
    href: '/staff/audit',
    label: 'staff.nav.audit',
    description: 'staff.home.tools.audit',
    roles: ['admin'],
  },
];

/** A staff member's page (roles, removal), its form shown again after a refused post. */
@Injectable()
export class StaffPersonPage implements FormPageRenderer {
  constructor(
    private readonly i18n: I18nService,
    private readonly staff: StaffReadModel,
    private readonly presenter: StaffPresenter,
  ) {}

  async render(req: Request, res: Response, status: number, { values, errors }: FormState) {
    const accountId = String(req.params.accountId);
    const member = isUuid(accountId) ? await this.staff.member(accountId) : undefined;
    if (!member) throw new NotFoundException();
    const locale = res.locals.locale as Locale;
    const title = this.i18n.t(locale, 'staff.person.title', { name: member.displayName });
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'staff/person', title },
      status,
      this.presenter.person(locale, member, { values, errors }),
    );
  }
}
