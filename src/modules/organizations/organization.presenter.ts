import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormState } from '../../platform/forms/form-page.js';
import { csrfToken } from '../../platform/http/sessions.js';
import type { FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import type { Role } from './dto/invitation.dto.js';
import { normalizeNeq } from './dto/organization.dto.js';
import { NAICS_SECTORS } from './naics-sectors.js';
import type {
  Membership,
  OpenInvitation,
  Organization,
  OrganizationView,
} from './organization.service.js';
import { intlLocale } from '../../platform/i18n/intl-locale.js';

/** The view models of "My businesses": the list, the registration form, an SME's page. */
@Injectable()
export class OrganizationPresenter {
  constructor(private readonly i18n: I18nService) {}

  list(res: Response, memberships: Membership[]) {
    const locale = res.locals.locale as Locale;
    res.render('organizations/list', {
      pageTitle: this.i18n.t(locale, 'organizations.list.title'),
      navActive: 'organizations',
      memberships: memberships.map((m) => ({
        ...m,
        roleLabel: this.i18n.t(locale, `organizations.roles.${m.role}`),
      })),
    });
  }

  /** The message of a registered NEQ, beside the NEQ field. */
  neqTaken(locale: Locale): FieldError {
    return { field: 'neq', message: this.i18n.t(locale, 'organizations.errors.neqTaken') };
  }

  /** The registration form; a registered NEQ links to asking staff to review who owns it (ADR 0014). */
  renderNew(
    req: Request,
    res: Response,
    status: number,
    data: { values?: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    const chosen = data.values?.naicsCode;
    const takenNeq = data.errors?.some((e) => e.message === this.neqTaken(locale).message)
      ? normalizeNeq(data.values?.neq ?? '')
      : undefined;
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'organizations/new', titleKey: 'organizations.new.title' },
      status,
      {
        ...data,
        values: data.values ?? {},
        navActive: 'organizations',
        reviewLink: takenNeq ? `/organizations/claims/new?neq=${takenNeq}` : undefined,
        sectors: NAICS_SECTORS.map((s) => ({
          code: s.code,
          name: s.name[locale],
          selected: s.code === chosen,
        })),
      },
    );
  }

  /**
   * "Change the SME's details": its legal name and NEQ shown, not editable
   * (with how to have them corrected), and the form of its other details.
   */
  renderEdit(
    req: Request,
    res: Response,
    status: number,
    organization: Organization,
    data: { values: Record<string, string>; errors: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    renderForm(
      req,
      res,
      this.i18n,
      {
        view: 'organizations/edit',
        title: this.i18n.t(locale, 'organizations.edit.title', {
          organization: organization.legalName,
        }),
      },
      status,
      {
        ...data,
        navActive: 'organizations',
        organization,
        sectors: NAICS_SECTORS.map((s) => ({
          code: s.code,
          name: s.name[locale],
          selected: s.code === data.values.naicsCode,
        })),
      },
    );
  }

  /**
   * An SME's page as one of its members sees it: members, pending invitations,
   * and for owners the forms to invite and manage members. `values` fill the
   * invitation form (by default, inviting a member).
   */
  renderShow(
    req: Request,
    res: Response,
    status: number,
    view: OrganizationView,
    account: Account,
    data: Partial<FormState>,
  ) {
    const locale = res.locals.locale as Locale;
    const date = new Intl.DateTimeFormat(intlLocale(locale), {
      dateStyle: 'long',
      timeZone: 'America/Toronto',
    });
    const sector = NAICS_SECTORS.find((s) => s.code === view.organization.naicsCode);
    const roleLabel = (role: Role) => this.i18n.t(locale, `organizations.roles.${role}`);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'organizations/show', title: view.organization.legalName },
      status,
      {
        ...data,
        values: data.values ?? { role: 'member' },
        navActive: 'organizations',
        organization: view.organization,
        sectorName: sector
          ? `${sector.name[locale]} (${sector.code})`
          : view.organization.naicsCode,
        isOwner: view.role === 'owner',
        roleLabel: roleLabel(view.role),
        members: view.members.map((m) => ({
          ...m,
          roleLabel: roleLabel(m.role),
          isOwner: m.role === 'owner',
          isSelf: m.accountId === account.id,
        })),
        invitations: view.invitations.map((i) => ({
          ...i,
          roleLabel: roleLabel(i.role),
          expires: date.format(i.expiresAt),
        })),
        invited: req.query.invited === '1' && status === 200,
        detailsSaved: req.query.saved === '1' && status === 200,
      },
    );
  }

  /** 403: a member who is not an owner tried an owner's action; the page names the SME. */
  forbidden(res: Response, organization: { id: string; legalName: string }) {
    res.status(403).render('organizations/forbidden', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'organizations.forbidden.title'),
      organization,
    });
  }

  /** An invitation's page: the SME, the role, and the button (or the way to sign in first). */
  invitation(
    req: Request,
    res: Response,
    invitation: OpenInvitation,
    token: string,
    account: Account | undefined,
  ) {
    const locale = res.locals.locale as Locale;
    res.render('organizations/invitation', {
      pageTitle: this.i18n.t(locale, 'organizations.invitation.title'),
      invitation,
      roleLabel: this.i18n.t(locale, `organizations.roles.${invitation.role}`),
      token,
      signedIn: Boolean(account),
      account,
      signInReturn: encodeURIComponent(`/invitations/accept?token=${token}`),
      csrfToken: csrfToken(req),
    });
  }

  /** 410: the link was used, expired or never existed. */
  invitationGone(res: Response) {
    res.status(410).render('organizations/invitation-gone', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'organizations.invitationGone.title'),
    });
  }

  /** 403: the invitation was sent to another address (masked); what to do. */
  invitationNotAddressee(res: Response, legalName: string, invitedTo: string) {
    res.status(403).render('organizations/invitation-not-addressee', {
      pageTitle: this.i18n.t(
        res.locals.locale as Locale,
        'organizations.invitationNotAddressee.title',
      ),
      legalName,
      invitedTo,
      account: res.locals.account as Account | undefined,
    });
  }
}
