import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { FormPage } from '../../platform/forms/form-page.js';
import { MAX_RESULT_NOTE, OUTCOMES } from './acceptance-options.js';
import { unwrapChecklist } from './acceptance.refusals.js';
import { ChecklistUnavailablePage } from './checklist-unavailable.page.js';
import { AcceptanceService, type Checklist, type TesterPerson } from './acceptance.service.js';
import { noteField, outcomeField, readChecklist } from './dto/acceptance.dto.js';
import { choices, formatNumber } from '../feedback/feedback-view.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the checklist after saving it. */
    checklistNotice?: { changed: number; feedbackCreated: number };
  }
}

const CHECKLIST_PAGE = { view: 'acceptance/checklist', titleKey: 'acceptance.checklist.title' };

/** Each outcome's govuk tag colour. */
export const OUTCOME_TAG = {
  pass: 'govuk-tag--green',
  fail: 'govuk-tag--red',
  blocked: 'govuk-tag--orange',
} as const;

/**
 * The pilot's acceptance checklist, for its testers (members of a cohort
 * attached to the variant's plan, while it is in a pilot or gradual stage):
 * pass, fail or blocked for each criterion, with a note. Thin: the service
 * decides who is a tester and what a result does.
 */
@Controller()
export class AcceptanceController {
  constructor(
    private readonly acceptance: AcceptanceService,
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  @Get('services/:slug/:variant/acceptance')
  @FormPage(ChecklistUnavailablePage)
  async checklist(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const person = this.person(res, actingAs, req.originalUrl);
    if (!person) return;
    const { checklist } = unwrapChecklist(await this.acceptance.checklist(person, slug, variant));
    const notice = req.session.checklistNotice;
    if (notice) delete req.session.checklistNotice;
    this.render(req, res, 200, checklist, { notice });
  }

  @Post('services/:slug/:variant/acceptance')
  @FormPage(ChecklistUnavailablePage)
  async record(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const person = this.person(res, actingAs, req.path);
    if (!person) return;
    const locale = res.locals.locale as Locale;
    const { checklist } = unwrapChecklist(await this.acceptance.checklist(person, slug, variant));
    const form = readChecklist(
      body,
      checklist.criteria.map((c) => c.id),
    );
    if (form.problems.length > 0)
      return this.render(req, res, 422, checklist, {
        values: form.values,
        errors: form.problems.map((p) => ({
          field: p.field,
          message: this.i18n.t(locale, p.key, { max: formatNumber(MAX_RESULT_NOTE, locale) }),
        })),
      });
    const { outcome } = unwrapChecklist(
      await this.acceptance.record(
        person,
        slug,
        variant,
        form.answers,
        { language: locale, userAgent: req.get('user-agent') },
        requestOrigin(req, res),
      ),
    );
    req.session.checklistNotice = outcome;
    req.session.save(() => res.redirect(303, `/services/${slug}/${variant}/acceptance`));
  }

  // ---------------------------------------------------------------------------

  /** The signed-in person, or a redirect to sign in that comes back here. */
  private person(res: Response, actingAs: ActingAs, returnTo: string): TesterPerson | undefined {
    const account = res.locals.account as Account | undefined;
    if (!account) {
      res.redirect(303, `/sign-in?return=${encodeURIComponent(returnTo)}`);
      return undefined;
    }
    return { accountId: account.id, actingAs };
  }

  private render(
    req: Request,
    res: Response,
    status: number,
    checklist: Checklist,
    data: {
      values?: Record<string, string>;
      errors?: FieldError[];
      notice?: { changed: number; feedbackCreated: number };
    },
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const errors = data.errors ?? [];
    const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;
    const values = data.values;
    renderForm(req, res, this.i18n, CHECKLIST_PAGE, status, {
      navActive: 'services',
      errors,
      // The phase banner and the page's caption read these.
      service: { slug: checklist.serviceSlug, title: checklist.serviceTitle },
      audience: checklist.variant,
      action: `/services/${checklist.serviceSlug}/${checklist.variant}/acceptance`,
      backLink: `/services/${checklist.serviceSlug}/${checklist.variant}`,
      testerLabel:
        checklist.tester.kind === 'organization'
          ? t('acceptance.checklist.forOrganization', { organization: checklist.tester.name })
          : t('acceptance.checklist.forYourself'),
      cohorts: checklist.cohorts.map((c) => c.name).join(', '),
      notice: data.notice
        ? {
            changed: t(
              data.notice.changed === 0
                ? 'acceptance.checklist.notice.unchanged'
                : data.notice.changed === 1
                  ? 'acceptance.checklist.notice.changedOne'
                  : 'acceptance.checklist.notice.changedOther',
              { count: data.notice.changed },
            ),
            feedback:
              data.notice.feedbackCreated > 0
                ? t(
                    data.notice.feedbackCreated === 1
                      ? 'acceptance.checklist.notice.feedbackOne'
                      : 'acceptance.checklist.notice.feedbackOther',
                    { count: data.notice.feedbackCreated },
                  )
                : undefined,
          }
        : undefined,
      maxNote: formatNumber(MAX_RESULT_NOTE, locale),
      maxNoteValue: MAX_RESULT_NOTE,
      criteria: checklist.criteria.map((criterion, index) => {
        const outcome = outcomeField(criterion.id);
        const note = noteField(criterion.id);
        const result = criterion.result;
        const chosen = values ? (values[outcome] ?? '') : (result?.outcome ?? '');
        return {
          number: index + 1,
          title: criterion.title[locale],
          description: criterion.description[locale],
          outcomeField: outcome,
          noteField: note,
          outcomeError: errorOf(outcome),
          noteError: errorOf(note),
          note: values ? (values[note] ?? '') : (result?.note ?? ''),
          options: choices(
            outcome,
            OUTCOMES,
            chosen,
            (o) => t(`acceptance.outcome.${o}`),
            (o) => t(`acceptance.outcomeHint.${o}`),
          ),
          result: result
            ? {
                label: t(`acceptance.outcome.${result.outcome}`),
                tag: OUTCOME_TAG[result.outcome],
                outcome: result.outcome,
                at: formatDateTime(result.updatedAt, locale),
                feedback: result.feedback
                  ? {
                      reference: result.feedback.reference,
                      href: result.feedback.own ? `/feedback/${result.feedback.id}` : undefined,
                    }
                  : undefined,
              }
            : undefined,
        };
      }),
    });
  }
}
