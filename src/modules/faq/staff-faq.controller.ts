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
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import { FAQ_FIELDS, FaqEntryDto, faqEntryInput } from './dto/faq.dto.js';
import { FaqReadModel } from './faq.read-model.js';
import { FaqService } from './faq.service.js';
import { StaffFaqPresenter, type FormMode } from './staff-faq.presenter.js';
import { FAQ_REFUSALS } from './faq.refusals.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on the FAQ page after a change. */
    faqNotice?: { key: string; question: { fr: string; en: string } };
  }
}

/**
 * The public FAQ of each service, for staff (`/staff/faq`): write an entry in
 * French and English (from scratch or from a question someone sent), edit,
 * order, publish and unpublish it. Admins, rollout managers and clerks: the
 * clerks answer applicants' questions every day, and a published FAQ is on
 * the rollout checklist. Thin: FaqService owns the rules and the audit.
 */
@Controller('staff/faq')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin', 'rollout-manager', 'clerk')
export class StaffFaqController {
  constructor(
    private readonly faq: FaqService,
    private readonly entries: FaqReadModel,
    private readonly catalogue: CatalogueService,
    private readonly presenter: StaffFaqPresenter,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const notice = req.session.faqNotice;
    if (notice) delete req.session.faqNotice;
    const [entries, questions] = await Promise.all([
      this.entries.all(),
      this.entries.openQuestions(),
    ]);
    res.render('faq/staff-list', this.presenter.list(entries, questions, notice, locale));
  }

  @Get('new')
  showNew(@Query('service') service: unknown, @Req() req: Request, @Res() res: Response) {
    const slug = typeof service === 'string' && this.catalogue.find(service) ? service : '';
    this.renderForm(req, res, 200, { kind: 'new' }, { service: slug });
  }

  @Post('new')
  async create(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const form = await this.validate(body, res);
    if (!this.catalogue.find(form.value.service))
      form.errors.unshift({
        field: 'service',
        message: this.i18n.t(res.locals.locale as Locale, 'faq.errors.serviceRequired'),
      });
    if (form.errors.length > 0)
      return this.renderForm(req, res, 422, { kind: 'new' }, form.values, form.errors);
    const input = faqEntryInput(form.value);
    const created = await this.faq.create(this.actor(req), input, requestOrigin(req, res));
    if (!created.ok && created.problem === 'already-promoted')
      return res.redirect(303, `/staff/faq/${created.id}/edit`);
    FAQ_REFUSALS.unwrap(created);
    this.notice(req, 'faq.staff.notices.created', input.question);
    req.session.save(() => res.redirect(303, '/staff/faq'));
  }

  /** The form of a new entry, its question taken from a question someone sent. */
  @Get('from-feedback/:feedbackId')
  async showFromFeedback(
    @Param('feedbackId') feedbackId: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const question = await this.entries.question(feedbackId);
    if (!question) throw new NotFoundException();
    if (question.faqEntryId) return res.redirect(303, `/staff/faq/${question.faqEntryId}/edit`);
    // The staff member writes the other language and the answers before publishing.
    const text = question.happened;
    this.renderForm(
      req,
      res,
      200,
      { kind: 'from-feedback', question },
      {
        service: question.serviceSlug,
        questionFr: question.language === 'fr' ? text : '',
        questionEn: question.language === 'en' ? text : '',
      },
    );
  }

  @Post('from-feedback/:feedbackId')
  async createFromFeedback(
    @Param('feedbackId') feedbackId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const question = await this.entries.question(feedbackId);
    if (!question) throw new NotFoundException();
    const form = await this.validate(body, res);
    // The entry answers the item's service, whatever the form says.
    form.value.service = question.serviceSlug;
    form.values.service = question.serviceSlug;
    const mode: FormMode = { kind: 'from-feedback', question };
    if (form.errors.length > 0)
      return this.renderForm(req, res, 422, mode, form.values, form.errors);
    const input = faqEntryInput(form.value);
    const created = await this.faq.create(
      this.actor(req),
      input,
      requestOrigin(req, res),
      question.id,
    );
    if (!created.ok && created.problem === 'already-promoted')
      return res.redirect(303, `/staff/faq/${created.id}/edit`);
    FAQ_REFUSALS.unwrap(created);
    this.notice(req, 'faq.staff.notices.created', input.question);
    req.session.save(() => res.redirect(303, '/staff/faq'));
  }

  @Get(':id/edit')
  async showEdit(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const entry = await this.entries.entry(id);
    if (!entry) throw new NotFoundException();
    this.renderForm(
      req,
      res,
      200,
      { kind: 'edit', entry },
      {
        service: entry.serviceSlug,
        questionFr: entry.question.fr,
        questionEn: entry.question.en,
        answerFr: entry.answer.fr,
        answerEn: entry.answer.en,
        position: String(entry.position),
      },
    );
  }

  @Post(':id/edit')
  async edit(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const entry = await this.entries.entry(id);
    if (!entry) throw new NotFoundException();
    const form = await this.validate(body, res);
    form.values.service = entry.serviceSlug;
    if (form.errors.length > 0)
      return this.renderForm(req, res, 422, { kind: 'edit', entry }, form.values, form.errors);
    const input = faqEntryInput(form.value);
    const updated = await this.faq.update(
      this.actor(req),
      entry.id,
      input,
      requestOrigin(req, res),
    );
    if (!updated.ok) throw new NotFoundException();
    this.notice(req, 'faq.staff.notices.updated', input.question);
    req.session.save(() => res.redirect(303, '/staff/faq'));
  }

  @Post(':id/publish')
  async publish(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    await this.publishing(id, true, req, res);
  }

  @Post(':id/unpublish')
  async unpublish(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    await this.publishing(id, false, req, res);
  }

  // ---------------------------------------------------------------------------

  private async publishing(id: string, published: boolean, req: Request, res: Response) {
    const entry = await this.entries.entry(id);
    if (!entry) throw new NotFoundException();
    const result = await this.faq.setPublished(
      this.actor(req),
      entry.id,
      published,
      requestOrigin(req, res),
    );
    if (!result.ok) throw new NotFoundException();
    this.notice(
      req,
      published ? 'faq.staff.notices.published' : 'faq.staff.notices.unpublished',
      entry.question,
    );
    req.session.save(() => res.redirect(303, '/staff/faq'));
  }

  /** The form as sent: validated, and its values as typed for a 422. */
  private async validate(body: unknown, res: Response) {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(FaqEntryDto, body, FAQ_FIELDS, locale, this.i18n);
    const values: Record<string, string> = Object.fromEntries(
      FAQ_FIELDS.map((f) => [f, form.value[f]]),
    );
    return { value: form.value, errors: form.errors, values };
  }

  private actor(req: Request): string {
    return req.session.accountId!;
  }

  private notice(req: Request, key: string, question: { fr: string; en: string }) {
    req.session.faqNotice = { key, question };
  }

  private renderForm(
    req: Request,
    res: Response,
    status: number,
    mode: FormMode,
    values: Record<string, string>,
    errors: FieldError[] = [],
  ) {
    const locale = res.locals.locale as Locale;
    const { titleKey, model } = this.presenter.form(mode, values, errors, locale);
    renderForm(req, res, this.i18n, { view: 'faq/staff-form', titleKey }, status, model);
  }
}
