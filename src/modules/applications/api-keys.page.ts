import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { csrfToken, signedInWithin } from '../../platform/http/sessions.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { ApiKeysPresenter } from './api-keys.presenter.js';
import { ApiKeysService } from './api-keys.service.js';

/**
 * An SME's API keys page (`/organizations/:id/api-keys`), for its owners: the
 * keys and the form to create one, shown after a GET and again after a
 * refused creation or revocation. A member who is not an owner gets the SME's
 * "owners only" page (403); anyone else, or an unknown key, "not found".
 */
@Injectable()
export class ApiKeysPage implements FormPageRenderer {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly presenter: ApiKeysPresenter,
    private readonly config: AppConfig,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    if (status === 404) throw new NotFoundException();
    const locale = res.locals.locale as Locale;
    const account = res.locals.account as Account;
    const listed = await this.keys.list(account.id, req.params.id as string);
    if (!listed.ok) {
      if (listed.problem === 'not-found') throw new NotFoundException();
      res
        .status(403)
        .render('organizations/forbidden', this.presenter.forbidden(locale, listed.organization));
      return;
    }
    const scopes = form.values.scopes;
    res.status(status).render('organizations/api-keys', {
      ...this.presenter.list({
        locale,
        organization: listed.organization,
        keys: listed.keys,
        errors: form.errors,
        values:
          form.errors.length > 0
            ? { name: form.values.name ?? '', scopes: scopes ? scopes.split(' ') : [] }
            : undefined,
        revokedNotice: req.query.revoked === '1' && status === 200,
      }),
      // Creating a key grants access for months: a recent sign-in first (ADR 0046).
      confirmHref: signedInWithin(req.session, this.config.REAUTH_MINUTES)
        ? undefined
        : `/sign-in?again=1&return=${encodeURIComponent(req.path)}`,
      csrfToken: csrfToken(req),
    });
  }
}
