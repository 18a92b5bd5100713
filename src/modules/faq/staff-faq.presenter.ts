import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../platform/forms/form.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { STATUS_TAG } from '../feedback/feedback-view.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import { MAX_FAQ_ANSWER, MAX_FAQ_QUESTION } from './dto/faq.dto.js';
import type { FaqEntry, ReceivedQuestion } from './faq.read-model.js';

/** The form's page: a new entry, one from a feedback item, or an edit. */
export type FormMode =
  | { kind: 'new' }
  | { kind: 'from-feedback'; question: ReceivedQuestion }
  | { kind: 'edit'; entry: FaqEntry };

const NAV = { navActive: 'staff', staffNavActive: 'faq' };

/**
 * The FAQ pages for staff as they show: every service's entries with the
 * questions people sent, and the entry form (new, from a question, an edit).
 */
@Injectable()
export class StaffFaqPresenter {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  /** The list: each service's entries, the questions waiting, and a notice after a change. */
  list(
    entries: FaqEntry[],
    questions: ReceivedQuestion[],
    notice: { key: string; question: { fr: string; en: string } } | undefined,
    locale: Locale,
  ) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    return {
      pageTitle: t('faq.staff.list.title'),
      ...NAV,
      notice: notice ? t(notice.key, { question: notice.question[locale] }) : undefined,
      services: this.catalogue.all().map((service) => ({
        slug: service.slug,
        title: service.title[locale],
        newHref: `/staff/faq/new?service=${service.slug}`,
        entries: entries
          .filter((e) => e.serviceSlug === service.slug)
          .map((e) => ({
            id: e.id,
            position: e.position,
            question: e.question,
            published: e.publishedAt !== null,
            status: e.publishedAt
              ? t('faq.staff.list.publishedOn', { at: formatDateTime(e.publishedAt, locale) })
              : t('faq.staff.list.draft'),
            feedbackReference: e.feedbackReference,
            editHref: `/staff/faq/${e.id}/edit`,
            publishAction: `/staff/faq/${e.id}/${e.publishedAt ? 'unpublish' : 'publish'}`,
          })),
      })),
      questions: questions.map((q) => this.questionView(q, locale)),
    };
  }

  questionView(q: ReceivedQuestion, locale: Locale) {
    return {
      id: q.id,
      reference: q.reference,
      service: this.catalogue.find(q.serviceSlug)?.title[locale] ?? q.serviceSlug,
      date: formatDateTime(q.createdAt, locale),
      language: this.i18n.t(locale, `feedback.language.${q.language}`),
      lang: q.language,
      status: this.i18n.t(locale, `feedback.status.${q.status}`),
      statusTag: STATUS_TAG[q.status],
      tried: q.tried,
      happened: q.happened,
      promoteHref: `/staff/faq/from-feedback/${q.id}`,
    };
  }

  /** The entry form's title (a catalog key) and view model (renderForm adds the error summary and the CSRF token). */
  form(mode: FormMode, values: Record<string, string>, errors: FieldError[], locale: Locale) {
    const titleKey =
      mode.kind === 'edit'
        ? 'faq.staff.form.editTitle'
        : mode.kind === 'from-feedback'
          ? 'faq.staff.form.fromFeedbackTitle'
          : 'faq.staff.form.newTitle';
    const action =
      mode.kind === 'edit'
        ? `/staff/faq/${mode.entry.id}/edit`
        : mode.kind === 'from-feedback'
          ? `/staff/faq/from-feedback/${mode.question.id}`
          : '/staff/faq/new';
    const model = {
      ...NAV,
      values,
      errors,
      backLink: '/staff/faq',
      action,
      // Only a new entry chooses its service; otherwise it is shown.
      chooseService: mode.kind === 'new',
      serviceTitle: this.catalogue.find(values.service ?? '')?.title[locale],
      services: this.catalogue.all().map((s, i) => ({
        id: i === 0 ? 'service' : `service-${s.slug}`,
        value: s.slug,
        label: s.title[locale],
        checked: s.slug === values.service,
      })),
      question:
        mode.kind === 'from-feedback' ? this.questionView(mode.question, locale) : undefined,
      entry:
        mode.kind === 'edit'
          ? {
              published: mode.entry.publishedAt !== null,
              publishAction: `/staff/faq/${mode.entry.id}/${mode.entry.publishedAt ? 'unpublish' : 'publish'}`,
              feedbackReference: mode.entry.feedbackReference,
            }
          : undefined,
      maxQuestion: formatNumber(MAX_FAQ_QUESTION, locale),
      maxQuestionValue: MAX_FAQ_QUESTION,
      maxAnswer: formatNumber(MAX_FAQ_ANSWER, locale),
      maxAnswerValue: MAX_FAQ_ANSWER,
    };
    return { titleKey, model };
  }
}
