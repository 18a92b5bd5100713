import {
  Body,
  Controller,
  Get,
  Injectable,
  NotFoundException,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import {
  FormPage,
  rememberFormValues,
  type FormPageRenderer,
  type FormState,
} from '../../../platform/forms/form-page.js';
import { renderForm } from '../../../platform/forms/render-form.js';
import { safeReturnPath } from '../../../platform/http/view-locals.middleware.js';
import { I18nService, type Locale } from '../../../platform/i18n/i18n.service.js';
import { SignInRedirectFilter, SignedIn } from '../../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../../audit/request-origin.js';
import { StaffReadModel } from '../staff.read-model.js';
import { SecondFactorService, type PendingEnrolment } from './second-factor.service.js';

declare module 'express-session' {
  interface SessionData {
    /**
     * When the person last proved more than a password (a code from their app,
     * a recovery code, or a directory sign-in), ms since epoch (ADR 0046).
     */
    strongAuthAt?: number;
    /** A secret being enrolled, sealed, until a first code confirms it. */
    pendingEnrolment?: PendingEnrolment;
  }
}

/** The code as typed (a string, at most 40 characters), kept to show again if refused. */
function typedCode(req: Request, code: unknown): string {
  const typed = typeof code === 'string' ? code.slice(0, 40) : '';
  rememberFormValues(req, { code: typed });
  return typed;
}

/** Who is on these pages: a signed-in staff member (anyone else: 404). */
async function staffOnly(req: Request, res: Response, staff: StaffReadModel) {
  const account = res.locals.account as { id: string; email: string } | undefined;
  if (!account || (await staff.rolesOf(account.id)).length === 0) throw new NotFoundException();
  return account;
}

/** The code page (or the enrolment page) again with its error. */
@Injectable()
export class SecondFactorPage implements FormPageRenderer {
  constructor(
    private readonly i18n: I18nService,
    private readonly factors: SecondFactorService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    const locale = res.locals.locale as Locale;
    const returnTo = safeReturnPath(req.query.return ?? form.values.return, '/staff');
    const account = res.locals.account as { id: string; email: string };
    const pending = req.session.pendingEnrolment;
    // Made from the sealed secret at each render: the session keeps nothing readable.
    const shown =
      req.path.endsWith('/enrol') && pending
        ? this.factors.describe(account.id, account.email, pending)
        : undefined;
    const enrolling = shown !== undefined;
    const qr = shown
      ? await QRCode.toString(shown.uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
      : undefined;
    renderForm(
      req,
      res,
      this.i18n,
      {
        view: enrolling ? 'staff/second-factor-enrol' : 'staff/second-factor',
        title: this.i18n.t(
          locale,
          enrolling ? 'staff.secondFactor.enrolTitle' : 'staff.secondFactor.title',
        ),
      },
      status,
      {
        ...form,
        values: { code: form.values.code ?? '' },
        returnTo,
        action: `/staff/second-factor${enrolling ? '/enrol' : ''}?return=${encodeURIComponent(returnTo)}`,
        qr: qr?.replace('<svg ', '<svg role="img" aria-labelledby="qr-label" focusable="false" '),
        secretText: shown?.secretText,
      },
    );
  }
}

/**
 * The second step of a staff password sign-in (issue 18, ADR 0046):
 * `/staff/second-factor` asks a code from the person's authenticator app (or
 * a recovery code); `/staff/second-factor/enrol` shows a new secret as a QR
 * code, confirmed by a first code, then the recovery codes once. The staff
 * area sends here whoever signed in with a password and has not given a code
 * since, and, for sensitive actions, whoever gave it too long ago.
 */
@Controller('staff/second-factor')
@UseFilters(SignInRedirectFilter)
@SignedIn()
export class SecondFactorController {
  constructor(
    private readonly factors: SecondFactorService,
    private readonly staff: StaffReadModel,
    private readonly page: SecondFactorPage,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async ask(@Query('return') returnInput: unknown, @Req() req: Request, @Res() res: Response) {
    const account = await staffOnly(req, res, this.staff);
    const returnTo = safeReturnPath(returnInput, '/staff');
    if (!(await this.factors.isEnrolled(account.id)))
      return res.redirect(303, `/staff/second-factor/enrol?return=${encodeURIComponent(returnTo)}`);
    await this.page.render(req, res, 200, { values: {}, errors: [] });
  }

  @Post()
  @FormPage(SecondFactorPage, { field: 'code' })
  async check(
    @Body('code') code: unknown,
    @Query('return') returnInput: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = await staffOnly(req, res, this.staff);
    const typed = typedCode(req, code);
    const result = await this.factors.verify(account.id, account.email, typed, origin);
    req.session.strongAuthAt = Date.now();
    const returnTo = safeReturnPath(returnInput, '/staff');
    if (result.recoveryCodesLeft !== undefined) {
      const locale = res.locals.locale as Locale;
      return res.render('staff/second-factor-recovered', {
        pageTitle: this.i18n.t(locale, 'staff.secondFactor.recoveredTitle'),
        left: result.recoveryCodesLeft,
        returnTo,
      });
    }
    req.session.save(() => res.redirect(303, returnTo));
  }

  @Get('enrol')
  async enrolPage(
    @Query('return') returnInput: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = await staffOnly(req, res, this.staff);
    const returnTo = safeReturnPath(returnInput, '/staff');
    if (await this.factors.isEnrolled(account.id))
      return res.redirect(303, `/staff/second-factor?return=${encodeURIComponent(returnTo)}`);
    // A pending secret that does not open (SESSION_SECRET changed, another account's) is replaced.
    const pending = req.session.pendingEnrolment;
    if (!pending || !this.factors.describe(account.id, account.email, pending))
      req.session.pendingEnrolment = this.factors.newEnrolment(account.id);
    await this.page.render(req, res, 200, { values: {}, errors: [] });
  }

  @Post('enrol')
  @FormPage(SecondFactorPage, { field: 'code' })
  async enrol(
    @Body('code') code: unknown,
    @Query('return') returnInput: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = await staffOnly(req, res, this.staff);
    const typed = typedCode(req, code);
    const pending = req.session.pendingEnrolment;
    if (!pending) return res.redirect(303, '/staff/second-factor/enrol');
    const codes = await this.factors.enrol(account.id, account.email, pending, typed, origin);
    delete req.session.pendingEnrolment;
    req.session.strongAuthAt = Date.now();
    const locale = res.locals.locale as Locale;
    res.setHeader('Cache-Control', 'no-store');
    res.render('staff/second-factor-codes', {
      pageTitle: this.i18n.t(locale, 'staff.secondFactor.codesTitle'),
      codes,
      returnTo: safeReturnPath(returnInput, '/staff'),
    });
  }
}
