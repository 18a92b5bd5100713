import {
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
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import {
  ApplicationProcessingService,
  PROCESSING_ROLES,
  type ProcessingResult,
} from './application-processing.service.js';
import { exportCsv } from '../../platform/csv/write-csv.js';
import { ExportAuditService } from '../audit/export-audit.service.js';
import { ApplicationsQueueReadModel, QUEUE_EXPORT_LIMIT } from './applications-queue.read-model.js';
import { AttachmentsService, sanitizeFilename } from './attachments.service.js';
import { DecisionDto } from './dto/decision.dto.js';
import { StaffMessageDto } from './dto/staff-message.dto.js';
import { readQueueRequest } from './queue-request.js';
import { StaffApplicationPage } from './staff-application.page.js';
import {
  QUEUE_CSV_COLUMNS,
  queueCsvRow,
  StaffApplicationsPresenter,
} from './staff-applications.presenter.js';
import { processingRefusal, type NoteField } from './staff-applications.refusals.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on an application's staff page after an action: a catalog key. */
    staffApplicationNotice?: string;
  }
}

/**
 * The clerks' side of applications: the queue (filters, sorting, keyset
 * paging), one application (answers, files, timeline, messages) and the
 * actions on it. Clerks and admins only; the rules live in
 * ApplicationProcessingService, refusals are mapped in
 * staff-applications.refusals.ts and shown on the application's page again
 * (StaffApplicationPage).
 */
@Controller('staff/applications')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...PROCESSING_ROLES)
export class StaffApplicationsController {
  constructor(
    private readonly queue: ApplicationsQueueReadModel,
    private readonly processing: ApplicationProcessingService,
    private readonly attachments: AttachmentsService,
    private readonly catalogue: CatalogueService,
    private readonly presenter: StaffApplicationsPresenter,
    private readonly page: StaffApplicationPage,
    private readonly exports: ExportAuditService,
  ) {}

  @Get()
  async list(
    @Query() query: Record<string, unknown>,
    @CurrentStaff() staff: StaffActor,
    @Res() res: Response,
  ) {
    const clerks = await this.processing.clerks();
    const clerkIds = clerks.map((c) => c.accountId);
    const request = readQueueRequest(query, clerkIds, this.catalogue);
    const page = request.filters
      ? await this.queue.page(request.filters, staff.accountId, request.cursor)
      : { rows: [] };
    const locale = res.locals.locale as Locale;
    res
      .status(request.status)
      .render(
        'staff/applications',
        this.presenter.queue({ locale, staffId: staff.accountId, clerks, request, page }),
      );
  }

  /**
   * The queue as a spreadsheet: every application its filters select (not
   * only the page shown), one row each, with its answers as JSON keyed as in
   * the revision it was filed through. 422 (text) when a filter is wrong.
   */
  @Get('export.csv')
  async csv(
    @Query() query: Record<string, unknown>,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const clerks = await this.processing.clerks();
    const request = readQueueRequest(
      query,
      clerks.map((c) => c.accountId),
      this.catalogue,
    );
    if (!request.filters)
      return res
        .status(422)
        .type('text/plain; charset=utf-8')
        .send(this.presenter.csvProblems(res.locals.locale as Locale, request));
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="applications-${stamp}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    res.write(exportCsv([QUEUE_CSV_COLUMNS], { bom: true }));
    let count = 0;
    for await (const rows of this.queue.exportRows(
      request.filters,
      staff.accountId,
      QUEUE_EXPORT_LIMIT,
    )) {
      count += rows.length;
      res.write(exportCsv(rows.map(queueCsvRow)));
    }
    // Audited before the file ends, so the trace is there once it is downloaded.
    await this.exports.exported(
      staff.accountId,
      {
        export: 'applications',
        entity: { type: 'application' },
        filters: { ...request.filters },
        rows: count,
      },
      origin,
    );
    res.end();
  }

  @Get(':id')
  async show(@Req() req: Request, @Res() res: Response) {
    await this.page.show(req, res);
  }

  @Get(':id/files/:fileId')
  async file(@Param('id') id: string, @Param('fileId') fileId: string, @Res() res: Response) {
    const file = await this.attachments.readForStaff(id, fileId);
    if (!file) throw new NotFoundException();
    res.setHeader(
      'Content-Disposition',
      attachmentDisposition(sanitizeFilename(file.filename, file.contentType)),
    );
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(file.content);
  }

  @Post(':id/assign')
  @FormPage(StaffApplicationPage, { field: 'actions' })
  async assign(
    @Param('id') id: string,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    await this.settle(id, await this.processing.assignToMe(staff, id, origin));
    this.done(req, res, id, 'assigned');
  }

  @Post(':id/request-information')
  @FormPage(StaffApplicationPage, { field: 'informationReason' })
  async requestInformation(
    @Param('id') id: string,
    @FormBody(DecisionDto) dto: DecisionDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const result = await this.processing.requestInformation(
      staff,
      id,
      dto.informationReason,
      origin,
    );
    await this.settle(id, result, 'informationReason');
    this.done(req, res, id, 'informationRequested');
  }

  @Post(':id/approve')
  @FormPage(StaffApplicationPage, { field: 'conditions' })
  async approve(
    @Param('id') id: string,
    @FormBody(DecisionDto) dto: DecisionDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const result = await this.processing.approve(staff, id, dto.conditions || null, origin);
    await this.settle(id, result, 'conditions');
    this.done(req, res, id, 'approved');
  }

  @Post(':id/reject')
  @FormPage(StaffApplicationPage, { field: 'rejectionReason' })
  async reject(
    @Param('id') id: string,
    @FormBody(DecisionDto) dto: DecisionDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const result = await this.processing.reject(staff, id, dto.rejectionReason, origin);
    await this.settle(id, result, 'rejectionReason');
    this.done(req, res, id, 'rejected');
  }

  @Post(':id/messages')
  @FormPage(StaffApplicationPage, { field: 'message' })
  async message(
    @Param('id') id: string,
    @FormBody(StaffMessageDto) dto: StaffMessageDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const result = await this.processing.postMessage(staff, id, dto.message, origin);
    await this.settle(id, result, 'message');
    this.done(req, res, id, 'messageSent');
  }

  /** A refused action becomes its refusal (the 409 names the application's status now). */
  private async settle(id: string, result: ProcessingResult, field?: NoteField): Promise<void> {
    if (result.ok) return;
    const status = result.reason === 'not-allowed' ? await this.processing.statusOf(id) : undefined;
    throw processingRefusal(result, field, status);
  }

  /** Back to the application's page, which says once what was done. */
  private done(req: Request, res: Response, id: string, notice: string) {
    req.session.staffApplicationNotice = `staffApplications.notices.${notice}`;
    req.session.save(() => res.redirect(303, `/staff/applications/${id}`));
  }
}
