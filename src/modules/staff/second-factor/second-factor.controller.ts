import { Controller, Get, Injectable, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import QRCode from 'qrcode';
import {
  FormBody,
  FormPage,
  type FormPageRenderer,
  type FormState,
} from '../../../platform/forms/form-page.js';
import { renderForm } from '../../../platform/forms/render-form.js';
import { safeReturnPath } from '../../../platform/http/view-locals.middleware.js';
import { I18nService, type Locale } from '../../../platform/i18n/i18n.service.js';
import type { Account } from '../../accounts/account.service.js';
import { CurrentAccount, SignInRedirectFilter, SignedIn } from '../../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../../audit/request-origin.js';
import { SECOND_FACTOR_FIELDS, SecondFactorCodeDto } from '../dto/second-factor.dto.js';
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
    private readonly page: SecondFactorPage,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async ask(
    @CurrentAccount() account: Account,
    @Query('return') returnInput: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const returnTo = safeReturnPath(returnInput, '/staff');
    if (!(await this.factors.isEnrolled(account.id)))
      return res.redirect(303, `/staff/second-factor/enrol?return=${encodeURIComponent(returnTo)}`);
    await this.page.render(req, res, 200, { values: {}, errors: [] });
  }

  @Post()
  @FormPage(SecondFactorPage, { field: 'code' })
  async check(
    @CurrentAccount() account: Account,
    @FormBody(SecondFactorCodeDto, SECOND_FACTOR_FIELDS) form: SecondFactorCodeDto,
    @Query('return') returnInput: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const result = await this.factors.verify(account.id, account.email, form.code, origin);
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
    @CurrentAccount() account: Account,
    @Query('return') returnInput: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const returnTo = safeReturnPath(returnInput, '/staff');
    if (await this.factors.isEnrolled(account.id))
      return res.redirect(303, `/staff/second-factor?return=${encodeURIComponent(returnTo)}`);
    req.session.pendingEnrolment = await this.factors.pendingFor(
      account.id,
      req.session.pendingEnrolment,
    );
    await this.page.render(req, res, 200, { values: {}, errors: [] });
  }

  @Post('enrol')
  @FormPage(SecondFactorPage, { field: 'code' })
  async enrol(
    @CurrentAccount() account: Account,
    @FormBody(SecondFactorCodeDto, SECOND_FACTOR_FIELDS) form: SecondFactorCodeDto,
    @Query('return') returnInput: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const codes = await this.factors.enrol(
      account.id,
      account.email,
      req.session.pendingEnrolment,
      form.code,
      origin,
    );
    if (!codes) return res.redirect(303, '/staff/second-factor/enrol');
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
