import { Controller, Get, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage } from '../../platform/forms/form-page.js';
import { type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import { sanitizeFilename } from '../applications/attachments.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { feedbackPost } from './dto/feedback-post.js';
import { FeedbackFormPage } from './feedback-form.page.js';
import { FeedbackService, type FeedbackAuthor } from './feedback.service.js';
import { FeedbackPresenter } from './feedback.presenter.js';
import { sitePath } from './return-path.js';

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
    private readonly page: FeedbackFormPage,
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
    this.page.show(req, res, 200, context, { values: {}, returnTo: sitePath(query.return) });
  }

  @Post('services/:slug/:variant/feedback')
  @FormPage(FeedbackFormPage, { field: 'happened' })
  async send(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @CurrentActingAs() actingAs: ActingAs,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const author = this.author(res, actingAs, req.path);
    if (!author) return;
    const post = feedbackPost(req, res.locals.locale as Locale);
    const sent = await this.feedback.send(author, slug, variant, post, origin);
    const returnTo = post.hidden.returnTo;
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
}
