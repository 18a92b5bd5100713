import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { validateForm } from '../../platform/forms/form.js';
import { formFields } from '../../platform/forms/form-page.js';
import { BulkConfirmDto } from './dto/application-forms.dto.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { megabytes } from '../../platform/i18n/megabytes.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentActingAs, type ActingAs } from '../accounts/acting-as.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { isFilingRefusal, isVariantClosed } from './applications.refusals.js';
import { applicantOf, type Applicant, type Filer } from './applications.service.js';
import {
  BulkFilingService,
  columnGuide,
  MAX_CSV_ROWS,
  MULTI_SEPARATOR,
  type FileProblem,
  type RowProblem,
  type ValidRow,
} from './bulk-filing.service.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';

/**
 * A validated batch waiting for "File N applications", kept in the session
 * (server side, in PostgreSQL) under a random id until it is filed or replaced
 * by the next upload. Filing uses the id in each application's idempotency key,
 * so a re-posted confirmation files nothing twice.
 */
interface BulkBatch {
  id: string;
  slug: string;
  /** The revision of the form the rows were checked against: they are filed on it, or not at all. */
  revision?: number;
  organizationId: string;
  accountId: string;
  at: number;
  rows: ValidRow[];
}

declare module 'express-session' {
  interface SessionData {
    bulkBatch?: BulkBatch;
  }
}

/** A checked batch must be filed within the hour (a date may pass, the SME's record change). */
const BATCH_TTL_MS = 60 * 60 * 1000;
/** At most this many problems are listed on the report. */
const SHOWN_PROBLEMS = 250;
const FILE_FIELD = 'csvFile';

interface Open {
  /** The revision the SME gets (ADR 0032), or the current one on a batch's page. */
  service: ServiceDefinition;
  revision: number;
  account: Account;
  filer: Filer;
  applicant: Applicant;
}

/**
 * Bulk filing from a CSV file, for SMEs, on services that allow it: the upload
 * page with the template and a guide to the columns, the validation report (or
 * the rows to check), then filing and the references.
 */
