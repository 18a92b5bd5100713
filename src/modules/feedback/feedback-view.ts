import type { Audience } from '../../platform/flags/flag-context.js';
import type { I18nService, Locale } from '../../platform/i18n/i18n.service.js';
import type { Stage } from '../rollout/stages.js';
import type { FeedbackContext } from './feedback.service.js';
import {
  FEEDBACK_KINDS,
  MAX_FEEDBACK_TEXT,
  SEVERITIES,
  type FeedbackChannel,
  type FeedbackStatus,
} from './feedback-options.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';

/** One row of a govuk summary list; `id` lets the page's script update the value. */
export interface SummaryRow {
  label: string;
  value: string;
  id?: string;
}

/** One radio or checkbox of a govuk group; the first one's id is the field's (the error summary links to it). */
export interface ChoiceView {
  id: string;
  value: string;
  label: string;
  hint?: string;
  checked: boolean;
}

/** Each status's govuk tag colour. */
export const STATUS_TAG: Record<FeedbackStatus, string> = {
  new: 'govuk-tag--blue',
  acknowledged: 'govuk-tag--light-blue',
  planned: 'govuk-tag--purple',
  fixed: 'govuk-tag--green',
  'wont-fix': 'govuk-tag--grey',
  duplicate: 'govuk-tag--grey',
};

export function choices(
  name: string,
  values: readonly string[],
  chosen: string,
  label: (value: string) => string,
  hint?: (value: string) => string | undefined,
): ChoiceView[] {
  return values.map((value, i) => ({
    id: i === 0 ? name : `${name}-${value}`,
    value,
    label: label(value),
    hint: hint?.(value),
    checked: value === chosen,
  }));
}

/**
 * The questions every feedback form asks, the person's own and the one staff
 * fill in for someone: what kind of feedback, how serious, and how long the
 * text may be.
 */
export function kindAndSeverity(
  values: { kind?: string; severity?: string },
  locale: Locale,
  t: (key: string) => string,
) {
  return {
    kinds: choices(
      'kind',
      FEEDBACK_KINDS,
      values.kind ?? '',
      (k) => t(`feedback.kind.${k}`),
      (k) => t(`feedback.kindHint.${k}`),
    ).map((choice) => ({ ...choice, revealsSeverity: choice.value === 'problem' })),
    severities: choices(
      'severity',
      SEVERITIES,
      values.severity ?? '',
      (s) => t(`feedback.severity.${s}`),
      (s) => t(`feedback.severityHint.${s}`),
    ),
    maxText: formatNumber(MAX_FEEDBACK_TEXT, locale),
    maxTextValue: MAX_FEEDBACK_TEXT,
  };
}

/** `1280x800` as people read it: `1280 × 800`. */
export function viewportLabel(viewport: string | null, locale: Locale, i18n: I18nService): string {
  return viewport ? viewport.replace('x', ' × ') : i18n.t(locale, 'feedback.context.notKnown');
}

export function stageLabel(stage: Stage, locale: Locale, i18n: I18nService): string {
  return i18n.t(locale, `feedback.stage.${stage}`);
}

export function variantLabel(variant: Audience, locale: Locale, i18n: I18nService): string {
  return i18n.t(locale, `feedback.variant.${variant}`);
}

/** "What we'll send with your feedback", in the order the page lists it. */
export function contextRows(
  context: FeedbackContext,
  locale: Locale,
  i18n: I18nService,
): SummaryRow[] {
  const t = (key: string, vars: Record<string, unknown> = {}) => i18n.t(locale, key, vars);
  const rows: SummaryRow[] = [
    { label: t('feedback.context.service'), value: context.serviceTitle[locale] },
    { label: t('feedback.context.variant'), value: variantLabel(context.variant, locale, i18n) },
    { label: t('feedback.context.stage'), value: stageLabel(context.stage, locale, i18n) },
    { label: t('feedback.context.page'), value: context.page ?? t('feedback.context.noPage') },
  ];
  if (context.application?.reference)
    rows.push({ label: t('feedback.context.application'), value: context.application.reference });
  rows.push(
    {
      label: t('feedback.context.audience'),
      value: context.organization
        ? t('feedback.context.forOrganization', { organization: context.organization.name })
        : t('feedback.context.forYourself'),
    },
    {
      label: t('feedback.context.cohorts'),
      value: context.cohorts.length
        ? context.cohorts.map((c) => c.name).join(', ')
        : t('feedback.context.noCohorts'),
    },
    { label: t('feedback.context.language'), value: t(`feedback.language.${context.language}`) },
    {
      label: t('feedback.context.browser'),
      value: context.userAgent ?? t('feedback.context.notKnown'),
    },
    {
      label: t('feedback.context.viewport'),
      value: viewportLabel(context.viewport, locale, i18n),
      id: 'context-viewport',
    },
  );
  return rows;
}

/** How an item reached the City (the portal's form, a phone call, the counter, an email). */
export function channelLabel(channel: FeedbackChannel, locale: Locale, i18n: I18nService): string {
  return i18n.t(locale, `staffFeedback.channel.${channel}`);
}
