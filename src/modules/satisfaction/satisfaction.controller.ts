import { Body, Controller, Get, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import type { Application } from '../applications/applications.service.js';
import { offerSwitchIdentity } from '../applications/switch-identity.js';
import { requestOrigin } from '../audit/request-origin.js';
import {
  isEmptySurvey,
  SATISFACTION_FIELDS,
  SatisfactionDto,
  satisfactionInput,
} from './dto/satisfaction.dto.js';
import type { FeedbackAuthor } from '../feedback/feedback.service.js';
import { SatisfactionPresenter } from './satisfaction.presenter.js';
import { SatisfactionService } from './satisfaction.service.js';
import { ApplicationsReadModel } from '../applications/applications.read-model.js';

const SURVEY_PAGE = { view: 'satisfaction/survey', titleKey: 'satisfaction.title' };

/**
 * The one-page survey after a submission (all questions optional, at least
 * one answered), for the applicant or a member of their SME. Answered once:
 * afterwards the page thanks the person.
 */
@Controller()
export class SatisfactionController {
  constructor(
    private readonly satisfaction: SatisfactionService,
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly presenter: SatisfactionPresenter,
    private readonly i18n: I18nService,
  ) {}

  @Get('applications/:id/satisfaction')
  async survey(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    if (await this.satisfaction.answered(found.application.id))
      return this.renderThanks(res, found.application);
    this.renderSurvey(req, res, 200, found.application, {});
  }

  @Post('applications/:id/satisfaction')
  async answer(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    const locale = res.locals.locale as Locale;
    const form = await validateForm(SatisfactionDto, body, SATISFACTION_FIELDS, locale, this.i18n);
    const values: Record<string, string> = { ...form.value };
    const input = satisfactionInput(form.value);
    const errors =
      form.errors.length === 0 && isEmptySurvey(input)
        ? [{ field: 'overall', message: this.i18n.t(locale, 'satisfaction.errors.empty') }]
        : form.errors;
    if (errors.length > 0)
      return this.renderSurvey(req, res, 422, found.application, { values, errors });
    const outcome = await this.satisfaction.respond(
      found.author,
      found.application.id,
      input,
      locale,
      requestOrigin(req, res),
    );
    if (outcome === 'not-found') throw new NotFoundException();
    // Recorded now or before: the page thanks the person either way.
    res.redirect(303, `/applications/${found.application.id}/satisfaction`);
  }

  // ---------------------------------------------------------------------------

  /**
   * The submitted application if the person may answer for it, as the
   * application's own page decides: their own or their SME's; theirs but filed
   * acting as someone else → the offer to switch (409); anyone else's → 404.
   */
  private async load(
    res: Response,
    actingAs: ActingAs,
    id: string,
  ): Promise<{ application: Application; author: FeedbackAuthor } | undefined> {
    const account = res.locals.account as Account | undefined;
    if (!account) {
      res.redirect(
        303,
        `/sign-in?return=${encodeURIComponent(`/applications/${id}/satisfaction`)}`,
      );
      return undefined;
    }
    const author = { accountId: account.id, actingAs };
    const application = await this.satisfaction.applicationFor(author, id);
    if (application) {
      if (application.reference) return { application, author };
      res.redirect(303, `/applications/${application.id}`);
      return undefined;
    }
    await offerSwitchIdentity(this.applicationsRead, this.i18n, res, account.id, id);
    return undefined;
  }

  private renderSurvey(
    req: Request,
    res: Response,
    status: number,
    application: Application,
    data: { values?: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    renderForm(
      req,
      res,
      this.i18n,
      SURVEY_PAGE,
      status,
      this.presenter.survey(application, data, locale),
    );
  }

  private renderThanks(res: Response, application: Application) {
    res.render(
      'satisfaction/thanks',
      this.presenter.thanks(application, res.locals.locale as Locale),
    );
  }
}
