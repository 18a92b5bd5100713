import { FEEDBACK_ROLES } from '../feedback/feedback-options.js';
import {
  Body,
  Controller,
  ForbiddenException,
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
import { type FieldError } from '../../platform/forms/form.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import { sanitizeFilename } from '../applications/attachments.service.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { ExportAuditService } from '../audit/export-audit.service.js';
import { exportCsv } from '../../platform/csv/write-csv.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { FeedbackInboxReadModel } from './feedback-inbox.read-model.js';
import {
  FeedbackTriageService,
  type BulkAction,
  type TriageField,
} from './feedback-triage.service.js';
import { formList } from './staff-feedback-view.js';
import { StaffFeedbackPresenter } from './staff-feedback.presenter.js';
import { SuperUsersReadModel } from './super-users.read-model.js';
import { AssignDto, BulkDto, NoteDto, ReplyDto, StatusDto, TagDto } from './dto/triage.dto.js';
import { StaffFeedbackItemPage, type StaffFeedbackNotice } from './staff-feedback-item.page.js';
import { StaffFeedbackInboxPage, type BulkState } from './staff-feedback-inbox.page.js';
import { unwrapTriage } from './triage.refusals.js';
import { INBOX_EXPORT_LIMIT, omittedExportColumns } from './triage-options.js';

declare module 'express-session' {
  interface SessionData {
    staffFeedbackNotice?: StaffFeedbackNotice;
  }
}

/**
 * Feedback for staff (issue 6, "acting on it"): the inbox (filters, keyset
 * paging, counts per status, median time to a first reply), bulk changes, the
 * CSV export, super-users, and one item with its history and actions. For the
 * roles that work on feedback (FEEDBACK_ROLES); the rules are in
 * FeedbackTriageService.
 */
@Controller('staff')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...FEEDBACK_ROLES)
export class StaffFeedbackController {
  constructor(
    private readonly inbox: FeedbackInboxReadModel,
    private readonly triage: FeedbackTriageService,
    private readonly superUsersReadModel: SuperUsersReadModel,
    private readonly presenter: StaffFeedbackPresenter,
    private readonly i18n: I18nService,
    private readonly exports: ExportAuditService,
    private readonly itemPage: StaffFeedbackItemPage,
    private readonly inboxPage: StaffFeedbackInboxPage,
  ) {}

  @Get('feedback')
  async list(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const notice = req.session.staffFeedbackNotice;
    if (notice) delete req.session.staffFeedbackNotice;
    await this.renderInbox(req, res, query, undefined, notice);
  }

  @Get('feedback.csv')
  async csv(
    @Query() query: Record<string, unknown>,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const locale = res.locals.locale as Locale;
    const { filters, errors } = await this.readFilters(query, locale);
    if (!filters) {
      res.status(422).type('text/plain; charset=utf-8');
      return res.send(errors.map((e) => `${e.field}: ${e.message}`).join('\n'));
    }
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="feedback-${stamp}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    const omitted = omittedExportColumns(staff.roles);
    res.write(exportCsv([this.presenter.csvHeader(omitted)], { bom: true }));
    const batches = this.inbox.exportRows(filters, staff.accountId, INBOX_EXPORT_LIMIT);
    let count = 0;
    for await (const rows of batches) {
      count += rows.length;
      res.write(exportCsv(rows.map((row) => this.presenter.csvRow(row, omitted))));
    }
    // Audited before the file ends, so the trace is there once it is downloaded.
    await this.exports.exported(
      staff.accountId,
      {
        export: 'feedback',
        entity: { type: 'feedback_item' },
        filters: { ...filters },
        rows: count,
        omittedColumns: omitted,
      },
      origin,
    );
    res.end();
  }

  @Post('feedback/bulk')
  async bulk(
    @FormBody(BulkDto) dto: BulkDto,
    @Body('ids') checkedIds: unknown,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const locale = res.locals.locale as Locale;
    const returnTo = inboxPath(dto.return);
    const ids = formList(checkedIds);
    const values = {
      bulkStatus: dto.bulkStatus,
      bulkAssignee: dto.bulkAssignee,
      bulkTag: dto.bulkTag,
    };
    const chosen = dto.action;
    let action: BulkAction | undefined;
    if (chosen === 'status') action = { kind: 'status', status: values.bulkStatus };
    else if (chosen === 'assign') action = { kind: 'assign', assignee: values.bulkAssignee };
    else if (chosen === 'tag') action = { kind: 'tag', tag: values.bulkTag };
    let error: FieldError;
    if (!action) {
      error = { field: 'action', message: this.i18n.t(locale, 'staffFeedback.errors.bulk.action') };
    } else {
      const result = await this.triage.bulk(staff, ids, action, origin);
      if (result.ok) {
        req.session.staffFeedbackNotice = {
          key: 'staffFeedback.notices.bulk',
          values: { changed: result.changed, unchanged: result.unchanged },
        };
        return req.session.save(() => res.redirect(303, returnTo));
      }
      if (result.reason === 'forbidden') throw new ForbiddenException();
      error = {
        field: bulkField(result.field),
        message: this.i18n.t(locale, `staffFeedback.errors.bulk.${result.field}.${result.problem}`),
      };
    }
    const query = Object.fromEntries(new URL(returnTo, 'http://portal').searchParams);
    await this.renderInbox(req, res, query, {
      errors: [error],
      checked: ids,
      values: { ...values, action: chosen },
    });
  }

