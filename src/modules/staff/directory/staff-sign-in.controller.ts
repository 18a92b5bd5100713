import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../../../platform/config/app-config.js';
import { I18nService, type Locale } from '../../../platform/i18n/i18n.service.js';
import { safeReturnPath } from '../../../platform/http/view-locals.middleware.js';
import { CurrentOrigin, type RequestOrigin } from '../../audit/request-origin.js';
import {
  DirectoryUnavailable,
  StaffDirectoryClient,
  type PendingDirectorySignIn,
} from './staff-directory.client.js';
import { StaffDirectoryService, type DirectoryRefusal } from './staff-directory.service.js';

declare module 'express-session' {
  interface SessionData {
    /** Between the redirect to the directory and its callback. */
    directorySignIn?: PendingDirectorySignIn;
    /** How the person signed in: the staff area asks a second factor of a password (ADR 0045). */
    signedInWith?: 'directory' | 'password';
  }
}

/** A callback later than this is refused (the provider's own interaction lasts 10 minutes). */
const PENDING_MS = 15 * 60_000;

type Problem = DirectoryRefusal | 'unavailable' | 'failed' | 'too-many';
const STATUS: Record<Problem, number> = {
  'no-role': 403,
  removed: 403,
  closed: 403,
  'no-email': 403,
  'unverified-email': 403,
  unavailable: 503,
  failed: 400,
  'too-many': 429,
};

/**
 * Staff sign-in (issue 18, ADR 0045): `/staff/sign-in` offers the city's
 * directory (OpenID Connect) when it is configured, and the password sign-in;
 * `/staff/sign-in/directory` starts the authorization code flow with PKCE,
 * `state` and `nonce`; `/staff/sign-in/callback` finishes it.
 */
@Controller('staff/sign-in')
export class StaffSignInController {
  constructor(
    private readonly client: StaffDirectoryClient,
    private readonly directory: StaffDirectoryService,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  /**
   * `again`: a sensitive action asks a directory session to confirm who this is
   * (ADR 0046). A page, not a redirect: a form's redirects may not leave the site
   * (Content-Security-Policy form-action), and the person sees why.
   */
  @Get()
  page(@Query('return') returnTo: unknown, @Query('again') again: unknown, @Res() res: Response) {
    this.render(res, 200, safeReturnPath(returnTo, '/staff'), undefined, again === '1');
  }

  /** `again`: a sensitive action asks the directory to check who this is anew (prompt=login). */
  @Get('directory')
  async start(
    @Query('return') returnInput: unknown,
    @Query('again') again: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const returnTo = safeReturnPath(returnInput, '/staff');
    if (!this.client.enabled) return this.render(res, 404, returnTo);
    try {
      const started = await this.directory.start(returnTo, { again: again === '1' }, origin);
      if (!started.ok) {
        res.setHeader('Retry-After', String(started.retryAfter));
        return this.render(res, 429, returnTo, 'too-many');
      }
      req.session.directorySignIn = started.pending;
      req.session.save(() => res.redirect(303, started.url));
    } catch (error) {
      if (!(error instanceof DirectoryUnavailable)) throw error;
      this.render(res, 503, returnTo, 'unavailable');
    }
  }

  @Get('callback')
  async callback(
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const pending = req.session.directorySignIn;
    delete req.session.directorySignIn;
    if (!this.client.enabled) return this.render(res, 404, '/staff');
    if (!pending || Date.now() - pending.startedAt > PENDING_MS)
      return this.render(res, 400, '/staff', 'failed');
    let claims;
    try {
      claims = await this.client.finish(
        new URL(req.originalUrl, `${this.config.PUBLIC_URL}/`),
        pending,
      );
    } catch (error) {
      return this.render(
        res,
        error instanceof DirectoryUnavailable ? 503 : 400,
        pending.returnTo,
        error instanceof DirectoryUnavailable ? 'unavailable' : 'failed',
      );
    }
    const locale = res.locals.locale as Locale;
    const result = await this.directory.signIn(claims, locale, origin);
    if (!result.ok)
      return this.render(res, STATUS[result.problem], pending.returnTo, result.problem);
    // The proof's age is the directory's own check (auth_time), not this callback's:
    // a single sign-on answered silently does not refresh it (ADR 0046).
    const provedAt = Math.min(claims.authenticatedAt ?? Date.now(), Date.now());
    // A new session id at sign-in (no fixation), then the account in it.
    req.session.regenerate((error) => {
      if (error) return res.status(500).end();
      req.session.accountId = result.accountId;
      req.session.signedInAt = new Date().toISOString();
      req.session.signedInWith = 'directory';
      req.session.strongAuthAt = provedAt;
      req.session.save(() => res.redirect(303, pending.returnTo));
    });
  }

  private render(
    res: Response,
    status: number,
    returnTo: string,
    problem?: Problem,
    again = false,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string) => this.i18n.t(locale, `staff.signIn.${key}`);
    res.status(status).render('staff/sign-in', {
      pageTitle: problem ? `${t('problemTitle')} – ${t('title')}` : t('title'),
      directory: this.client.enabled,
      problem: problem && { status, message: t(`problems.${problem}`) },
      again,
      directoryHref: `/staff/sign-in/directory?${again ? 'again=1&' : ''}return=${encodeURIComponent(returnTo)}`,
      passwordHref: `/sign-in?return=${encodeURIComponent(returnTo)}`,
    });
  }
}
