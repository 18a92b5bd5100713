import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { checkForm } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { feedbackPost } from './dto/feedback-post.js';
import { FEEDBACK_FIELDS, FeedbackDto } from './dto/feedback.dto.js';
import { FeedbackPresenter, type FeedbackFormState } from './feedback.presenter.js';
import {
  FeedbackService,
  feedbackValues,
  type FeedbackAuthor,
  type FeedbackContext,
} from './feedback.service.js';

const FORM_PAGE = { view: 'feedback/form', titleKey: 'feedback.form.title' };

/**
 * The feedback form about a service variant: shown first (`show`), and again
 * after a refused post (`@FormPage(FeedbackFormPage)`, 422 or 429) with
 * everything typed, the name of a valid file that must be chosen again, and
 * the context the post's hidden fields gave.
 */
@Injectable()
export class FeedbackFormPage implements FormPageRenderer {
  constructor(
    private readonly feedback: FeedbackService,
    private readonly presenter: FeedbackPresenter,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    const locale = res.locals.locale as Locale;
    const account = res.locals.account as Account;
    const author: FeedbackAuthor = {
      accountId: account.id,
      actingAs: res.locals.actingAs as ActingAs,
    };
    const { slug, variant } = req.params as { slug: string; variant: string };
    const post = feedbackPost(req, locale);
    const context = await this.feedback.postContext(author, slug, variant, post);
    if (!context) throw new NotFoundException();
    // A file refused (by the virus scan, say) is not offered to be chosen again.
    const refusedFile = form.errors.some((error) => error.field === 'attachment');
    const file = refusedFile ? undefined : this.feedback.postedFile(post);
    // A refusal after a valid form (too many sent): what was typed, as the form checked it.
    const values = form.refusal
      ? feedbackValues((await checkForm(FeedbackDto, post.body, FEEDBACK_FIELDS)).value)
      : form.values;
    this.show(req, res, status, context, {
      values,
      errors: form.errors,
      returnTo: post.hidden.returnTo,
      droppedFile: file?.ok ? file.file.filename : undefined,
    });
  }

  /** The form with `status`. */
  show(
    req: Request,
    res: Response,
    status: number,
    context: FeedbackContext,
    state: FeedbackFormState,
  ): void {
    const locale = res.locals.locale as Locale;
    const email = (res.locals.account as Account).email;
    renderForm(
      req,
      res,
      this.i18n,
      FORM_PAGE,
      status,
      this.presenter.form(context, state, email, locale),
    );
  }
}
