import { Injectable } from '@nestjs/common';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import type { FieldError } from '../../platform/forms/form.js';
import { I18nService, LOCALES, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { MAX_CONTACT_DETAIL, MAX_CONTACT_NAME, ON_BEHALF_OF } from './dto/assisted-feedback.dto.js';
import { ASSISTED_CHANNELS, type AssistedChannel } from './feedback-options.js';
import { channelLabel, choices, kindAndSeverity, variantLabel } from './feedback-view.js';

/** The form staff record feedback received by phone, at the counter or by email with. */
@Injectable()
export class AssistedFeedbackPresenter {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  /** The form's view model (renderForm adds the title, the error summary and the CSRF token). */
  form(values: Record<string, string>, errors: FieldError[], locale: Locale) {
    const t = (key: string) => this.i18n.t(locale, key);
    return {
      navActive: 'staff',
      staffNavActive: 'feedback',
      backLink: '/staff/feedback',
      values,
      errors,
      services: [
        { value: '', label: t('staffFeedback.assisted.chooseService'), selected: !values.service },
        ...this.catalogue.all().map((s) => ({
          value: s.slug,
          label: s.title[locale],
          selected: s.slug === values.service,
        })),
      ],
      variants: choices('variant', AUDIENCES, values.variant ?? '', (v) =>
        variantLabel(v as Audience, locale, this.i18n),
      ),
      channels: choices('channel', ASSISTED_CHANNELS, values.channel ?? '', (c) =>
        channelLabel(c as AssistedChannel, locale, this.i18n),
      ),
      parties: choices(
        'onBehalfOf',
        ON_BEHALF_OF,
        values.onBehalfOf ?? '',
        (p) => t(`staffFeedback.assisted.onBehalfOf.${p}`),
        (p) => t(`staffFeedback.assisted.onBehalfOfHint.${p}`),
      ),
      languages: choices('language', LOCALES, values.language ?? '', (l) =>
        t(`feedback.language.${l}`),
      ),
      ...kindAndSeverity(values, locale, t),
      maxContactName: MAX_CONTACT_NAME,
      maxContactDetail: MAX_CONTACT_DETAIL,
    };
  }
}
