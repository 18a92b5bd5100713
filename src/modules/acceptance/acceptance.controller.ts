import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { requestOrigin } from '../audit/request-origin.js';
import { FormPage } from '../../platform/forms/form-page.js';
import { MAX_RESULT_NOTE } from './acceptance-options.js';
import { AcceptancePresenter } from './acceptance.presenter.js';
import { unwrapChecklist } from './acceptance.refusals.js';
import { readChecklist } from './dto/acceptance.dto.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import { ChecklistUnavailablePage } from './checklist-unavailable.page.js';
import { AcceptanceService, type Checklist, type TesterPerson } from './acceptance.service.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the checklist after saving it. */
    checklistNotice?: { changed: number; feedbackCreated: number };
  }
}

const CHECKLIST_PAGE = { view: 'acceptance/checklist', titleKey: 'acceptance.checklist.title' };

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
    private readonly presenter: AcceptancePresenter,
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
    renderForm(
      req,
      res,
      this.i18n,
      CHECKLIST_PAGE,
      status,
      this.presenter.checklist(checklist, data, locale),
    );
  }
}
