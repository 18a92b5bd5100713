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
import { AppConfig } from '../../platform/config/app-config.js';
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { validateForm } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { rawFromAnswers, type FormProblem, type RawValues } from '../catalogue/form-engine.js';
import type { Answers, StepDefinition } from '../catalogue/form-schema.js';
import { FormService, type PrefillContext } from '../catalogue/form.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { OrganizationService } from '../organizations/organization.service.js';
import { canTransition } from './application-status.js';
import {
  ApplicationsService,
  applicantOf,
  type Applicant,
  type Application,
  type Filer,
} from './applications.service.js';
import { isFilingRefusal, isVariantClosed } from './applications.refusals.js';
import { removeItem, stepInput } from './dto/step-input.js';
import {
  DeclarationDto,
  MessageDto,
  ResubmitDto,
  WithdrawDto,
} from './dto/application-forms.dto.js';
import { formFields } from '../../platform/forms/form-page.js';
import { assertUnreachable } from '../../platform/errors/assert-unreachable.js';
import { ApplicationsPresenter, type Found } from './applications.presenter.js';
import { offerSwitchIdentity } from './switch-identity.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import { AttachmentsService, sanitizeFilename } from './attachments.service.js';
import { prefillContext } from './prefill-context.js';
import { ReceiptService } from './receipt.service.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { ApplicationsReadModel } from './applications.read-model.js';

/**
 * What was typed on a step when the session had timed out, kept to show again
 * once the same account signs in (ADR 0016).
 */
declare module 'express-session' {
  interface SessionData {
    pendingInput?: { path: string; raw: RawValues; at: number; accountId: string };
  }
}

/**
 * Filing, GOV.UK-style: start → one topic per page (a task list when there are
 * more than four) → check your answers → declaration → submit → confirmation
 * with the reference number and receipt. Then the application's page: status,
 * history, messages, withdrawing, answering a request for information.
 */
