import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FieldError } from '../../platform/forms/form.js';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { CohortsReadModel } from './cohorts.read-model.js';
import { TERMS_ACCEPTED } from './dto/volunteer.dto.js';
import { PilotService, type InvitationGone } from './pilot.service.js';

/** The signed-in person (pages behind `@SignedIn` have one). */
const accountOf = (res: Response) => res.locals.account as Account | undefined;

/**
 * The pilot programme's page (/pilot): what it is, the pilots one belongs to,
 * and the form an SME's owner volunteers it with. Also the page a refused
 * volunteer request goes back to; an SME's request by someone who does not
 * own it is a plain 403.
 */
@Injectable()
export class PilotPagePresenter implements FormPageRenderer {
  constructor(
    private readonly cohorts: CohortsReadModel,
    private readonly organizations: OrganizationService,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState & { notice?: string }) {
    if (form.refusal?.status === 403) throw new ForbiddenException();
    const actingAs = res.locals.actingAs as ActingAs;
    const locale = res.locals.locale as Locale;
    const account = accountOf(res);
    const date = cityDateFormat(locale);
    const organization = actingAs.audience === 'business' ? actingAs.organization : undefined;
    const isOwner =
      account && organization
        ? (await this.organizations.roleOf(account.id, organization.id)) === 'owner'
        : false;
    const pilots = account ? await this.cohorts.pilotsOf(actingAs) : [];
    const pending = organization
      ? await this.cohorts.pendingVolunteerOf(organization.id)
      : undefined;
    renderForm(req, res, this.i18n, { view: 'pilot/index', titleKey: 'pilot.title' }, status, {
      values: form.values,
      errors: form.errors,
      notice: form.notice,
      navActive: 'pilot',
      signedIn: Boolean(account),
      organization,
      isOwner,
      canWithdraw: Boolean(account) && (!organization || isOwner),
      pilots: pilots.map((p) => ({
        ...p,
        joined: p.joinedAt ? date.format(p.joinedAt) : undefined,
      })),
      pending: pending ? { requested: date.format(pending.createdAt) } : undefined,
      termsChecked: form.values.terms === TERMS_ACCEPTED,
      // Only the query's value goes through a variable: Handlebars escapes "=" in attributes.
      pilotReturn: encodeURIComponent('/pilot'),
    });
  }
}

/**
 * An invitation link's page (/pilot/invitations/:token): the invitation and its
 * answer form; the page of a link that no longer works (410); the 403 pages of
 * an SME's invitation answered by someone who does not own it, and of an
 * invitation sent to someone else's address.
 */
@Injectable()
export class PilotInvitationPresenter implements FormPageRenderer {
  constructor(
    private readonly pilot: PilotService,
    private readonly organizations: OrganizationService,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    const locale = res.locals.locale as Locale;
    const token = String(req.params.token);
    const refusal = form.refusal;
    const params = refusal?.details.params ?? {};
    if (refusal?.code === 'gone') return this.gone(res, params.state as InvitationGone);
    if (refusal?.code === 'not-found') throw new NotFoundException();
    const found = await this.pilot.invitation(token);
    if (found.state !== 'open') return this.gone(res, found.state);
    const invitation = found.invitation;
    const account = accountOf(res);
    if (refusal?.code === 'not-owner')
      return res.status(403).render('pilot/not-owner', {
        pageTitle: this.i18n.t(locale, 'pilot.notOwner.title'),
        organization: invitation.legalName,
      });
    if (refusal?.code === 'not-addressee')
      return res.status(403).render('pilot/not-addressee', {
        pageTitle: this.i18n.t(locale, 'pilot.notAddressee.title'),
        cohortName: invitation.cohortName,
        invitedTo: params.invitedTo,
        account,
      });
    const errors: FieldError[] = [...form.errors];
    // An invalid form to an address invited to a business cohort also says which SME is missing.
    if (
      !refusal &&
      errors.length > 0 &&
      invitation.kind === 'business-email' &&
      !form.values.organizationId
    )
      errors.unshift({
        field: 'organizationId',
        message: this.i18n.t(locale, 'pilot.errors.organizationRequired'),
      });
    const owned = account
      ? (await this.organizations.membershipsOf(account.id)).filter((m) => m.role === 'owner')
      : [];
    const chosen = form.values.organizationId;
    const isOwner =
      invitation.kind === 'organization' && invitation.organizationId
        ? owned.some((m) => m.id === invitation.organizationId)
        : true;
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'pilot/invitation', titleKey: 'pilot.invitation.title' },
      status,
      {
        values: form.values,
        errors,
        invitation: {
          ...invitation,
          expires: cityDateFormat(locale).format(invitation.expiresAt),
          isOrganization: invitation.kind === 'organization',
          isBusinessEmail: invitation.kind === 'business-email',
          isTester: invitation.kind === 'tester',
        },
        action: `/pilot/invitations/${encodeURIComponent(token)}`,
        signedIn: Boolean(account),
        account,
        isOwner,
        owned: owned.map((m, i) => ({
          id: i === 0 ? 'organizationId' : `organizationId-${m.id}`,
          value: m.id,
          label: m.legalName,
          checked: chosen === m.id,
        })),
        canAccept:
          Boolean(account) &&
          (invitation.kind === 'organization'
            ? isOwner
            : invitation.kind === 'business-email'
              ? owned.length > 0
              : true),
        termsChecked: form.values.terms === TERMS_ACCEPTED,
        signInReturn: encodeURIComponent(`/pilot/invitations/${token}`),
      },
    );
  }

  private gone(res: Response, state: InvitationGone) {
    const locale = res.locals.locale as Locale;
    res.status(410).render('pilot/invitation-gone', {
      pageTitle: this.i18n.t(locale, `pilot.invitationGone.${state}.title`),
      state,
    });
  }
}

/** Leaving a pilot (/pilot/cohorts/:cohortId/withdraw): only one's own, an SME's by an owner. */
@Injectable()
export class PilotWithdrawPresenter implements FormPageRenderer {
  constructor(
    private readonly pilot: PilotService,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (form.refusal?.code === 'not-owner')
      return res.status(403).render('pilot/not-owner', {
        pageTitle: this.i18n.t(res.locals.locale as Locale, 'pilot.notOwner.title'),
      });
    if (form.refusal?.code === 'not-found') throw new NotFoundException();
    const actingAs = res.locals.actingAs as ActingAs;
    const membership = await this.pilot.withdrawable(
      accountOf(res)!,
      actingAs,
      String(req.params.cohortId),
    );
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'pilot/withdraw', titleKey: 'pilot.withdraw.title' },
      status,
      {
        values: form.values,
        errors: form.errors,
        navActive: 'pilot',
        backLink: '/pilot',
        membership,
      },
    );
  }
}
