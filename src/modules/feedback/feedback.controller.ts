import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { Refusal } from '../../platform/errors/refusal.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { AppConfig } from '../../platform/config/app-config.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { megabytes } from '../../platform/i18n/megabytes.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import { sanitizeFilename } from '../applications/attachments.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { FEEDBACK_FIELDS, FeedbackDto, feedbackInput } from './dto/feedback.dto.js';
import {
  FeedbackService,
  type CheckedFile,
  type FeedbackAuthor,
  type FeedbackContext,
} from './feedback.service.js';
import { FeedbackPresenter, type FeedbackFormState } from './feedback.presenter.js';
import { sitePath } from './return-path.js';

const FORM_PAGE = { view: 'feedback/form', titleKey: 'feedback.form.title' };

/**
 * Structured feedback about a service variant: the form (its context shown
 * before sending, it works without JavaScript), the thank-you page that leads
 * back to where the person was, and "My feedback".
 */
@Controller()
export class FeedbackController {
  constructor(
    private readonly feedback: FeedbackService,
    private readonly presenter: FeedbackPresenter,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  @Get('services/:slug/:variant/feedback')
  async form(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Query() query: Record<string, unknown>,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const author = this.author(res, actingAs, req.originalUrl);
    if (!author) return;
    const context = await this.feedback.context(author, slug, variant, {
      application: query.application,
      page: query.page,
      userAgent: req.get('user-agent'),
      language: res.locals.locale as Locale,
    });
    if (!context) throw new NotFoundException();
    this.renderForm(req, res, 200, context, { values: {}, returnTo: sitePath(query.return) });
  }

  @Post('services/:slug/:variant/feedback')
  async send(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const author = this.author(res, actingAs, req.path);
    if (!author) return;
    const locale = res.locals.locale as Locale;
    const context = await this.feedback.context(author, slug, variant, {
      application: body?.application,
      page: body?.page,
      viewport: body?.viewport,
      userAgent: req.get('user-agent'),
      language: locale,
    });
    if (!context) throw new NotFoundException();
    const returnTo = sitePath(body?.return);

    const form = await validateForm(FeedbackDto, body, FEEDBACK_FIELDS, locale, this.i18n);
    const errors = [...form.errors];
    const uploaded = req as UploadedRequest;
    let file: CheckedFile | undefined;
    if (uploaded.uploadProblem) errors.push(this.fileError(locale, uploaded.uploadProblem));
    else if (uploaded.uploads?.attachment) {
      const checked = this.feedback.checkFile(uploaded.uploads.attachment);
      if (checked.ok) file = checked.file;
      else errors.push(this.fileError(locale, checked.problem));
    }
    const { kind, severity, tried, happened, expected, consent } = form.value;
    const state: FeedbackFormState = {
      values: { kind, severity, tried, happened, expected, consent },
      returnTo,
      droppedFile: file?.filename,
    };
    if (errors.length > 0) return this.renderForm(req, res, 422, context, { ...state, errors });

    const sent = await this.feedback
      .submit(author, context, feedbackInput(form.value), file, requestOrigin(req, res))
      .catch((error: unknown) => {
        if (!(error instanceof Refusal)) throw error;
        return error;
      });
    // A refusal (too many sent): the form again, with everything typed.
    if (sent instanceof Refusal) {
      for (const [name, value] of Object.entries(sent.details.headers ?? {}))
        res.setHeader(name, value);
      const message = this.i18n.t(locale, sent.spec.message, sent.details.params);
      return this.renderForm(req, res, sent.status, context, {
        ...state,
        errors: [{ field: sent.field ?? 'happened', message }],
      });
    }
    res.redirect(
      303,
      `/feedback/${sent.id}/sent${returnTo ? `?return=${encodeURIComponent(returnTo)}` : ''}`,
    );
  }

  /** The thank-you page, with the way back to where the person was. */
  @Get('feedback/:id/sent')
  async sent(
    @Param('id') id: string,
    @Query('return') returnTo: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const author = this.author(res, actingAs, req.originalUrl);
    if (!author) return;
    const item = await this.feedback.findFor(author, id);
    if (!item) throw new NotFoundException();
    const locale = res.locals.locale as Locale;
    res.render('feedback/sent', this.presenter.sent(item, sitePath(returnTo), locale));
  }

  /** "My feedback": what the person sent, with where each item stands. */
  @Get('feedback')
  async list(@CurrentActingAs() actingAs: ActingAs, @Res() res: Response) {
    const author = this.author(res, actingAs, '/feedback');
    if (!author) return;
    const locale = res.locals.locale as Locale;
    const items = await this.feedback.listFor(author.accountId);
    res.render('feedback/list', this.presenter.list(items, actingAs, locale));
  }

  @Get('feedback/:id')
  async show(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const author = this.author(res, actingAs, req.originalUrl);
    if (!author) return;
    const item = await this.feedback.findFor(author, id);
    if (!item) throw new NotFoundException();
    const locale = res.locals.locale as Locale;
    const municipality = (res.locals.municipality as { name: string }).name;
    res.render('feedback/show', await this.presenter.detail(author, item, municipality, locale));
  }

  /** A file one sent with one's feedback. */
  @Get('feedback/:id/files/:fileId')
  async file(
    @Param('id') id: string,
    @Param('fileId') fileId: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const author = this.author(res, actingAs, req.originalUrl);
    if (!author) return;
    const file = await this.feedback.fileFor(author.accountId, id, fileId);
    if (!file) throw new NotFoundException();
    res
      .type(file.contentType)
      .setHeader(
        'Content-Disposition',
        attachmentDisposition(sanitizeFilename(file.filename, file.contentType)),
      )
      .send(file.content);
  }

  // ---------------------------------------------------------------------------

  /** The signed-in person, or a redirect to sign in that comes back here. */
  private author(res: Response, actingAs: ActingAs, returnTo: string): FeedbackAuthor | undefined {
    const account = res.locals.account as Account | undefined;
    if (!account) {
      res.redirect(303, `/sign-in?return=${encodeURIComponent(returnTo)}`);
      return undefined;
    }
    return { accountId: account.id, actingAs };
  }

  private fileError(locale: Locale, problem: string): FieldError {
    return {
      field: 'attachment',
      message: this.i18n.t(locale, `feedback.errors.file.${problem}`, {
        max: megabytes(this.config.UPLOAD_FEEDBACK_MAX_BYTES, locale),
      }),
    };
  }

  private renderForm(
    req: Request,
    res: Response,
    status: number,
    context: FeedbackContext,
    state: FeedbackFormState,
  ) {
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