  @Get('feedback/super-users')
  async superUsers(@Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const cohorts = await this.superUsersReadModel.byCohort();
    res.render('staff-feedback/super-users', this.presenter.superUsers(cohorts, locale));
  }

  @Get('feedback/:id')
  async show(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const detail = await this.inbox.detail(id);
    if (!detail) throw new NotFoundException();
    const notice = req.session.staffFeedbackNotice;
    if (notice) delete req.session.staffFeedbackNotice;
    await this.itemPage.show(req, res, 200, detail, { notice });
  }

  @Get('feedback/:id/files/:fileId')
  async file(@Param('id') id: string, @Param('fileId') fileId: string, @Res() res: Response) {
    const file = await this.inbox.file(id, fileId);
    if (!file) throw new NotFoundException();
    res.setHeader(
      'Content-Disposition',
      attachmentDisposition(sanitizeFilename(file.filename, file.contentType)),
    );
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(file.content);
  }

  @Post('feedback/:id/status')
  @FormPage(StaffFeedbackItemPage)
  async status(
    @Param('id') id: string,
    @FormBody(StatusDto) dto: StatusDto,
    @Body('seenStatus') seenStatus: unknown,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const input = { status: dto.status, original: dto.original, seenStatus: seen(seenStatus) };
    const done = unwrapTriage(await this.triage.changeStatus(staff, id, input, origin), 'status');
    this.changed(req, res, id, done.changed ? 'statusChanged' : 'unchanged');
  }

  @Post('feedback/:id/assign')
  @FormPage(StaffFeedbackItemPage)
  async assign(
    @Param('id') id: string,
    @FormBody(AssignDto) dto: AssignDto,
    @Body('seenAssignee') seenAssignee: unknown,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const input = { assignee: dto.assignee, seenAssignee: seen(seenAssignee) };
    const done = unwrapTriage(await this.triage.assign(staff, id, input, origin), 'assignee');
    this.changed(req, res, id, done.changed ? 'assigned' : 'unchanged');
  }

  @Post('feedback/:id/tags')
  @FormPage(StaffFeedbackItemPage)
  async addTag(
    @Param('id') id: string,
    @FormBody(TagDto) dto: TagDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const done = unwrapTriage(await this.triage.addTag(staff, id, dto.tag, origin), 'tag');
    this.changed(req, res, id, done.changed ? 'tagged' : 'unchanged');
  }

  @Post('feedback/:id/tags/remove')
  @FormPage(StaffFeedbackItemPage)
  async removeTag(
    @Param('id') id: string,
    @FormBody(TagDto) dto: TagDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const done = unwrapTriage(await this.triage.removeTag(staff, id, dto.tag, origin), 'tag');
    this.changed(req, res, id, done.changed ? 'untagged' : 'unchanged');
  }

  @Post('feedback/:id/notes')
  @FormPage(StaffFeedbackItemPage)
  async note(
    @Param('id') id: string,
    @FormBody(NoteDto) dto: NoteDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const done = unwrapTriage(await this.triage.addNote(staff, id, dto.note, origin), 'note');
    this.changed(req, res, id, done.changed ? 'noted' : 'unchanged');
  }

  @Post('feedback/:id/replies')
  @FormPage(StaffFeedbackItemPage)
  async reply(
    @Param('id') id: string,
    @FormBody(ReplyDto) dto: ReplyDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const done = unwrapTriage(await this.triage.reply(staff, id, dto.reply, origin), 'reply');
    const notice = done.emailed ? 'repliedEmailed' : 'replied';
    this.changed(req, res, id, done.changed ? notice : 'unchanged');
  }

  // ---------------------------------------------------------------------------

  /** After an action on an item: back to its page, with a notice. */
  private changed(req: Request, res: Response, id: string, notice: string) {
    req.session.staffFeedbackNotice = { key: `staffFeedback.notices.${notice}` };
    req.session.save(() => res.redirect(303, `/staff/feedback/${id}`));
  }

  private renderInbox(
    req: Request,
    res: Response,
    query: Record<string, unknown>,
    bulk: BulkState | undefined,
    notice?: StaffFeedbackNotice,
  ) {
    return this.inboxPage.show(req, res, query, bulk, notice);
  }

  private readFilters(query: Record<string, unknown>, locale: Locale) {
    return this.inboxPage.readFilters(query, locale);
  }
}

/** The status or assignee a form showed, to detect a change made meanwhile (absent: not checked). */
function seen(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The inbox page a bulk action came from (its filters and page), or the inbox. */
function inboxPath(value: unknown): string {
  const path = safeReturnPath(value, '/staff/feedback');
  return path === '/staff/feedback' || path.startsWith('/staff/feedback?')
    ? path
    : '/staff/feedback';
}

/** The bulk form's field a problem is about (the error summary links to it). */
function bulkField(field: TriageField): string {
  switch (field) {
    case 'status':
      return 'bulkStatus';
    case 'assignee':
      return 'bulkAssignee';
    case 'tag':
      return 'bulkTag';
    default:
      return 'bulkItems';
  }
}