@Controller('services/:slug/business/bulk')
export class BulkFilingController {
  constructor(
    private readonly bulk: BulkFilingService,
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  page(
    @Param('slug') slug: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const open = this.open(slug, actingAs, res);
    if (open) this.renderUpload(req, res, open.service, 200);
  }

  @Get('template.csv')
  template(
    @Param('slug') slug: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const open = this.open(slug, actingAs, res);
    if (!open) return;
    const locale = res.locals.locale as Locale;
    const name = `${slug}-${this.i18n.t(locale, 'bulk.templateFileName')}.csv`;
    res
      .type('text/csv; charset=utf-8')
      .setHeader('Content-Disposition', attachmentDisposition(name))
      .send(this.bulk.template(open.service, locale));
  }

  /** Checks the uploaded file: the report (422), or the rows to confirm. Files nothing. */
  @Post()
  async upload(
    @Param('slug') slug: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const open = this.open(slug, actingAs, res);
    if (!open) return;
    const locale = res.locals.locale as Locale;
    const uploaded = req as UploadedRequest;
    const chosenEmpty = uploaded.emptyUploads?.includes(FILE_FIELD) ?? false;
    const uploadProblem =
      uploaded.uploadProblem === 'too-large' ? 'too-large' : chosenEmpty ? 'empty' : undefined;
    const result = this.bulk.check(
      open.service,
      uploaded.uploads?.[FILE_FIELD],
      uploadProblem,
      await this.bulk.prefillContext(open.account, open.applicant.organizationId!),
      locale,
      this.i18n,
    );
    // A new file replaces any batch checked before, whatever its outcome.
    delete req.session.bulkBatch;
    if (!result.ok && 'fileProblem' in result)
      return this.renderUpload(req, res, open.service, 422, result.fileProblem);
    if (!result.ok)
      return this.renderProblems(req, res, open.service, result.problems, result.rowCount);
    const batch: BulkBatch = {
      id: randomUUID(),
      slug,
      revision: open.revision,
      organizationId: open.applicant.organizationId!,
      accountId: open.account.id,
      at: Date.now(),
      rows: result.rows,
    };
    req.session.bulkBatch = batch;
    req.session.save(() => this.renderCheck(req, res, open.service, batch, 200));
  }

  /** Files the checked batch, then shows the references (a re-post files nothing more). */
  @Post('confirm')
  async confirm(
    @Param('slug') slug: string,
    @Body() body: unknown,
    @CurrentActingAs() actingAs: ActingAs,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const open = this.open(slug, actingAs, res);
    if (!open) return;
    const locale = res.locals.locale as Locale;
    const form = (
      await validateForm(BulkConfirmDto, body, formFields(BulkConfirmDto), locale, this.i18n)
    ).value;
    const batchId = form.batch;
    const batch = req.session.bulkBatch;
    const resultHref = `/services/${slug}/business/bulk/batches/${batchId}`;
    if (
      !batch ||
      batch.id !== batchId ||
      batch.slug !== slug ||
      batch.organizationId !== open.applicant.organizationId ||
      batch.accountId !== open.account.id ||
      Date.now() - batch.at > BATCH_TTL_MS
    ) {
      // Filed already (a re-posted confirmation): show what was filed; else start again.
      if ((await this.bulk.filed(open.applicant, batchId)).length > 0)
        return res.redirect(303, resultHref);
      return res.redirect(303, `/services/${slug}/business/bulk`);
    }
    let result;
    try {
      result = await this.bulk.file(
        open.filer,
        open.service,
        batch,
        form.declaration,
        requestOrigin(req, res),
        locale,
        this.i18n,
      );
    } catch (error) {
      // Closed meanwhile: the start page says why.
      if (isVariantClosed(error)) return res.redirect(303, `/services/${slug}/business`);
      // The SME gets another revision of the form now: the file is checked again on it.
      if (isFilingRefusal(error, 'revision-mismatch')) {
        delete req.session.bulkBatch;
        return req.session.save(() =>
          this.renderUpload(req, res, open.service, error.status, { reason: 'revision-changed' }),
        );
      }
      if (!isFilingRefusal(error, 'bulk-declaration-required')) throw error;
      return this.renderCheck(req, res, open.service, batch, error.status, [
        { field: error.field!, message: this.i18n.t(locale, error.spec.message) },
      ]);
    }
    delete req.session.bulkBatch;
    if (!result.ok)
      return req.session.save(() =>
        this.renderProblems(req, res, open.service, result.problems, batch.rows.length),
      );
    req.session.save(() => res.redirect(303, resultHref));
  }

  /** What a batch filed: each application's reference, with a link to it. */
  @Get('batches/:batch')
  async batch(
    @Param('slug') slug: string,
    @Param('batch') batchId: string,
    @CurrentActingAs() actingAs: ActingAs,
    @Res() res: Response,
  ) {
    const open = this.open(slug, actingAs, res, { whileClosed: true });
    if (!open) return;
    const filed = await this.bulk.filed(open.applicant, batchId);
    if (filed.length === 0) throw new NotFoundException();
    const locale = res.locals.locale as Locale;
    const title = this.i18n.t(locale, 'bulk.filed.title', { count: filed.length });
    res.render('applications/bulk-filed', {
      pageTitle: title,
      navActive: 'applications',
      service: open.service,
      title,
      email: open.account.email,
      labels: this.bulk.summaryLabels(open.service, locale),
      rows: filed.map(({ row, application }) => ({
        row,
        id: application.id,
        reference: application.reference,
        status: this.i18n.t(locale, `applicationStatus.${application.status}`),
        cells: this.bulk.describe(open.service, application.answers, locale, this.i18n),
      })),
    });
  }

  // ---------------------------------------------------------------------------

  /**
   * The service and the applicant when bulk filing is open to this person: a
   * service with bulk filing (else 404), signed in (else the sign-in page),
   * acting for an SME (else 404), the business variant open to it (else its
   * start page, which says why).
   */
  private open(
    slug: string,
    actingAs: ActingAs,
    res: Response,
    options: { whileClosed?: boolean } = {},
  ): Open | undefined {
    // The revision the business variant serves: bulk filing is one of its settings.
    const current = this.catalogue.served(slug, 'business');
    if (!current) throw new NotFoundException();
    const account = res.locals.account as Account | undefined;
    if (!account) {
      if (!current.definition.bulkFiling) throw new NotFoundException();
      res.redirect(303, `/sign-in?return=${encodeURIComponent(`/services/${slug}/business/bulk`)}`);
      return undefined;
    }
    if (actingAs.audience !== 'business' || !actingAs.organization) throw new NotFoundException();
    // The revision this SME gets (a candidate in rollout, ADR 0032): its template, its rules.
    let served = current;
    if (!options.whileClosed)
      try {
        served = this.bulk.revisionFor(actingAs, slug);
      } catch (error) {
        if (!isVariantClosed(error)) throw error;
        // Closed to this SME: its start page says why, if the service files in bulk at all.
        if (!current.definition.bulkFiling) throw new NotFoundException();
        res.redirect(303, `/services/${slug}/business`);
        return undefined;
      }
    if (!served.definition.bulkFiling) throw new NotFoundException();
    const filer: Filer = { ...actingAs, accountId: account.id, channel: 'csv' };
    return {
      service: served.definition,
      revision: served.revision,
      account,
      filer,
      applicant: applicantOf(filer),
    };
  }

  private renderUpload(
    req: Request,
    res: Response,
    service: ServiceDefinition,
    status: number,
    problem?: FileProblem,
  ) {
    const locale = res.locals.locale as Locale;
    const title = this.i18n.t(locale, 'bulk.title');
    const errors = problem
      ? [
          {
            field: FILE_FIELD,
            message: this.i18n.t(locale, `bulk.errors.${problem.reason}`, {
              line: 'line' in problem ? problem.line : '',
              rows: MAX_CSV_ROWS,
              max: megabytes(this.config.UPLOAD_BULK_MAX_BYTES, locale),
            }),
          },
        ]
      : [];
    res.status(status).render('applications/bulk', {
      pageTitle: title,
      navActive: 'services',
      service,
      title,
      base: `/services/${service.slug}/business/bulk`,
      maxRows: MAX_CSV_ROWS,
      maxMegabytes: megabytes(this.config.UPLOAD_BULK_MAX_BYTES, locale),
      separator: MULTI_SEPARATOR,
      guide: columnGuide(service, locale, this.i18n),
      fileField: FILE_FIELD,
      fileError: errors[0]?.message,
      errors,
      hasErrors: errors.length > 0,
      csrfToken: csrfToken(req),
    });
  }

  private renderProblems(
    req: Request,
    res: Response,
    service: ServiceDefinition,
    problems: RowProblem[],
    rowCount: number,
  ) {
    const locale = res.locals.locale as Locale;
    const title = this.i18n.t(locale, 'bulk.report.title');
    const rowsWithProblems = new Set(problems.map((p) => p.row)).size;
    const summary = this.i18n.t(locale, 'bulk.report.summary', {
      count: problems.length,
      rows: rowsWithProblems,
      total: rowCount,
    });
    res.status(422).render('applications/bulk-report', {
      pageTitle: title,
      navActive: 'services',
      service,
      title,
      base: `/services/${service.slug}/business/bulk`,
      problems: problems.slice(0, SHOWN_PROBLEMS).map((p) => ({
        ...p,
        rowLabel: p.row === 0 ? this.i18n.t(locale, 'bulk.report.header') : String(p.row),
      })),
      truncated:
        problems.length > SHOWN_PROBLEMS
          ? this.i18n.t(locale, 'bulk.report.truncated', { shown: SHOWN_PROBLEMS })
          : undefined,
      summary,
      fileField: FILE_FIELD,
      errors: [{ field: 'problems', message: summary }],
      hasErrors: true,
      csrfToken: csrfToken(req),
    });
  }

  private renderCheck(
    req: Request,
    res: Response,
    service: ServiceDefinition,
    batch: BulkBatch,
    status: number,
    errors: { field: string; message: string }[] = [],
  ) {
    const locale = res.locals.locale as Locale;
    const count = batch.rows.length;
    const title = this.i18n.t(locale, 'bulk.check.title', { count });
    res.status(status).render('applications/bulk-report', {
      pageTitle: title,
      navActive: 'services',
      service,
      title,
      base: `/services/${service.slug}/business/bulk`,
      ok: true,
      batchId: batch.id,
      count,
      submitLabel: this.i18n.t(locale, 'bulk.check.submit', { count }),
      labels: this.bulk.summaryLabels(service, locale),
      rows: batch.rows.map(({ row, answers }) => ({
        row,
        cells: this.bulk.describe(service, answers, locale, this.i18n),
      })),
      errors,
      hasErrors: errors.length > 0,
      fieldErrors: Object.fromEntries(errors.map((e) => [e.field, e.message])),
      csrfToken: csrfToken(req),
    });
  }
}
