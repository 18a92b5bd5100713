import { Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { SignedIn } from '../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import {
  ACCEPT_INVITATION_FIELDS,
  AcceptInvitationDto,
  WITHDRAW_FIELDS,
  WithdrawDto,
} from './dto/pilot.dto.js';
import { TERMS_ACCEPTED, VOLUNTEER_FIELDS, VolunteerDto } from './dto/volunteer.dto.js';
import { ActingForSme } from './acting-for-sme.guard.js';
import {
  PilotInvitationPresenter,
  PilotPagePresenter,
  PilotWithdrawPresenter,
} from './pilot.presenter.js';
import { pilotOutcome, pilotRefusal } from './pilot.refusals.js';
import { PilotService } from './pilot.service.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on /pilot after a change. */
    pilotNotice?: { key: string; values?: Record<string, string> };
    /** What the "you have joined" page confirms, once. */
    pilotJoined?: { cohortName: string; organization?: string };
  }
}

const NO_FORM = { values: {}, errors: [] };

/** The signed-in person: `@SignedIn` let only them in. */
const accountOf = (res: Response) => res.locals.account as Account;

/**
 * The public side of the pilot programme: what it is and why SMEs go first,
 * volunteering an SME, the pilots one belongs to (and withdrawing from them),
 * and the invitation links the City sends. Thin: PilotService owns the rules,
 * pilot.refusals.ts its refusals, pilot.presenter.ts the pages.
 */
@Controller('pilot')
export class PilotController {
  constructor(
    private readonly pilot: PilotService,
    private readonly page: PilotPagePresenter,
    private readonly invitationPage: PilotInvitationPresenter,
    private readonly withdrawPage: PilotWithdrawPresenter,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async show(@Req() req: Request, @Res() res: Response) {
    const notice = req.session.pilotNotice;
    if (notice) delete req.session.pilotNotice;
    await this.page.render(req, res, 200, {
      ...NO_FORM,
      notice: notice
        ? this.i18n.t(res.locals.locale as Locale, notice.key, notice.values)
        : undefined,
    });
  }

  @Post('volunteer')
  @ActingForSme({ returnTo: '/pilot', otherwise: '/pilot' })
  @FormPage(PilotPagePresenter, { field: 'message' })
  async volunteer(
    @CurrentActingAs() actingAs: ActingAs,
    @FormBody(VolunteerDto, VOLUNTEER_FIELDS) dto: VolunteerDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const organization = actingAs.organization!;
    pilotOutcome(
      await this.pilot.volunteer(
        accountOf(res),
        organization.id,
        dto.message,
        dto.terms === TERMS_ACCEPTED,
        origin,
      ),
    );
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
    res.render('pilot/joined', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'pilot.joined.title'),
      joined,
    });
  }

  @Get('cohorts/:cohortId/withdraw')
  @SignedIn('/pilot/cohorts/:cohortId/withdraw')
  async showWithdraw(@Req() req: Request, @Res() res: Response) {
    await this.withdrawPage.render(req, res, 200, NO_FORM);
  }

  @Post('cohorts/:cohortId/withdraw')
  @SignedIn('/pilot/cohorts/:cohortId/withdraw')
  @FormPage(PilotWithdrawPresenter)
  async withdraw(
    @Param('cohortId') cohortId: string,
    @CurrentActingAs() actingAs: ActingAs,
    @FormBody(WithdrawDto, WITHDRAW_FIELDS) dto: WithdrawDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.pilot.withdrawable(accountOf(res), actingAs, cohortId);
    const done = pilotOutcome(
      await this.pilot.withdraw(accountOf(res), actingAs, cohortId, dto.reason, origin),
    );
    req.session.pilotNotice = {
      key: 'pilot.notices.withdrawn',
      values: { cohort: done.cohortName },
    };
    req.session.save(() => res.redirect(303, '/pilot'));
  }

  @Get('invitations/:token')
  @FormPage(PilotInvitationPresenter)
  async invitation(
    @Param('token') token: string,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = res.locals.account as Account | undefined;
    const refused = account ? await this.pilot.refusedViewer(account, token, origin) : undefined;
    if (refused) throw pilotRefusal(refused);
    await this.invitationPage.render(req, res, 200, NO_FORM);
  }

  @Post('invitations/:token/accept')
  @SignedIn('/pilot/invitations/:token')
  @FormPage(PilotInvitationPresenter)
  async accept(
    @Param('token') token: string,
    @FormBody(AcceptInvitationDto, ACCEPT_INVITATION_FIELDS) dto: AcceptInvitationDto,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const done = pilotOutcome(
      await this.pilot.accept(
        accountOf(res),
        token,
        { termsAccepted: dto.terms === TERMS_ACCEPTED, organizationId: dto.organizationId },
        origin,
      ),
    );
    req.session.pilotJoined = { cohortName: done.cohortName, organization: done.organization };
    req.session.save(() => res.redirect(303, '/pilot/joined'));
  }

  @Post('invitations/:token/decline')
  @SignedIn('/pilot/invitations/:token')
  @FormPage(PilotInvitationPresenter)
  async decline(
    @Param('token') token: string,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const done = pilotOutcome(await this.pilot.decline(accountOf(res), token, origin));
    req.session.pilotNotice = {
      key: 'pilot.notices.declined',
      values: { cohort: done.cohortName },
    };
    req.session.save(() => res.redirect(303, '/pilot'));
  }
}
