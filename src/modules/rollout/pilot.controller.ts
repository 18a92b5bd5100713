import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { RateLimiter } from '../../platform/security/rate-limiter.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { requestOrigin } from '../audit/request-origin.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { CohortsReadModel } from './cohorts.read-model.js';
import {
  ACCEPT_INVITATION_FIELDS,
  AcceptInvitationDto,
  WITHDRAW_FIELDS,
  WithdrawDto,
} from './dto/pilot.dto.js';
import { TERMS_ACCEPTED, VOLUNTEER_FIELDS, VolunteerDto } from './dto/volunteer.dto.js';
import {
  PilotService,
  type InvitationGone,
  type OpenInvitation,
  type PilotProblem,
} from './pilot.service.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on /pilot after a change. */
    pilotNotice?: { key: string; values?: Record<string, string> };
    /** What the "you have joined" page confirms, once. */
    pilotJoined?: { cohortName: string; organization?: string };
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/**
 * The public side of the pilot programme: what it is and why SMEs go first,
 * volunteering an SME, the pilots one belongs to (and withdrawing from them),
 * and the invitation links the City sends. Thin: PilotService owns the rules.
 */
@Controller('pilot')
export class PilotController {
  constructor(
    private readonly pilot: PilotService,
    private readonly cohorts: CohortsReadModel,
    private readonly organizations: OrganizationService,
    private readonly limiter: RateLimiter,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async page(@CurrentActingAs() actingAs: ActingAs, @Req() req: Request, @Res() res: Response) {
    const notice = req.session.pilotNotice;
    if (notice) delete req.session.pilotNotice;
    await this.renderPage(req, res, actingAs, 200, {
      notice: notice
        ? this.i18n.t(res.locals.locale as Locale, notice.key, notice.values)
        : undefined,
    });
  }

  @Post('volunteer')
  async volunteer(
    @CurrentActingAs() actingAs: ActingAs,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = this.signedIn(res, '/pilot');
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const organization = actingAs.audience === 'business' ? actingAs.organization : undefined;
    if (!organization) return res.redirect(303, '/pilot');
    const form = await validateForm(VolunteerDto, body, VOLUNTEER_FIELDS, locale, this.i18n);
    const values = { message: form.value.message, terms: form.value.terms };
    if (form.errors.length > 0)
      return this.renderPage(req, res, actingAs, 422, { values, errors: form.errors });
    const limit = await this.limiter.take('pilot-volunteer:account', account.id);
    if (!limit.allowed) {
      res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      const minutes = Math.max(1, Math.ceil(limit.retryAfterSeconds / 60));
      return this.renderPage(req, res, actingAs, 429, {
        values,
        errors: [
          {
            field: 'message',
            message: this.i18n.t(locale, 'accounts.errors.tooMany', { minutes }),
          },
        ],
      });
    }
    const result = await this.pilot.volunteer(
      account,
      organization.id,
      form.value.message,
      form.value.terms === TERMS_ACCEPTED,
      requestOrigin(req, res),
    );
    if (!result.ok) {
      if (result.problem === 'not-owner') throw new ForbiddenException();
      const field = result.problem === 'terms-required' ? 'terms' : 'message';
      return this.renderPage(req, res, actingAs, 422, {
        values,
        errors: [{ field, message: this.problemMessage(result.problem, locale) }],
      });
    }
    req.session.pilotNotice = {
      key: 'pilot.notices.volunteered',
      values: { organization: organization.name },
    };
    req.session.save(() => res.redirect(303, '/pilot'));
  }

  @Get('joined')
  joined(@Req() req: Request, @Res() res: Response) {
    const joined = req.session.pilotJoined;
    if (!joined) return res.redirect(303, '/pilot');
    delete req.session.pilotJoined;
    const locale = res.locals.locale as Locale;
    res.render('pilot/joined', {
      pageTitle: this.i18n.t(locale, 'pilot.joined.title'),
      joined,
    });
  }

  @Get('cohorts/:cohortId/withdraw')
  async showWithdraw(
    @Param('cohortId') cohortId: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = this.signedIn(res, `/pilot/cohorts/${cohortId}/withdraw`);
    if (!account) return;
    const membership = await this.membership(actingAs, account, cohortId);
    this.renderWithdraw(req, res, 200, membership, {});
  }

  @Post('cohorts/:cohortId/withdraw')
  async withdraw(
    @Param('cohortId') cohortId: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = this.signedIn(res, `/pilot/cohorts/${cohortId}/withdraw`);
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const membership = await this.membership(actingAs, account, cohortId);
    const form = await validateForm(WithdrawDto, body, WITHDRAW_FIELDS, locale, this.i18n);
    if (form.errors.length > 0)
      return this.renderWithdraw(req, res, 422, membership, {
        values: { reason: form.value.reason },
        errors: form.errors,
      });
    const result = await this.pilot.withdraw(
      account,
      actingAs,
      cohortId,
      form.value.reason,
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, result.problem, undefined);
    req.session.pilotNotice = {
      key: 'pilot.notices.withdrawn',
      values: { cohort: result.cohortName },
    };
    req.session.save(() => res.redirect(303, '/pilot'));
  }

  @Get('invitations/:token')
  async invitation(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    const found = await this.pilot.invitation(token);
    if (found.state !== 'open') return this.gone(res, found.state);
    const account = res.locals.account as Account | undefined;
    const refused = account
      ? await this.pilot.refusedViewer(account, token, requestOrigin(req, res))
      : undefined;
    if (refused)
      return this.refuse(req, res, refused.problem, refused.gone, {
        token,
        invitation: found.invitation,
        values: {},
        invitedTo: refused.invitedTo,
      });
    await this.renderInvitation(req, res, 200, token, found.invitation, {});
  }

  @Post('invitations/:token/accept')
  async accept(
    @Param('token') token: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = this.signedIn(res, `/pilot/invitations/${token}`);
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const found = await this.pilot.invitation(token);
    if (found.state !== 'open') return this.gone(res, found.state);
    const invitation = found.invitation;
    const form = await validateForm(
      AcceptInvitationDto,
      body,
      ACCEPT_INVITATION_FIELDS,
      locale,
      this.i18n,
    );
    const values = { organizationId: form.value.organizationId, terms: form.value.terms };
    const errors: FieldError[] = [...form.errors];
    if (invitation.kind === 'business-email' && !form.value.organizationId)
      errors.unshift({
        field: 'organizationId',
        message: this.i18n.t(locale, 'pilot.errors.organizationRequired'),
      });
    if (errors.length > 0)
      return this.renderInvitation(req, res, 422, token, invitation, { values, errors });
    const result = await this.pilot.accept(
      account,
      token,
      {
        termsAccepted: form.value.terms === TERMS_ACCEPTED,
        organizationId:
          invitation.kind === 'business-email' ? form.value.organizationId : undefined,
      },
      requestOrigin(req, res),
    );
    if (!result.ok)
      return this.refuse(req, res, result.problem, result.gone, {
        token,
        invitation,
        values,
        invitedTo: result.invitedTo,
      });
    const organization =
      invitation.kind === 'organization'
        ? (invitation.legalName ?? undefined)
        : invitation.kind === 'business-email'
          ? (await this.organizations.membershipsOf(account.id)).find(
              (m) => m.id === form.value.organizationId,
            )?.legalName
          : undefined;
    req.session.pilotJoined = { cohortName: result.cohortName, organization };
    req.session.save(() => res.redirect(303, '/pilot/joined'));
  }

  @Post('invitations/:token/decline')
  async decline(@Param('token') token: string, @Req() req: Request, @Res() res: Response) {
    const account = this.signedIn(res, `/pilot/invitations/${token}`);
    if (!account) return;
    const found = await this.pilot.invitation(token);
    if (found.state !== 'open') return this.gone(res, found.state);
    const result = await this.pilot.decline(account, token, requestOrigin(req, res));
    if (!result.ok)
      return this.refuse(req, res, result.problem, result.gone, {
        token,
        invitation: found.invitation,
        values: {},
        invitedTo: result.invitedTo,
      });
    req.session.pilotNotice = {
      key: 'pilot.notices.declined',
      values: { cohort: found.invitation.cohortName },
    };
    req.session.save(() => res.redirect(303, '/pilot'));
  }

  // -------------------------------------------------------------------------

  /** Every refusal of the pilot pages, answered in one place. */
  private async refuse(
    req: Request,
    res: Response,
    problem: PilotProblem,
    gone: InvitationGone | undefined,
    context?: {
      token: string;
      invitation: OpenInvitation;
      values: Record<string, string>;
      invitedTo?: string;
    },
  ) {
    const locale = res.locals.locale as Locale;
    const formError = async (field: string) => {
      if (!context) throw new Error(`No form to show the refusal ${problem} on`);
      return this.renderInvitation(req, res, 422, context.token, context.invitation, {
        values: context.values,
        errors: [{ field, message: this.problemMessage(problem, locale) }],
      });
    };
    switch (problem) {
      case 'gone':
        return this.gone(res, gone ?? 'unknown');
      case 'not-found':
        throw new NotFoundException();
      case 'not-owner':
        return res.status(403).render('pilot/not-owner', {
          pageTitle: this.i18n.t(locale, 'pilot.notOwner.title'),
          organization: context?.invitation.legalName,
        });
      case 'not-addressee':
        return res.status(403).render('pilot/not-addressee', {
          pageTitle: this.i18n.t(locale, 'pilot.notAddressee.title'),
          cohortName: context?.invitation.cohortName,
          invitedTo: context?.invitedTo,
          account: res.locals.account as Account | undefined,
        });
      case 'terms-required':
        return formError('terms');
      case 'organization-required':
      case 'already-member':
        return formError('organizationId');
      case 'pending':
        throw new Error('A pending request is refused on the volunteer form');
      default:
        return assertUnreachable(problem);
    }
  }

  private problemMessage(problem: PilotProblem, locale: Locale): string {
    const key = {
      gone: 'pilot.errors.gone',
      'terms-required': 'pilot.errors.termsRequired',
      'organization-required': 'pilot.errors.organizationRequired',
      'not-owner': 'pilot.errors.notOwner',
      'already-member': 'pilot.errors.alreadyMember',
      pending: 'pilot.errors.pending',
      'not-found': 'pilot.errors.gone',
      'not-addressee': 'pilot.errors.notAddressee',
    }[problem];
    return this.i18n.t(locale, key);
  }

  private gone(res: Response, state: InvitationGone) {
    const locale = res.locals.locale as Locale;
    res.status(410).render('pilot/invitation-gone', {
      pageTitle: this.i18n.t(locale, `pilot.invitationGone.${state}.title`),
      state,
    });
  }

  /** The signed-in person, or undefined after answering with a redirect to sign in. */
  private signedIn(res: Response, returnTo: string): Account | undefined {
    const account = res.locals.account as Account | undefined;
    if (!account) res.redirect(303, `/sign-in?return=${encodeURIComponent(returnTo)}`);
    return account;
  }

  /** One of the pilots of whoever the person acts as (404 otherwise); an SME's, only for an owner (403). */
  private async membership(actingAs: ActingAs, account: Account, cohortId: string) {
    const membership = (await this.cohorts.pilotsOf(actingAs)).find((p) => p.cohortId === cohortId);
    if (!membership) throw new NotFoundException();
    if (
      actingAs.organization &&
      (await this.organizations.roleOf(account.id, actingAs.organization.id)) !== 'owner'
    )
      throw new ForbiddenException();
    return { ...membership, organization: actingAs.organization?.name };
  }

  private dateFormat(locale: Locale) {
    return cityDateFormat(locale);
  }

  private async renderPage(
    req: Request,
    res: Response,
    actingAs: ActingAs,
    status: number,
    data: { values?: Record<string, string>; errors?: FieldError[]; notice?: string },
  ) {
    const locale = res.locals.locale as Locale;
    const account = res.locals.account as Account | undefined;
    const date = this.dateFormat(locale);
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
      ...data,
      values: data.values ?? {},
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
      termsChecked: data.values?.terms === TERMS_ACCEPTED,
      // Only the query's value goes through a variable: Handlebars escapes "=" in attributes.
      pilotReturn: encodeURIComponent('/pilot'),
    });
  }

  private async renderInvitation(
    req: Request,
    res: Response,
    status: number,
    token: string,
    invitation: OpenInvitation,
    data: { values?: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    const account = res.locals.account as Account | undefined;
    const owned = account
      ? (await this.organizations.membershipsOf(account.id)).filter((m) => m.role === 'owner')
      : [];
    const chosen = data.values?.organizationId;
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
        ...data,
        values: data.values ?? {},
        invitation: {
          ...invitation,
          expires: this.dateFormat(locale).format(invitation.expiresAt),
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
        termsChecked: data.values?.terms === TERMS_ACCEPTED,
        signInReturn: encodeURIComponent(`/pilot/invitations/${token}`),
      },
    );
  }

  private renderWithdraw(
    req: Request,
    res: Response,
    status: number,
    membership: { cohortId: string; name: string; organization?: string },
    data: { values?: Record<string, string>; errors?: FieldError[] },
  ) {
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'pilot/withdraw', titleKey: 'pilot.withdraw.title' },
      status,
      {
        ...data,
        values: data.values ?? {},
        navActive: 'pilot',
        backLink: '/pilot',
        membership,
      },
    );
  }
}
