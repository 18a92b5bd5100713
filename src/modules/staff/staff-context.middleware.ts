import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Sessions } from '../../platform/platform.module.js';
import { StaffService } from './staff.service.js';

/**
 * On every page: `res.locals.isStaff`, so the portal's navigation shows the link
 * to the staff area to staff only. Nest registers the middleware of a module
 * before that of the modules it imports, so this one may run before
 * AccountsModule's: it loads the session itself (express-session does nothing
 * when the request already has one, so the session is loaded once either way).
 */
@Injectable()
export class StaffContextMiddleware implements NestMiddleware {
  constructor(
    private readonly sessions: Sessions,
    private readonly staff: StaffService,
  ) {}

  use(req: Request, res: Response, next: NextFunction) {
    this.sessions.middleware(req, res, (error?: unknown) => {
      if (error) return next(error);
      const accountId = req.session?.accountId;
      if (!accountId) return next();
      this.staff.roleOf(accountId).then((role) => {
        res.locals.isStaff = role !== undefined;
        next();
      }, next);
    });
  }
}
