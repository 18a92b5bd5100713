import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import {
  csrfToken,
  expireSessionIfDue,
  refreshSessionExpiry,
} from '../../platform/http/sessions.js';
import { Sessions } from '../../platform/platform.module.js';
import type { ActingAs } from './acting-as.js';
import { IdentityReadModel } from './identity.read-model.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * On every page: the session (PostgreSQL, or this instance's memory for at
 * most SESSION_CACHE_MS, ADR 0037; signed out once idle or too old, see
 * expireSessionIfDue), then — in one query, kept the same way — who is
 * signed in (a closed account is signed out), whether they are staff, and who
 * they act as (themselves, or an SME they still belong to), for the views and
 * the flags.
 */
@Injectable()
export class SessionContextMiddleware implements NestMiddleware {
  constructor(
    private readonly sessions: Sessions,
    private readonly identities: IdentityReadModel,
    private readonly config: AppConfig,
  ) {}

  /** Runs once per request, even when a route's multipart reader asked for it first. */
  use(req: Request, res: Response, next: NextFunction) {
    if (res.locals.actingAs) return next();
    this.sessions.middleware(req, res, (error?: unknown) => {
      if (error) return next(error);
      this.resolve(req, res).then(() => next(), next);
    });
  }

  private async resolve(req: Request, res: Response) {
    if (req.session) expireSessionIfDue(req, this.config);
    const accountId = req.session?.accountId;
    const actingFor = req.session?.actingAsOrganizationId;
    const identity =
      accountId && UUID.test(accountId)
        ? await this.identities.load(
            accountId,
            actingFor && UUID.test(actingFor) ? actingFor : undefined,
          )
        : undefined;
    if (accountId && !identity) delete req.session.accountId;
    if (actingFor && !identity?.organization) delete req.session.actingAsOrganizationId;
    if (!identity) {
      res.locals.actingAs = { audience: 'citizen', staff: false } satisfies ActingAs;
      return;
    }
    refreshSessionExpiry(req);
    const { account, organization, isStaff } = identity;
    res.locals.account = account;
    res.locals.isStaff = isStaff;
    res.locals.csrfToken = csrfToken(req);
    // Staff see what is released to staff only once they have proved more than a
    // password (ADR 0046), as the staff area asks.
    const staff =
      isStaff &&
      (this.config.STAFF_SECOND_FACTOR === 'off' || req.session.strongAuthAt !== undefined);
    res.locals.actingAs = (
      organization
        ? { audience: 'business', accountId: account.id, organization, staff }
        : { audience: 'citizen', accountId: account.id, staff }
    ) satisfies ActingAs;
  }
}