@Controller()
export class ApplicationsController {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly applicationsRead: ApplicationsReadModel,
    private readonly attachments: AttachmentsService,
    private readonly receipts: ReceiptService,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
    private readonly organizations: OrganizationService,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
    private readonly presenter: ApplicationsPresenter,
  ) {}

  /** "Start now" on a variant's start page. */
  @Post('services/:slug/:variant/start')
  async start(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    if (
      !(AUDIENCES as readonly string[]).includes(variant) ||
      !this.catalogue.served(slug, variant as Audience)
    )
      throw new NotFoundException();
    const filer = this.filer(res, actingAs, `/services/${slug}/${variant}`);
    if (!filer) return;
    try {
      const { application } = await this.applications.start(
        filer,
        slug,
        variant as Audience,
        {},
        requestOrigin(req, res),
      );
      res.redirect(303, `/applications/${application.id}`);
    } catch (error) {
      // Closed to this person: the start page says why.
      if (!isVariantClosed(error)) throw error;
      res.redirect(303, `/services/${slug}/${variant}`);
    }
  }

  /** "My applications": drafts to resume and applications filed (an SME's are shared). */
  @Get('applications')
  async list(@CurrentActingAs() actingAs: ActingAs, @Res() res: Response) {
    const applicant = this.applicant(res, actingAs, '/applications');
    if (!applicant) return;
    this.presenter.list(res, actingAs, await this.applicationsRead.list(applicant));
  }

  /** A draft's task list (or its next step); a filed application's page. */
  @Get('applications/:id')
  async show(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    const { application, service } = found;
    if (application.status !== 'draft') return this.presenter.application(req, res, found, 200, {});
    if (!this.workable(res, found, actingAs)) return;
    if (!this.forms.hasTaskList(service, application.variant)) {
      const next = this.forms.firstIncomplete(service, application.variant, application.answers);
      return res.redirect(
        303,
        next ? `/applications/${id}/steps/${next.slug}` : `/applications/${id}/check`,
      );
    }
    this.presenter.taskList(res, found);
  }

  @Get('applications/:id/steps/:step')
  async showStep(
    @Param('id') id: string,
    @Param('step') stepSlug: string,
    @Query('return') returnTo: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const loaded = await this.load(res, actingAs, id);
    if (!loaded) return;
    // The step lists the files with their virus scan (pending, refused).
    const found = {
      ...loaded,
      fileScans: await this.applicationsRead.fileScans(loaded.application.id),
    };
    const step = await this.workableStep(res, found, actingAs, stepSlug);
    if (!step) return;
    const { application } = found;
    // What was typed before the session expired, if it was this page.
    const pending = req.session.pendingInput;
    const graceMs = this.config.SESSION_EXPIRED_GRACE_MINUTES * 60_000;
    if (
      pending &&
      pending.path === req.path &&
      pending.accountId === (res.locals.account as Account).id &&
      Date.now() - pending.at <= graceMs
    ) {
      delete req.session.pendingInput;
      this.applications.pageShown(
        applicantOf(this.webFiler(res, actingAs)),
        application,
        step.slug,
      );
      return this.presenter.step(req, res, found, step, 200, {
        raw: pending.raw,
        restored: true,
        returnTo,
      });
    }
    const prefill = this.forms.prefill(
      step,
      application.variant,
      application.answers,
      await this.prefillContext(res, application),
    );
    const answers = { ...application.answers, ...prefill };
    this.applications.pageShown(applicantOf(this.webFiler(res, actingAs)), application, step.slug);
    this.presenter.step(req, res, found, step, 200, {
      raw: rawFromAnswers(step, application.variant, answers),
      returnTo,
    });
  }

  @Post('applications/:id/steps/:step')
  async saveStep(
    @Param('id') id: string,
    @Param('step') stepSlug: string,
    @Query('return') returnTo: unknown,
    @Body() body: Record<string, unknown>,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    if (!res.locals.account) {
      // The session timed out (the CSRF guard has checked its token): keep what
      // was typed, for the account it belonged to only (files must be chosen
      // again), to show on this page once that account signs in again. Nothing
      // is saved until the person presses the button again, signed in.
      const accountId = req.session.expiredAccountId;
      if (accountId) {
        req.session.pendingInput = {
          path: req.path,
          raw: keptInput(body, this.config.SESSION_KEPT_INPUT_MAX_BYTES),
          at: Date.now(),
          accountId,
        };
        return req.session.save(() =>
          res.redirect(303, `/sign-in?return=${encodeURIComponent(req.path)}`),
        );
      }
      return res.redirect(303, `/sign-in?return=${encodeURIComponent(req.path)}`);
    }
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    const written = postedRevision(body);
    try {
      this.applications.assertRevision(found.application, written);
    } catch (error) {
      if (!isFilingRefusal(error, 'revision-mismatch')) throw error;
      return this.movedMeanwhile(req, res, found, actingAs, stepSlug, body, returnTo);
    }
    const step = await this.workableStep(res, found, actingAs, stepSlug);
    if (!step) return;
    const { application, service } = found;
    const origin = requestOrigin(req, res);
    const filer = this.filer(res, actingAs, req.path)!;
    const { raw, action } = stepInput(step, application.variant, body);
    const shownAt = postedShownAt(body);
    switch (action.kind) {
      // "Add another" and "Remove" in a repeatable group: the same page again.
      case 'add':
        return this.presenter.step(req, res, found, step, 200, {
          raw,
          extraItems: { [action.group.name]: 1 },
          returnTo,
          shownAt,
        });
      case 'remove':
        return this.presenter.step(req, res, found, step, 200, {
          raw: removeItem(action.group, raw, action.index),
          returnTo,
          shownAt,
        });
      case 'upload':
      case 'delete-file': {
        const problems: FormProblem[] = [];
        let changed = application;
        try {
          if (action.kind === 'upload') {
            const uploaded = req as UploadedRequest;
            const result = await this.attachments.upload(
              filer,
              id,
              step.slug,
              action.field,
              uploaded.uploads?.[action.field],
              uploaded.uploadProblem,
              origin,
            );
            if (result.ok) changed = result.application;
            else if (result.reason === 'not-found') throw new NotFoundException();
            else problems.push(this.presenter.fileProblem(step, action.field, result.reason, res));
          } else
            changed = await this.attachments.removeFile(
              filer,
              id,
              step.slug,
              action.fileId,
              origin,
            );
        } catch (error) {
          return this.refused(res, found, error);
        }
        return this.presenter.step(
          req,
          res,
          { ...found, application: { ...application, answers: changed.answers } },
          step,
          problems.length ? 422 : 200,
          { raw, problems, returnTo, shownAt },
        );
      }
      case 'continue':
        break;
      default:
        return assertUnreachable(action);
    }

    let saved;
    try {
      saved = await this.applications.saveStep(filer, id, step.slug, raw, origin, written, shownAt);
    } catch (error) {
      return this.refused(res, found, error);
    }
    if (!saved.ok)
      return this.presenter.step(req, res, found, step, 422, {
        raw,
        problems: saved.problems,
        returnTo,
        shownAt,
      });
    res.redirect(303, this.nextAfter(service, saved.application, step, returnTo));
  }

  /** Check your answers, with change links, and the declaration. */
  @Get('applications/:id/check')
  async check(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    if (found.application.status !== 'draft') return res.redirect(303, `/applications/${id}`);
    if (!this.workable(res, found, actingAs)) return;
    const incomplete = this.forms.firstIncomplete(
      found.service,
      found.application.variant,
      found.application.answers,
    );
    if (incomplete) return res.redirect(303, `/applications/${id}/steps/${incomplete.slug}`);
    this.applications.pageShown(applicantOf(this.webFiler(res, actingAs)), found.application);
    this.presenter.check(req, res, found, 200, {});
  }

  /** Submits: idempotent, so a double click or a retried request files once. */
  @Post('applications/:id/submit')
  async submit(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    if (found.application.status !== 'draft')
      return res.redirect(303, `/applications/${id}/confirmation`);
    const filer = this.filer(res, actingAs, req.path)!;
    const { declaration } = (await this.form(DeclarationDto, body, res)).value;
    let result;
    try {
      result = await this.applications.submitFiling(
        filer,
        id,
        requestOrigin(req, res),
        declaration,
        { revision: postedRevision(body) },
      );
    } catch (error) {
      if (!isFilingRefusal(error, 'declaration-required')) return this.refused(res, found, error);
      const locale = res.locals.locale as Locale;
      return this.presenter.check(req, res, found, error.status, {
        errors: [{ field: error.field!, message: this.i18n.t(locale, error.spec.message) }],
      });
    }
    if (!result.ok) return res.redirect(303, `/applications/${id}`);
    res.redirect(303, `/applications/${id}/confirmation`);
  }

  @Get('applications/:id/confirmation')
  async confirmation(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    if (!found.application.reference) return res.redirect(303, `/applications/${id}`);
    this.presenter.confirmation(res, found, (res.locals.account as Account).email);
  }

  /** The printable receipt (the browser prints it; the PDF is beside it). */
  @Get('applications/:id/receipt')
  async receipt(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    if (!found.application.reference) return res.redirect(303, `/applications/${id}`);
    this.presenter.receipt(res, found);
  }

  @Get('applications/:id/receipt.pdf')
  async receiptPdf(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    const { application, service } = found;
    if (!application.reference) return res.redirect(303, `/applications/${id}`);
    const locale = res.locals.locale as Locale;
    const pdf = await this.receipts.pdf({
      locale,
      municipality: this.config.MUNICIPALITY_NAME,
      serviceTitle: service.title[locale],
      reference: application.reference,
      submittedAt: application.submittedAt!,
      filedBy: application.filedBy,
      organizationName: actingAs.organization?.name,
      sections: this.presenter.summary(service, application, locale).map((s) => ({
        title: s.title,
        rows: s.rows
          .filter((r) => r.lines.length > 0)
          .map((r) => ({ label: r.label, value: r.lines.join('\n') })),
      })),
    });
    res
      .type('application/pdf')
      .setHeader('Content-Disposition', attachmentDisposition(`${application.reference}.pdf`))
      .send(pdf);
  }

  /** An attachment of one's own application. */
  @Get('applications/:id/files/:fileId')
  async file(
    @Param('id') id: string,
    @Param('fileId') fileId: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const applicant = this.applicant(res, actingAs, `/applications/${id}`);
    if (!applicant) return;
    const file = await this.attachments.readForApplicant(applicant, id, fileId);
    if (!file) throw new NotFoundException();
    res
      .type(file.contentType)
      .setHeader(
        'Content-Disposition',
        attachmentDisposition(sanitizeFilename(file.filename, file.contentType)),
      )
      .send(file.content);
  }

  /** A message to the clerks. */
  @Post('applications/:id/messages')
  async message(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    const form = await this.form(MessageDto, body, res);
    if (form.errors.length > 0)
      return this.presenter.application(req, res, found, 422, {
        values: { message: form.value.message },
        errors: form.errors,
      });
    const applicant = this.applicant(res, actingAs, req.path)!;
    const done = await this.applications.postMessage(
      applicant,
      id,
      form.value.message,
      requestOrigin(req, res),
    );
    if (!done.ok && done.reason === 'not-found') throw new NotFoundException();
    res.redirect(303, `/applications/${id}#messages`);
  }

  /** Answers a request for information and sends the application back to the clerks. */
  @Post('applications/:id/resubmit')
  async resubmit(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    const form = await this.form(ResubmitDto, body, res);
    const values = { answer: form.value.answer };
    if (form.errors.length > 0)
      return this.presenter.application(req, res, found, 422, { values, errors: form.errors });
    const applicant = this.applicant(res, actingAs, req.path)!;
    const done = await this.applications.resubmit(
      applicant,
      id,
      form.value.answer,
      requestOrigin(req, res),
    );
    if (!done.ok && done.reason === 'incomplete') {
      const message = this.i18n.t(
        res.locals.locale as Locale,
        'applications.resubmit.errors.incomplete',
      );
      return this.presenter.application(req, res, found, 422, {
        values,
        errors: [{ field: 'answer', message }],
      });
    }
    if (!done.ok && done.reason === 'not-found') throw new NotFoundException();
    res.redirect(303, `/applications/${id}`);
  }

  @Get('applications/:id/withdraw')
  async confirmWithdraw(
    @Param('id') id: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    if (!canTransition(found.application.status, 'withdrawn', 'applicant'))
      return res.redirect(303, `/applications/${id}`);
    this.presenter.withdraw(req, res, found, 200, {});
  }

  @Post('applications/:id/withdraw')
  async withdraw(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const found = await this.load(res, actingAs, id);
    if (!found) return;
    const form = await this.form(WithdrawDto, body, res);
    if (form.errors.length > 0)
      return this.presenter.withdraw(req, res, found, 422, {
        values: { reason: form.value.reason },
        errors: form.errors,
      });
    const applicant = this.applicant(res, actingAs, req.path)!;
    const done = await this.applications.withdraw(
      applicant,
      id,
      form.value.reason || null,
      requestOrigin(req, res),
    );
    if (!done.ok && done.reason === 'not-found') throw new NotFoundException();
    res.redirect(303, `/applications/${id}`);
  }

  // ---------------------------------------------------------------------------

  /** A fixed-field form body read through its DTO (text, trimmed), in the page's language. */
  private form<T extends object>(dto: new () => T, body: unknown, res: Response) {
    return validateForm(dto, body, formFields(dto), res.locals.locale as Locale, this.i18n);
  }

  /** The signed-in person filing on the pages (else the sign-in page, to come back to `returnTo`). */
  private filer(res: Response, actingAs: ActingAs, returnTo: string): Filer | undefined {
    const account = res.locals.account as Account | undefined;
    if (!account) {
      res.redirect(303, `/sign-in?return=${encodeURIComponent(returnTo)}`);
      return undefined;
    }
    return { ...actingAs, accountId: account.id, channel: 'web' };
  }

  /** The filer on a page `load` has shown them their application on (so signed in). */
  private webFiler(res: Response, actingAs: ActingAs): Filer {
    return { ...actingAs, accountId: (res.locals.account as Account).id, channel: 'web' };
  }

  private applicant(res: Response, actingAs: ActingAs, returnTo: string): Applicant | undefined {
    const filer = this.filer(res, actingAs, returnTo);
    return filer && applicantOf(filer);
  }

  /** The application if the applicant owns it (else 404), with its service. */
  private async load(res: Response, actingAs: ActingAs, id: string): Promise<Found | undefined> {
    const applicant = this.applicant(res, actingAs, `/applications/${id}`);
    if (!applicant) return undefined;
    const application = await this.applicationsRead.find(applicant, id);
    const service =
      application &&
      (await this.catalogue.revisionOf(application.serviceSlug, application.serviceRevision));
    if (application && service) return { application, service };
    // Theirs, but filed acting as someone else (after signing in again, say).
    await offerSwitchIdentity(this.applicationsRead, this.i18n, res, applicant.accountId, id);
    return undefined;
  }

  /** Whether the person may work on this application now (else the page says why: see `refused`). */
  private workable(res: Response, found: Found, actingAs: ActingAs): boolean {
    try {
      this.applications.assertWorkable(actingAs, found.application);
      return true;
    } catch (error) {
      this.refused(res, found, error);
      return false;
    }
  }

  /** The step the person may work on now (else the page says why: see `refused`). */
  private async workableStep(
    res: Response,
    found: Found,
    actingAs: ActingAs,
    stepSlug: string,
  ): Promise<StepDefinition | undefined> {
    const filer = this.filer(res, actingAs, `/applications/${found.application.id}`)!;
    try {
      return (await this.applications.workableStep(filer, found.application.id, stepSlug)).step;
    } catch (error) {
      this.refused(res, found, error);
      return undefined;
    }
  }

  /**
   * A filing refusal, as the pages show it: a variant closed to the person, the
   * "paused" page (403, 503 when the flags are unknown; the draft is kept); an
   * application no longer editable, its page; not theirs, or no such step, 404.
   */
  private refused(res: Response, found: Found, error: unknown): void {
    if (isVariantClosed(error)) return this.presenter.paused(res, found, error.status);
    // Not editable, or moved to another revision since the page was read: its
    // page (a moved draft's says which pages to check again).
    if (isFilingRefusal(error, 'not-editable') || isFilingRefusal(error, 'revision-mismatch'))
      return res.redirect(303, `/applications/${found.application.id}`);
    if (isFilingRefusal(error, 'not-found')) throw new NotFoundException();
    throw error;
  }

  /**
   * A step posted from a page of the revision the draft was on before a
   * rollback moved it (ADR 0032): nothing is saved; the same step of its
   * revision now is shown again (409) with what was typed wherever the
   * question is still asked, the saved answers elsewhere, and a notice to
   * check the page. A step the revision no longer has: the draft's page,
   * whose notice lists the pages to check again.
   */
  private async movedMeanwhile(
    req: Request,
    res: Response,
    found: Found,
    actingAs: ActingAs,
    stepSlug: string,
    body: Record<string, unknown>,
    returnTo: unknown,
  ): Promise<void> {
    const { application, service } = found;
    if (!this.forms.step(service, application.variant, stepSlug))
      return res.redirect(303, `/applications/${application.id}`);
    const step = await this.workableStep(res, found, actingAs, stepSlug);
    if (!step) return;
    const typed = Object.entries(stepInput(step, application.variant, body).raw).filter(
      ([, value]) => (Array.isArray(value) ? value.length > 0 : value !== ''),
    );
    const raw = {
      ...rawFromAnswers(step, application.variant, application.answers),
      ...Object.fromEntries(typed),
    };
    this.presenter.step(req, res, found, step, 409, { raw, moved: true, returnTo });
  }

  private prefillContext(res: Response, application: Application): Promise<PrefillContext> {
    return prefillContext(
      this.organizations,
      res.locals.account as Account,
      application.organizationId,
    );
  }

  private nextAfter(
    service: ServiceDefinition,
    application: Application,
    step: StepDefinition,
    returnTo: unknown,
  ): string {
    const base = `/applications/${application.id}`;
    if (application.status !== 'draft') return base;
    if (returnTo === 'check') return `${base}/check`;
    if (this.forms.hasTaskList(service, application.variant)) return base;
    const steps = this.forms.steps(service, application.variant);
    const next = steps[steps.findIndex((s) => s.slug === step.slug) + 1];
    return next ? `${base}/steps/${next.slug}` : `${base}/check`;
  }
}

