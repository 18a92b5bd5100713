import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import type { Account } from './account.service.js';
import { ActingAsPage } from './account-pages.js';
import { CurrentActingAs, type ActingAs } from './acting-as.js';
import { ActingAsService } from './acting-as.service.js';
import { ActingAsDto } from './dto/account-forms.dto.js';
import { CurrentAccount, SignedIn } from './signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';

/** "Who are you acting for?": yourself, or one of your SMEs. */
@Controller('acting-as')
export class ActingAsController {
  constructor(
    private readonly actingAs: ActingAsService,
    private readonly page: ActingAsPage,
  ) {}

  @Get()
  async show(
    @CurrentActingAs() current: ActingAs,
    @Query('return') returnTo: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.page.blank(req, res, current, returnTo);
  }

  @Post()
  @SignedIn('/acting-as')
  @FormPage(ActingAsPage, { field: 'actingAs' })
  async choose(
    @CurrentAccount() account: Account,
    @FormBody(ActingAsDto, ['actingAs']) form: ActingAsDto,
    @Body('return') returnTo: unknown,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.actingAs.choose(account, req.session, form.actingAs, origin);
    req.session.save(() => res.redirect(303, safeReturnPath(returnTo)));
  }
}
