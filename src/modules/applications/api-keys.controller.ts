import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage, InvalidForm } from '../../platform/forms/form-page.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentAccount, RecentPassword, SignedIn } from '../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { ApiKeysPage } from './api-keys.page.js';
import { ApiKeysPresenter } from './api-keys.presenter.js';
import { API_KEY_REFUSALS } from './api-keys.refusals.js';
import { ApiKeysService, parseApiKeyForm } from './api-keys.service.js';

/**
 * An SME's API keys, for its owners: the list with when each key was last
 * used, creating one (its token shown once), revoking one. Refusals
 * (api-keys.refusals.ts) and a form typed wrong come back on ApiKeysPage.
 */
@Controller('organizations/:id/api-keys')
@SignedIn('/organizations/:id/api-keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly presenter: ApiKeysPresenter,
    private readonly page: ApiKeysPage,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response) {
    await this.page.render(req, res, 200, { values: {}, errors: [] });
  }

  @Post()
  @RecentPassword('/organizations/:id/api-keys')
  @FormPage(ApiKeysPage, { field: 'name' })
  async create(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const locale = res.locals.locale as Locale;
    const form = parseApiKeyForm(body);
    if (form.errors.length > 0)
      throw new InvalidForm(this.presenter.formErrors(locale, form.errors), {
        name: form.name,
        scopes: form.scopes.join(' '),
      });
    const created = API_KEY_REFUSALS.unwrap(await this.keys.create(account.id, id, form, origin));
    // The only time the token is ever shown: not cached anywhere.
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render(
      'organizations/api-key-created',
      this.presenter.created(locale, {
        organization: created.organization,
        name: form.name,
        token: created.token,
        expiresAt: created.key.expiresAt,
        scopes: form.scopes,
      }),
    );
  }

  @Post(':keyId/revoke')
  @FormPage(ApiKeysPage)
  async revoke(
    @Param('id') id: string,
    @Param('keyId') keyId: string,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    API_KEY_REFUSALS.unwrap(await this.keys.revoke(account.id, id, keyId, origin));
    res.redirect(303, `/organizations/${id}/api-keys?revoked=1`);
  }
}
