import { scanBadge } from '../../platform/virus-scan/scan-badge.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../platform/forms/form.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { megabytes } from '../../platform/i18n/megabytes.js';
import { AppConfig } from '../../platform/config/app-config.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { OrganizationService } from '../organizations/organization.service.js';
import {
  contextRows,
  kindAndSeverity,
  STATUS_TAG,
  stageLabel,
  variantLabel,
  viewportLabel,
  type SummaryRow,
} from './feedback-view.js';
import type {
  FeedbackAuthor,
  FeedbackContext,
  FeedbackDetail,
  FeedbackSummary,
} from './feedback.service.js';

/** What the form shows again after a 422 or a 429: everything typed (a file must be chosen again). */
export interface FeedbackFormState {
  values: Record<string, string>;
  errors?: FieldError[];
  returnTo?: string;
  /** The name of a valid file that was sent with a form that could not be accepted. */
  droppedFile?: string;
}

/**
 * The people's feedback pages as they show: the form (its context, its
 * choices), the thank-you page, "My feedback" and one item with what was sent
 * with it and the City's replies.
 */
@Injectable()
export class FeedbackPresenter {
  constructor(
    private readonly i18n: I18nService,
    private readonly catalogue: CatalogueService,
    private readonly organizations: OrganizationService,
    private readonly config: AppConfig,
  ) {}

  /** The form's view model (renderForm adds the title, the error summary and the CSRF token). */
  form(context: FeedbackContext, state: FeedbackFormState, email: string, locale: Locale) {
    const t = (key: string) => this.i18n.t(locale, key);
    const { values } = state;
    return {
      navActive: 'services',
      values,
      errors: state.errors,
      backLink: state.returnTo,
      returnTo: state.returnTo,
      droppedFile: state.droppedFile,
      maxMegabytes: megabytes(this.config.UPLOAD_FEEDBACK_MAX_BYTES, locale),
      context,
      contextRows: contextRows(context, locale, this.i18n),
      action: `/services/${context.serviceSlug}/${context.variant}/feedback`,
      hidden: {
        application: context.application?.reference ?? context.application?.id ?? '',
        page: context.page ?? '',
        return: state.returnTo ?? '',
        viewport: context.viewport ?? '',
      },
      ...kindAndSeverity(values, locale, t),
      email,
    };
  }

  /** The thank-you page, with the way back to where the person was. */
  sent(item: FeedbackDetail, returnTo: string | undefined, locale: Locale) {
    return {
      pageTitle: this.i18n.t(locale, 'feedback.sent.title'),
      navActive: 'feedback',
      item,
      returnTo,
    };
  }

  /** "My feedback". */
  list(items: FeedbackSummary[], actingAs: ActingAs, locale: Locale) {
    return {
      pageTitle: this.i18n.t(locale, 'feedback.list.title'),
      navActive: 'feedback',
      actingAs,
      items: items.map((item) => ({
        ...this.summary(item, locale),
        href: `/feedback/${item.id}`,
      })),
    };
  }

  /** One item for its author: what was sent with it, its texts, files and the City's replies. */
  async detail(author: FeedbackAuthor, item: FeedbackDetail, municipality: string, locale: Locale) {
    return {
      pageTitle: this.i18n.t(locale, 'feedback.show.title', { reference: item.reference }),
      navActive: 'feedback',
      backLink: '/feedback',
      item,
      summary: this.summary(item, locale),
      sentRows: await this.sentRows(author, item, locale),
      texts: [
        { label: this.i18n.t(locale, 'feedback.form.tried'), value: item.tried },
        { label: this.i18n.t(locale, 'feedback.form.happened'), value: item.happened },
        { label: this.i18n.t(locale, 'feedback.form.expected'), value: item.expected },
      ],
      attachments: item.attachments.map((a) => ({
        ...a,
        href: `/feedback/${item.id}/files/${a.id}`,
        ...scanBadge(
          a.scanStatus,
          'own',
          (key, vars) => this.i18n.t(locale, key, vars),
          a.scanSignature,
        ),
        size: `${formatNumber(Math.max(1, Math.round(a.size / 1024)), locale)} ${this.i18n.t(locale, 'feedback.show.kilobytes')}`,
      })),
      replies: item.replies.map((r) => ({
        ...r,
        at: formatDateTime(r.createdAt, locale),
        // The City answers as an institution: the staff member's name stays with staff (ADR 0012).
        by: this.i18n.t(locale, `feedback.show.replyBy.${r.authorRole}`, { municipality }),
      })),
    };
  }

  private summary(item: FeedbackSummary, locale: Locale) {
    return {
      reference: item.reference,
      date: formatDateTime(item.createdAt, locale),
      service: this.catalogue.find(item.serviceSlug)?.title[locale] ?? item.serviceSlug,
      variant: variantLabel(item.variant, locale, this.i18n),
      kind: this.i18n.t(locale, `feedback.kind.${item.kind}`),
      severity: item.severity
        ? this.i18n.t(locale, `feedback.severity.${item.severity}`)
        : this.i18n.t(locale, 'feedback.list.noSeverity'),
      status: this.i18n.t(locale, `feedback.status.${item.status}`),
      statusTag: STATUS_TAG[item.status],
    };
  }

  /** What was sent with the item, as the form showed it before sending. */
  private async sentRows(
    author: FeedbackAuthor,
    item: FeedbackDetail,
    locale: Locale,
  ): Promise<SummaryRow[]> {
    const t = (key: string, vars: Record<string, unknown> = {}) => this.i18n.t(locale, key, vars);
    let audience = t('feedback.context.forYourself');
    if (item.organizationId) {
      const memberships = await this.organizations.membershipsOf(author.accountId);
      const organization = memberships.find((m) => m.id === item.organizationId);
      audience = organization
        ? t('feedback.context.forOrganization', { organization: organization.legalName })
        : t('feedback.context.forAnOrganization');
    }
    const rows: SummaryRow[] = [
      { label: t('feedback.show.sentAt'), value: formatDateTime(item.createdAt, locale) },
      { label: t('feedback.context.stage'), value: stageLabel(item.stage, locale, this.i18n) },
      { label: t('feedback.context.page'), value: item.page ?? t('feedback.context.noPage') },
    ];
    if (item.applicationId)
      rows.push({
        label: t('feedback.context.application'),
        value: item.application
          ? (item.application.reference ?? t('feedback.show.draft'))
          : t('feedback.show.applicationElsewhere'),
      });
    rows.push(
      { label: t('feedback.context.audience'), value: audience },
      {
        label: t('feedback.context.cohorts'),
        value: item.cohorts.length ? item.cohorts.join(', ') : t('feedback.context.noCohorts'),
      },
      { label: t('feedback.context.language'), value: t(`feedback.language.${item.language}`) },
      {
        label: t('feedback.context.browser'),
        value: item.userAgent ?? t('feedback.context.notKnown'),
      },
      {
        label: t('feedback.context.viewport'),
        value: viewportLabel(item.viewport, locale, this.i18n),
      },
      {
        label: t('feedback.show.contact'),
        value: t(item.consentToContact ? 'feedback.show.contactYes' : 'feedback.show.contactNo'),
      },
    );
    return rows;
  }
}