/**
 * The revision of the form a page was read on (its hidden `_revision`), when
 * the post says so: answers typed on one revision are never saved on another.
 */
function postedRevision(body: unknown): number | undefined {
  const value = (body as Record<string, unknown> | undefined)?._revision;
  return typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : undefined;
}

/** When the step's page was first shown (its hidden `_shown`, epoch ms), if it says so. */
function postedShownAt(body: unknown): number | undefined {
  const value = (body as Record<string, unknown> | undefined)?._shown;
  return typeof value === 'string' && /^\d{13}$/.test(value) ? Number(value) : undefined;
}

/**
 * The text fields of a step posted late, at most `maxBytes` of names and values
 * together (what does not fit is left out, whole): never files, never the token.
 */
function keptInput(body: Record<string, unknown> | undefined, maxBytes: number): RawValues {
  const raw: RawValues = {};
  let left = maxBytes;
  const fits = (name: string, value: string) => {
    const size = Buffer.byteLength(name) + Buffer.byteLength(value);
    if (size > left) return false;
    left -= size;
    return true;
  };
  for (const [name, value] of Object.entries(body ?? {})) {
    if (name === '_csrf' || name === '_revision' || name === '_shown' || name === 'action')
      continue;
    if (typeof value === 'string') {
      if (fits(name, value)) raw[name] = value;
    } else if (Array.isArray(value)) {
      const kept = value.filter((v): v is string => typeof v === 'string' && fits(name, v));
      if (kept.length) raw[name] = kept;
    }
  }
  return raw;
}

export type { Answers };
