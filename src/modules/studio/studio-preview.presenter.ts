import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Audience } from '../../platform/flags/flag-context.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { shownErrors, stepFieldViews, summarize } from '../applications/form-view.js';
import { rawFromAnswers, type FormProblem, type RawValues } from '../catalogue/form-engine.js';
import type { Answers, StepDefinition } from '../catalogue/form-schema.js';
import type { Localized } from '../catalogue/service-definition.js';
import { holdsRole, type StaffRole } from '../staff/staff-role.js';
import type { Preview } from './studio-preview.service.js';
import { STUDIO_ROLES } from './studio-roles.js';

/**
 * The preview's pages (issue 14): the applicant's start page, steps (the
 * applicant's own field partials and view models, form-view.ts) and check
 * your answers, under a banner that says it is a preview of revision n and
 * that nothing is saved.
 */
@Injectable()
export class StudioPreviewPresenter {
  constructor(private readonly i18n: I18nService) {}

  /** Where the preview's pages are. */
  base(preview: Preview): string {
    return `/staff/services/${preview.slug}/revisions/${preview.number}/preview/${preview.variant}`;
  }

  start(req: Request, res: Response, preview: Preview, answers: Answers): void {
    const locale = res.locals.locale as Locale;
    const d = preview.definition;
    const content = d.variants[preview.variant];
    const base = this.base(preview);
    const shown = (text: Localized) => this.text(locale, text);
    res.render('studio/preview/start', {
      ...this.common(res, preview, 'start'),
      pageTitle: this.pageTitle(locale, preview, this.text(locale, d.title).text),
      title: shown(d.title),
      summary: shown(content.summary),
      useThisServiceTo: content.useThisServiceTo.map(shown),
      beforeYouStart: content.beforeYouStart.map(shown),
      processingTime: shown(d.processingTime),
      fees: shown(d.fees),
      department: shown(d.department),
      startHref: preview.steps[0]
        ? `${base}/${preview.steps[0].slug}`
        : `${base}/check-your-answers`,
      steps: preview.steps.map((s) => ({ title: s.title[locale], href: `${base}/${s.slug}` })),
      hasAnswers: Object.keys(answers).length > 0,
      restartAction: base,
      csrfToken: csrfToken(req),
    });
  }

  step(
    req: Request,
    res: Response,
    preview: Preview,
    step: StepDefinition,
    status: number,
    data: {
      answers: Answers;
      raw?: RawValues;
      problems?: FormProblem[];
      extraItems?: Record<string, number>;
      returnTo?: unknown;
      fileNotice?: boolean;
    },
  ): void {
    const locale = res.locals.locale as Locale;
    const base = this.base(preview);
    const problems = data.problems ?? [];
    const errors = shownErrors(problems, locale, this.i18n);
    const index = preview.steps.findIndex((s) => s.slug === step.slug);
    const previous = preview.steps[index - 1];
    const title = step.title[locale];
    const hasFiles = step.fields.some((f) => f.type === 'file');
    res.status(status).render('studio/preview/step', {
      ...this.common(res, preview, 'step'),
      pageTitle: this.pageTitle(locale, preview, title),
      serviceTitle: this.text(locale, preview.definition.title).text,
      title,
      intro: step.intro?.[locale],
      stepNumber: index + 1,
      stepCount: preview.steps.length,
      fields: stepFieldViews({
        step,
        audience: preview.variant,
        raw: data.raw ?? rawFromAnswers(step, preview.variant, data.answers),
        // Files are never kept in a preview: the questions show no file.
        answers: withoutFiles(step, data.answers),
        problems,
        locale,
        i18n: this.i18n,
        extraItems: data.extraItems,
      }),
      hasFiles,
      fileNotice: data.fileNotice,
      action: `${base}/${step.slug}${data.returnTo === 'check' ? '?return=check' : ''}`,
      backLink:
        data.returnTo === 'check'
          ? `${base}/check-your-answers`
          : previous
            ? `${base}/${previous.slug}`
            : base,
      errors,
      hasErrors: errors.length > 0,
      csrfToken: csrfToken(req),
    });
  }

  check(
    req: Request,
    res: Response,
    preview: Preview,
    answers: Answers,
    firstIncomplete: string | undefined,
  ): void {
    const locale = res.locals.locale as Locale;
    const base = this.base(preview);
    const fileNames = new Set(
      preview.steps.flatMap((s) => s.fields.filter((f) => f.type === 'file').map((f) => f.name)),
    );
    const notStored = this.i18n.t(locale, 'studioPreview.check.fileNotStored');
    const incomplete = preview.steps.find((s) => s.slug === firstIncomplete);
    res.render('studio/preview/check', {
      ...this.common(res, preview, 'check'),
      pageTitle: this.pageTitle(locale, preview, this.i18n.t(locale, 'applications.check.title')),
      serviceTitle: this.text(locale, preview.definition.title).text,
      sections: summarize(preview.steps, preview.variant, answers, locale, this.i18n).map((s) => ({
        ...s,
        rows: s.rows.map((r) =>
          fileNames.has(r.name) && r.lines.length > 0 ? { ...r, lines: [notStored] } : r,
        ),
        changeHref: `${base}/${s.slug}?return=check`,
      })),
      incomplete: incomplete && {
        title: incomplete.title[locale],
        href: `${base}/${incomplete.slug}`,
      },
      noSteps: preview.steps.length === 0,
      backLink: preview.steps.at(-1) ? `${base}/${preview.steps.at(-1)!.slug}` : base,
      restartAction: base,
      csrfToken: csrfToken(req),
    });
  }

  /** The banner and links every preview page has. */
  private common(res: Response, preview: Preview, page: 'start' | 'step' | 'check') {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const other: Audience = preview.variant === 'citizen' ? 'business' : 'citizen';
    const designer = holdsRole(res.locals.staffRoles as StaffRole[], STUDIO_ROLES);
    const revisionHref = `/staff/services/${preview.slug}/revisions/${preview.number}`;
    return {
      navActive: 'staff',
      staffNavActive: 'studio',
      previewPage: page,
      variant: preview.variant,
      banner: {
        text: t('studioPreview.banner.text', {
          number: preview.number,
          state: t(`studioPreview.state.${preview.state}`),
          variant: t(`studioPreview.variant.${preview.variant}`),
        }),
        problems:
          preview.problemCount > 0
            ? t('studioPreview.banner.problems', { count: preview.problemCount })
            : undefined,
        checksHref: designer && preview.state === 'draft' ? `${revisionHref}/checks` : undefined,
        revisionHref: designer ? revisionHref : undefined,
        otherVariantHref: `/staff/services/${preview.slug}/revisions/${preview.number}/preview/${other}`,
        otherVariantLabel: t(`studioPreview.banner.seeAs.${other}`),
      },
    };
  }

  private pageTitle(locale: Locale, preview: Preview, title: string): string {
    return this.i18n.t(locale, 'studioPreview.pageTitle', { title, number: preview.number });
  }

  /** A text of the revision in the page's language, or a placeholder saying it is not written. */
  private text(locale: Locale, text: Localized): { text: string; missing: boolean } {
    const value = text[locale]?.trim();
    return value
      ? { text: value, missing: false }
      : { text: this.i18n.t(locale, 'studioPreview.missing.text'), missing: true };
  }
}

function withoutFiles(step: StepDefinition, answers: Answers): Answers {
  const shown = { ...answers };
  for (const field of step.fields) if (field.type === 'file') delete shown[field.name];
  return shown;
}
