import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Application } from '../applications/applications.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { HELP, MAX_SURVEY_COMMENT, SCALE, TIME_COMPARED } from '../feedback/feedback-options.js';
import { choices } from '../feedback/feedback-view.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';

/** The survey after a submission, and the page that thanks the person once it is answered. */
@Injectable()
export class SatisfactionPresenter {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  /** The survey's view model (renderForm adds the title, the error summary and the CSRF token). */
  survey(
    application: Application,
    data: { values?: Record<string, string>; errors?: FieldError[] },
    locale: Locale,
  ) {
    const t = (key: string) => this.i18n.t(locale, key);
    const values = data.values ?? {};
    const scale = (name: 'overall' | 'ease' | 'clarity') =>
      choices(name, SCALE, values[name] ?? '', (v) => t(`satisfaction.${name}.${v}`));
    return {
      ...data,
      values,
      navActive: 'applications',
      backLink: `/applications/${application.id}/confirmation`,
      application,
      serviceTitle: this.catalogue.find(application.serviceSlug)?.title[locale],
      questions: [
        { name: 'overall', legend: t('satisfaction.overall.legend'), options: scale('overall') },
        { name: 'ease', legend: t('satisfaction.ease.legend'), options: scale('ease') },
        { name: 'clarity', legend: t('satisfaction.clarity.legend'), options: scale('clarity') },
        {
          name: 'timeCompared',
          legend: t('satisfaction.timeCompared.legend'),
          options: choices('timeCompared', TIME_COMPARED, values.timeCompared ?? '', (v) =>
            t(`satisfaction.timeCompared.${v}`),
          ),
        },
        {
          name: 'help',
          legend: t('satisfaction.help.legend'),
          options: choices('help', HELP, values.help ?? '', (v) => t(`satisfaction.help.${v}`)),
        },
      ],
      maxComment: formatNumber(MAX_SURVEY_COMMENT, locale),
      maxCommentValue: MAX_SURVEY_COMMENT,
    };
  }

  /** The thanks, with a way to say more through the feedback form. */
  thanks(application: Application, locale: Locale) {
    const page = `/applications/${application.id}/satisfaction`;
    return {
      pageTitle: this.i18n.t(locale, 'satisfaction.thanks.title'),
      navActive: 'applications',
      application,
      feedbackHref: `/services/${application.serviceSlug}/${application.variant}/feedback?application=${encodeURIComponent(application.reference ?? '')}&page=${encodeURIComponent(page)}&return=${encodeURIComponent(`/applications/${application.id}`)}`,
    };
  }
}
