import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config.js';
import { errorsByField, type FieldError } from '../../platform/forms/form.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import {
  API_KEY_NAME_MAX,
  API_SCOPES,
  type ApiKeysOrganization,
  type ApiScope,
} from './api-keys.service.js';
import type { ApiKeySummary } from './api-keys.read-model.js';
import { intlLocale } from '../../platform/i18n/intl-locale.js';

/** `applications:read` → apiKeys.scopes.applicationsRead. */
function scopeKey(scope: ApiScope): string {
  return `apiKeys.scopes.${scope.replace(/:(\w)/, (_, c: string) => c.toUpperCase())}`;
}

/** What the keys page shows, and the form's state after a refused creation. */
export interface ApiKeysListInput {
  locale: Locale;
  organization: ApiKeysOrganization;
  keys: ApiKeySummary[];
  errors: FieldError[];
  /** What was typed (scopes: the values checked). */
  values?: { name: string; scopes: string[] };
  /** "The key was revoked", once, after a revocation. */
  revokedNotice: boolean;
}

/**
 * Turns an SME's API keys into what its owners' pages show, in the page's
 * language: scopes' labels and hints, dates in the City's time zone, the form
 * to create one, the token shown once. No rules, no queries.
 */
@Injectable()
export class ApiKeysPresenter {
  constructor(
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  list(input: ApiKeysListInput): Record<string, unknown> {
    const { locale, organization, keys, errors } = input;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const when = new Intl.DateTimeFormat(intlLocale(locale), {
      dateStyle: 'long',
      timeStyle: 'short',
      timeZone: 'America/Toronto',
    });
    const chosen = input.values?.scopes ?? ['applications:read'];
    return {
      pageTitle: t('apiKeys.list.title', { organization: organization.legalName }),
      navActive: 'organizations',
      organization,
      keys: keys.map((k) => ({
        ...k,
        scopeLabels: k.scopes.map((s) => t(scopeKey(s))),
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
        label: t(scopeKey(scope)),
        hint: t(`${scopeKey(scope)}Hint`),
        checked: chosen.includes(scope),
      })),
      values: { name: input.values?.name ?? '' },
      revokedNotice: input.revokedNotice,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
    };
  }

  /** The form's problems (catalog keys) in the page's language. */
  formErrors(locale: Locale, errors: { field: string; key: string }[]): FieldError[] {
    return errors.map((e) => ({
      field: e.field,
      message: this.i18n.t(locale, e.key, { max: API_KEY_NAME_MAX }),
    }));
  }

  /** The new key's page: the only time its token is shown. */
  created(
    locale: Locale,
    input: {
      organization: ApiKeysOrganization;
      name: string;
      token: string;
      expiresAt: Date;
      scopes: ApiScope[];
    },
  ): Record<string, unknown> {
    return {
      pageTitle: this.i18n.t(locale, 'apiKeys.created.title'),
      navActive: 'organizations',
      organization: input.organization,
      name: input.name,
      token: input.token,
      expires: cityDateFormat(locale).format(input.expiresAt),
      scopes: input.scopes.map((s) => this.i18n.t(locale, scopeKey(s))),
    };
  }

  /** An SME's page for a member who is not one of its owners. */
  forbidden(locale: Locale, organization: ApiKeysOrganization): Record<string, unknown> {
    return {
      pageTitle: this.i18n.t(locale, 'organizations.forbidden.title'),
      organization,
    };
  }
}
