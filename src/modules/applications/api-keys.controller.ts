import { Body, Controller, Get, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByField, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { signedIn } from '../organizations/organizations.controller.js';
import {
  API_KEY_NAME_MAX,
  API_SCOPES,
  ApiKeysService,
  parseApiKeyForm,
  type ApiKeyOutcome,
  type ApiScope,
  type ApiKeysOrganization,
  type ApiKeySummary,
} from './api-keys.service.js';

/** `applications:read` → apiKeys.scopes.applicationsRead. */
function scopeKey(scope: ApiScope): string {
  return `apiKeys.scopes.${scope.replace(/:(\w)/, (_, c: string) => c.toUpperCase())}`;
}

/**
 * An SME's API keys, for its owners: the list with when each key was last
 * used, creating one (its token shown once), revoking one.
 */
@Controller('organizations/:id/api-keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async list(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const account = signedIn(res, `/organizations/${id}/api-keys`);
    if (!account) return;
    const result = await this.keys.list(account.id, id);
    if (!result.ok) return this.refuse(res, result);
    this.renderList(req, res, 200, result.organization, result.keys, {});
  }

  @Post()
  async create(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = signedIn(res, `/organizations/${id}/api-keys`);
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const form = parseApiKeyForm(body);
    if (form.errors.length > 0) {
      const listed = await this.keys.list(account.id, id);
      if (!listed.ok) return this.refuse(res, listed);
      const errors = form.errors.map((e) => ({
        field: e.field,
        message: this.i18n.t(locale, e.key, { max: API_KEY_NAME_MAX }),
      }));
      return this.renderList(req, res, 422, listed.organization, listed.keys, {
        errors,
        values: { name: form.name, scopes: form.scopes },
      });
    }
    const created = await this.keys.create(
      account.id,
      id,
      { name: form.name, scopes: form.scopes },
      requestOrigin(req, res),
    );
    if (!created.ok) return this.refuse(res, created);
    // The only time the token is ever shown: not cached anywhere.
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render('organizations/api-key-created', {
      pageTitle: this.i18n.t(locale, 'apiKeys.created.title'),
      navActive: 'organizations',
      organization: created.organization,
      name: form.name,
      token: created.token,
      expires: cityDateFormat(locale).format(created.key.expiresAt),
      scopes: form.scopes.map((s) => this.i18n.t(locale, scopeKey(s))),
    });
  }

  @Post(':keyId/revoke')
  async revoke(
    @Param('id') id: string,
    @Param('keyId') keyId: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = signedIn(res, `/organizations/${id}/api-keys`);
    if (!account) return;
    const result = await this.keys.revoke(account.id, id, keyId, requestOrigin(req, res));
    if (!result.ok) return this.refuse(res, result);
    res.redirect(303, `/organizations/${id}/api-keys?revoked=1`);
  }

  private refuse(res: Response, outcome: Extract<ApiKeyOutcome, { ok: false }>) {
    if (outcome.problem === 'not-found') throw new NotFoundException();
    res.status(403).render('organizations/forbidden', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'organizations.forbidden.title'),
      organization: outcome.organization,
    });
  }

  private renderList(
    req: Request,
    res: Response,
    status: number,
    organization: ApiKeysOrganization,
    keys: ApiKeySummary[],
    data: { errors?: FieldError[]; values?: { name: string; scopes: string[] } },
  ) {
    const locale = res.locals.locale as Locale;
    const when = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'America/Toronto',
    });
    const errors = data.errors ?? [];
    const chosen = data.values?.scopes ?? ['applications:read'];
    res.status(status).render('organizations/api-keys', {
      pageTitle: this.i18n.t(locale, 'apiKeys.list.title', {
        organization: organization.legalName,
      }),
      navActive: 'organizations',
      organization,
      keys: keys.map((k) => ({
        ...k,
        scopeLabels: k.scopes.map((s) => this.i18n.t(locale, scopeKey(s))),
        created: when.format(k.createdAt),
        lastUsed: k.lastUsedAt ? when.format(k.lastUsedAt) : undefined,
        revoked: k.revokedAt ? when.format(k.revokedAt) : undefined,
        expires: cityDateFormat(locale).format(k.expiresAt),
      })),
      ttlDays: this.config.API_KEY_TTL_DAYS,
      activeCount: keys.filter((k) => !k.revokedAt).length,
      scopes: API_SCOPES.map((scope, i) => ({
        value: scope,
        id: i === 0 ? 'scopes' : `scopes-${i + 1}`,
        label: this.i18n.t(locale, scopeKey(scope)),
        hint: this.i18n.t(locale, `${scopeKey(scope)}Hint`),
        checked: chosen.includes(scope),
      })),
      values: { name: data.values?.name ?? '' },
      revokedNotice: req.query.revoked === '1' && status === 200,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }
}
