import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { csrfToken } from '../../platform/http/sessions.js';
import { Sessions } from '../../platform/platform.module.js';
import { AccountService } from './account.service.js';
import { ACTING_AS_COOKIE, ActingAsService } from './acting-as.service.js';

/**
 * On every page: the session from PostgreSQL, then who is signed in (a closed
 * account is signed out) and who they act as, for the views and the flags.
 */
@Injectable()
export class SessionContextMiddleware implements NestMiddleware {
  constructor(
    private readonly sessions: Sessions,
    private readonly accounts: AccountService,
    private readonly actingAs: ActingAsService,
  ) {}

  use(req: Request, res: Response, next: NextFunction) {
    this.sessions.middleware(req, res, (error?: unknown) => {
      if (error) return next(error);
      this.resolve(req, res).then(() => next(), next);
    });
  }

  private async resolve(req: Request, res: Response) {
    const accountId = req.session?.accountId;
    const account = accountId ? await this.accounts.find(accountId) : undefined;
    if (accountId && !account) delete req.session.accountId;
    if (account) {
      res.locals.account = account;
      res.locals.csrfToken = csrfToken(req);
    }
    const cookies = (req.cookies ?? {}) as Record<string, unknown>;
    res.locals.actingAs = this.actingAs.fromCookie(cookies[ACTING_AS_COOKIE], account?.id);
  }
}
