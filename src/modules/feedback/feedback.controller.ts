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
import { formatDateTime } from '../../platform/i18n/city-time.js';
import { AppConfig } from '../../platform/config/app-config.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { megabytes } from '../../platform/i18n/megabytes.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import { sanitizeFilename } from '../applications/attachments.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { FEEDBACK_FIELDS, FeedbackDto, feedbackInput } from './dto/feedback.dto.js';
import { FEEDBACK_KINDS, MAX_FEEDBACK_TEXT, SEVERITIES } from './feedback-options.js';
import {
  choices,
  contextRows,
  formatNumber,
  STATUS_TAG,
  stageLabel,
  variantLabel,
  viewportLabel,
  type SummaryRow,
} from './feedback-view.js';
import {
  FeedbackService,
  type CheckedFile,
  type FeedbackAuthor,
  type FeedbackContext,
  type FeedbackDetail,
  type FeedbackSummary,
} from './feedback.service.js';
import { sitePath } from './return-path.js';

const FORM_PAGE = { view: 'feedback/form', titleKey: 'feedback.form.title' };

/** What the form shows again after a 422 or a 429: everything typed (a file must be chosen again). */
interface FormState {
  values: Record<string, string>;
  errors?: FieldError[];
  returnTo?: string;
  /** The name of a valid file that was sent with a form that could not be accepted. */
  droppedFile?: string;
}

/**
 * Structured feedback about a service variant: the form (its context shown
 * before sending, it works without JavaScript), the thank-you page that leads
 * back to where the person was, and "My feedback".
 */
@Controller()
export class FeedbackController {
  constructor(
    private readonly feedback: FeedbackService,
    private readonly catalogue: CatalogueService,
    private readonly organizations: OrganizationService,
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
    const state: FormState = {
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
    res.render('feedback/sent', {
      pageTitle: this.i18n.t(locale, 'feedback.sent.title'),
      navActive: 'feedback',
      item,
      returnTo: sitePath(returnTo),
    });
  }

  /** "My feedback": what the person sent, with where each item stands. */
  @Get('feedback')
  async list(@CurrentActingAs() actingAs: ActingAs, @Res() res: Response) {
    const author = this.author(res, actingAs, '/feedback');
    if (!author) return;
    const locale = res.locals.locale as Locale;
    const items = await this.feedback.listFor(author.accountId);
    res.render('feedback/list', {
      pageTitle: this.i18n.t(locale, 'feedback.list.title'),
      navActive: 'feedback',
      actingAs,
      items: items.map((item) => ({
        ...this.summaryView(item, locale),
        href: `/feedback/${item.id}`,
      })),
    });
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
    res.render('feedback/show', {
      pageTitle: this.i18n.t(locale, 'feedback.show.title', { reference: item.reference }),
      navActive: 'feedback',
      backLink: '/feedback',
      item,
      summary: this.summaryView(item, locale),
      sentRows: await this.sentRows(author, item, locale),
      texts: [
        { label: this.i18n.t(locale, 'feedback.form.tried'), value: item.tried },
        { label: this.i18n.t(locale, 'feedback.form.happened'), value: item.happened },
        { label: this.i18n.t(locale, 'feedback.form.expected'), value: item.expected },
      ],
      attachments: item.attachments.map((a) => ({
        ...a,
        href: `/feedback/${item.id}/files/${a.id}`,
        size: `${formatNumber(Math.max(1, Math.round(a.size / 1024)), locale)} ${this.i18n.t(locale, 'feedback.show.kilobytes')}`,
      })),
      replies: item.replies.map((r) => ({
        ...r,
        at: formatDateTime(r.createdAt, locale),
        // The City answers as an institution: the staff member's name stays with staff (ADR 0012).
        by: this.i18n.t(locale, `feedback.show.replyBy.${r.authorRole}`, {
          municipality: (res.locals.municipality as { name: string }).name,
        }),
      })),
    });
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
    state: FormState,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string) => this.i18n.t(locale, key);
    const { values } = state;
    renderForm(req, res, this.i18n, FORM_PAGE, status, {
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
      email: (res.locals.account as Account).email,
    });
  }

  private summaryView(item: FeedbackSummary, locale: Locale) {
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
