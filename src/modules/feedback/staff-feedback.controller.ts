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
import { AUDIENCES, type Audience } from '../../platform/flags/flag-context.js';
import { errorsByField, text, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { safeReturnPath } from '../../platform/http/view-locals.middleware.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { PROCESSING_ROLES } from '../applications/application-processing.service.js';
import { isUuid } from '../applications/applications.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import { ALL_STAGES, isStage, type Stage } from '../rollout/stages.js';
import { csvLine } from '../staff/csv.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import type { StaffRole } from '../staff/staff-role.js';
import { StaffService } from '../staff/staff.service.js';
import {
  FEEDBACK_CHANNELS,
  FEEDBACK_KINDS,
  FEEDBACK_STATUSES,
  SEVERITIES,
  type FeedbackChannel,
  type FeedbackKind,
  type FeedbackStatus,
  type Severity,
} from './feedback-options.js';
import {
  STATUS_TAG,
  formatNumber,
  stageLabel,
  variantLabel,
  viewportLabel,
} from './feedback-view.js';
import {
  FeedbackInboxReadModel,
  isInboxCursor,
  type AssigneeFilter,
  type HistoryEntry,
  type InboxCursor,
  type InboxFilters,
  type InboxRow,
  type StaffFeedbackDetail,
} from './feedback-inbox.read-model.js';
import {
  FeedbackTriageService,
  type BulkAction,
  type TriageActor,
  type TriageField,
  type TriageResult,
} from './feedback-triage.service.js';
import {
  SEVERITY_TAG,
  channelLabel,
  dateTimeFormat,
  durationText,
  formList,
  multiline,
  submitterText,
} from './staff-feedback-view.js';
import { SuperUsersReadModel } from './super-users.read-model.js';
import {
  BULK_STATUSES,
  FEEDBACK_ROLES,
  INBOX_EXPORT_LIMIT,
  MAX_TAG_LENGTH,
  MAX_TRIAGE_TEXT,
  TAG,
  TRIAGE_STATUSES,
  normalizeTag,
} from './triage-options.js';

/** A message shown once, after a change, on the page the change redirects to. */
export interface StaffFeedbackNotice {
  key: string;
  values?: Record<string, string | number>;
}

declare module 'express-session' {
  interface SessionData {
    staffFeedbackNotice?: StaffFeedbackNotice;
  }
}

const FILTER_FIELDS = [
  'service',
  'variant',
  'stage',
  'cohort',
  'kind',
  'severity',
  'status',
  'channel',
  'assignee',
  'tag',
] as const;
type FilterValues = Record<(typeof FILTER_FIELDS)[number], string>;

const COHORT_SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const CSV_HEADER = [
  'reference',
  'sent_at',
  'service',
  'variant',
  'stage',
  'cohorts',
  'channel',
  'kind',
  'severity',
  'status',
  'duplicate_of',
  'sme',
  'neq',
  'person',
  'email',
  'contact_name',
  'contact_detail',
  'consent_to_contact',
  'language',
  'page',
  'application',
  'recorded_by',
  'assignee',
  'tags',
  'first_response_at',
  'tried',
  'happened',
  'expected',
];

/** What the item page shows again after a refused action. */
interface ItemState {
  values?: Record<string, string>;
  errors?: FieldError[];
  notice?: StaffFeedbackNotice;
}

/** What the inbox shows again after a refused bulk action. */
interface BulkState {
  errors: FieldError[];
  checked: string[];
  values: Record<string, string>;
}

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
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
    private readonly rollout: RolloutReadModel,
    private readonly catalogue: CatalogueService,
    private readonly staff: StaffService,
    private readonly i18n: I18nService,
  ) {}

  @Get('feedback')
  async list(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const notice = req.session.staffFeedbackNotice;
    if (notice) delete req.session.staffFeedbackNotice;
    await this.renderInbox(req, res, query, undefined, notice);
  }

  @Get('feedback.csv')
  async csv(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
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
    // A byte-order mark, so that spreadsheets read the accents as UTF-8.
    res.write(`\uFEFF${csvLine(CSV_HEADER)}`);
    for await (const rows of this.inbox.exportRows(
      filters,
      req.session.accountId!,
      INBOX_EXPORT_LIMIT,
    )) {
      res.write(
        rows
          .map((row) =>
            csvLine([
              row.reference,
              row.createdAt.toISOString(),
              row.serviceSlug,
              row.variant,
              row.stage,
              row.cohorts.join(' '),
              row.channel,
              row.kind,
              row.severity,
              row.status,
              row.duplicateOfReference,
              row.organizationName,
              row.organizationNeq,
              row.personName,
              row.personEmail,
              row.contactName,
              row.contactDetail,
              row.consentToContact ? 'yes' : 'no',
              row.language,
              row.page,
              row.applicationReference,
              row.recordedByName,
              row.assigneeName,
              row.tags.join(' '),
              row.firstResponseAt?.toISOString() ?? null,
              row.tried,
              row.happened,
              row.expected,
            ]),
          )
          .join(''),
      );
    }
    res.end();
  }

  @Post('feedback/bulk')
  async bulk(@Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const returnTo = inboxPath(body?.return);
    const ids = formList(body?.ids);
    const values = {
      bulkStatus: text(body?.bulkStatus),
      bulkAssignee: text(body?.bulkAssignee),
      bulkTag: text(body?.bulkTag),
    };
    const chosen = text(body?.action);
    let action: BulkAction | undefined;
    if (chosen === 'status') action = { kind: 'status', status: values.bulkStatus };
    else if (chosen === 'assign') action = { kind: 'assign', assignee: values.bulkAssignee };
    else if (chosen === 'tag') action = { kind: 'tag', tag: values.bulkTag };
    let error: FieldError;
    if (!action) {
      error = { field: 'action', message: this.i18n.t(locale, 'staffFeedback.errors.bulk.action') };
    } else {
      const result = await this.triage.bulk(
        this.actor(req, res),
        ids,
        action,
        requestOrigin(req, res),
      );
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
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const cohorts = await this.superUsersReadModel.byCohort();
    res.render('staff-feedback/super-users', {
      pageTitle: t('staffFeedback.superUsers.title'),
      navActive: 'staff',
      staffNavActive: 'feedback',
      cohorts: cohorts.map((cohort) => ({
        ...cohort,
        audienceLabel: t(`staffFeedback.superUsers.audience.${cohort.audience}`),
        inboxHref: `/staff/feedback?${new URLSearchParams({ cohort: cohort.slug }).toString()}`,
      })),
    });
  }

  @Get('feedback/:id')
  async show(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const detail = await this.inbox.detail(id);
    if (!detail) throw new NotFoundException();
    const notice = req.session.staffFeedbackNotice;
    if (notice) delete req.session.staffFeedbackNotice;
    await this.renderItem(req, res, 200, detail, { notice });
  }

  @Get('feedback/:id/files/:fileId')
  async file(@Param('id') id: string, @Param('fileId') fileId: string, @Res() res: Response) {
    const file = await this.inbox.file(id, fileId);
    if (!file) throw new NotFoundException();
    res.attachment(file.filename);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Cache-Control', 'private, no-store');
    res.send(file.content);
  }

  @Post('feedback/:id/status')
  async status(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = { status: text(body?.status), original: text(body?.original) };
    const result = await this.triage.changeStatus(
      this.actor(req, res),
      id,
      { ...values, seenStatus: seen(body?.seenStatus) },
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'status', values, 'statusChanged');
  }

  @Post('feedback/:id/assign')
  async assign(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = { assignee: text(body?.assignee) };
    const result = await this.triage.assign(
      this.actor(req, res),
      id,
      { ...values, seenAssignee: seen(body?.seenAssignee) },
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'assignee', values, 'assigned');
  }

  @Post('feedback/:id/tags')
  async addTag(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = { tag: text(body?.tag) };
    const result = await this.triage.addTag(
      this.actor(req, res),
      id,
      values.tag,
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'tag', values, 'tagged');
  }

  @Post('feedback/:id/tags/remove')
  async removeTag(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const result = await this.triage.removeTag(
      this.actor(req, res),
      id,
      text(body?.tag),
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'tag', {}, 'untagged');
  }

  @Post('feedback/:id/notes')
  async note(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = { note: multiline(body?.note) };
    const result = await this.triage.addNote(
      this.actor(req, res),
      id,
      values.note,
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'note', values, 'noted');
  }

  @Post('feedback/:id/replies')
  async reply(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = { reply: multiline(body?.reply) };
    const result = await this.triage.reply(
      this.actor(req, res),
      id,
      values.reply,
      requestOrigin(req, res),
    );
    const notice = result.ok && result.emailed ? 'repliedEmailed' : 'replied';
    await this.answer(req, res, id, result, 'reply', values, notice);
  }

  // ---------------------------------------------------------------------------

  private actor(req: Request, res: Response): TriageActor {
    return { accountId: req.session.accountId!, role: res.locals.staffRole as StaffRole };
  }

  /** Every action's outcome, answered in one place. */
  private async answer(
    req: Request,
    res: Response,
    id: string,
    result: TriageResult,
    form: TriageField,
    values: Record<string, string>,
    notice: string,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    if (result.ok) {
      req.session.staffFeedbackNotice = {
        key: `staffFeedback.notices.${result.changed ? notice : 'unchanged'}`,
      };
      return req.session.save(() => res.redirect(303, `/staff/feedback/${id}`));
    }
    const detail = await this.inbox.detail(id);
    switch (result.reason) {
      case 'not-found':
        throw new NotFoundException();
      case 'forbidden':
        throw new ForbiddenException();
      case 'conflict': {
        if (!detail) throw new NotFoundException();
        const message =
          form === 'assignee'
            ? t('staffFeedback.errors.conflict.assignee', {
                assignee: detail.assigneeName ?? t('staffFeedback.item.nobody'),
              })
            : t('staffFeedback.errors.conflict.status', {
                status: t(`feedback.status.${detail.status}`),
              });
        return this.renderItem(req, res, 409, detail, {
          values,
          errors: [{ field: form, message }],
        });
      }
      case 'invalid': {
        if (!detail) throw new NotFoundException();
        const error = {
          field: result.field,
          message: t(`staffFeedback.errors.${result.field}.${result.problem}`, {
            max: formatNumber(result.field === 'tag' ? MAX_TAG_LENGTH : MAX_TRIAGE_TEXT, locale),
          }),
        };
        return this.renderItem(req, res, 422, detail, { values, errors: [error] });
      }
      default:
        return assertUnreachable(result);
    }
  }

  private async renderInbox(
    req: Request,
    res: Response,
    query: Record<string, unknown>,
    bulk: BulkState | undefined,
    notice?: StaffFeedbackNotice,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const staffId = req.session.accountId!;
    const [{ values, filters, errors, members }, cohorts] = await Promise.all([
      this.readFilters(query, locale),
      this.rollout.cohortList(),
    ]);
    const after = text(query.after);
    const before = text(query.before);
    let cursor: InboxCursor | undefined;
    if (after || before) {
      if (after && !before && isInboxCursor(after)) cursor = { after };
      else if (before && !after && isInboxCursor(before)) cursor = { before };
      else errors.push({ field: 'service', message: t('staffFeedback.errors.cursorInvalid') });
    }
    const searched = errors.length === 0 && filters !== undefined;
    const [page, summary] = searched
      ? await Promise.all([
          this.inbox.page(filters, staffId, cursor),
          this.inbox.summary(filters, staffId),
        ])
      : [{ rows: [] }, undefined];
    const filterQuery = new URLSearchParams(
      Object.entries(values).filter(([, v]) => v) as [string, string][],
    );
    const href = (path: string, changes: Record<string, string> = {}) => {
      const q = new URLSearchParams(filterQuery);
      for (const [key, value] of Object.entries(changes)) {
        if (value) q.set(key, value);
        else q.delete(key);
      }
      return `${path}${q.size > 0 ? `?${q}` : ''}`;
    };
    const cursorQuery: Record<string, string> = cursor
      ? 'after' in cursor
        ? { after }
        : { before }
      : {};
    const option = (value: string, label: string, current: string) => ({
      value,
      label,
      selected: value === current,
    });
    const when = dateTimeFormat(locale);
    const checked = new Set(bulk?.checked ?? []);
    const allErrors = [...errors, ...(bulk?.errors ?? [])];
    const cohortOptions = cohorts.map((c) =>
      option(c.slug, `${c.name} (${c.slug})`, values.cohort),
    );
    if (values.cohort && !cohorts.some((c) => c.slug === values.cohort))
      cohortOptions.push(option(values.cohort, values.cohort, values.cohort));
    const assignees = [
      option('me', t('staffFeedback.inbox.assignedMe'), values.assignee),
      option('none', t('staffFeedback.inbox.assignedNobody'), values.assignee),
      ...members
        .filter((m) => m.accountId !== staffId)
        .map((m) => option(m.accountId, m.displayName, values.assignee)),
    ];
    res.status(allErrors.length > 0 ? 422 : 200).render('staff-feedback/inbox', {
      pageTitle: t('staffFeedback.inbox.title'),
      navActive: 'staff',
      staffNavActive: 'feedback',
      values,
      notice: notice ? t(notice.key, notice.values) : undefined,
      services: [
        option('', t('staffFeedback.inbox.any'), values.service),
        ...this.catalogue.all().map((s) => option(s.slug, s.title[locale], values.service)),
      ],
      variants: [
        option('', t('staffFeedback.inbox.any'), values.variant),
        ...AUDIENCES.map((v) => option(v, variantLabel(v, locale, this.i18n), values.variant)),
      ],
      stages: [
        option('', t('staffFeedback.inbox.any'), values.stage),
        ...ALL_STAGES.map((s) => option(s, stageLabel(s, locale, this.i18n), values.stage)),
      ],
      cohorts: [option('', t('staffFeedback.inbox.any'), values.cohort), ...cohortOptions],
      kinds: [
        option('', t('staffFeedback.inbox.any'), values.kind),
        ...FEEDBACK_KINDS.map((k) => option(k, t(`feedback.kind.${k}`), values.kind)),
      ],
      severities: [
        option('', t('staffFeedback.inbox.any'), values.severity),
        ...SEVERITIES.map((s) => option(s, t(`feedback.severity.${s}`), values.severity)),
      ],
      statuses: [
        option('', t('staffFeedback.inbox.any'), values.status),
        ...FEEDBACK_STATUSES.map((s) => option(s, t(`feedback.status.${s}`), values.status)),
      ],
      channels: [
        option('', t('staffFeedback.inbox.any'), values.channel),
        ...FEEDBACK_CHANNELS.map((c) =>
          option(c, channelLabel(c, locale, this.i18n), values.channel),
        ),
      ],
      assignees: [option('', t('staffFeedback.inbox.any'), values.assignee), ...assignees],
      summary: summary && {
        total: summary.total,
        statuses: FEEDBACK_STATUSES.map((s) => ({
          status: s,
          label: t(`feedback.status.${s}`),
          count: summary.counts[s],
          href: href('/staff/feedback', { status: s }),
          current: values.status === s,
        })),
        median:
          summary.medianFirstResponseSeconds === null
            ? undefined
            : durationText(summary.medianFirstResponseSeconds, locale, this.i18n),
        answered: summary.answered,
      },
      rows: page.rows.map((row) => this.rowView(row, staffId, locale, when, checked)),
      searched,
      csvHref: href('/staff/feedback.csv'),
      returnTo: href('/staff/feedback', cursorQuery),
      nextHref: page.next ? href('/staff/feedback', { after: page.next }) : undefined,
      previousHref: page.previous ? href('/staff/feedback', { before: page.previous }) : undefined,
      bulkValues: bulk?.values ?? {},
      bulkActions: (['status', 'assign', 'tag'] as const).map((a, i) => ({
        id: i === 0 ? 'action' : `action-${a}`,
        value: a,
        label: t(`staffFeedback.bulk.action.${a}`),
        checked: bulk?.values.action === a,
      })),
      bulkStatuses: [
        option('', t('staffFeedback.bulk.chooseStatus'), bulk?.values.bulkStatus ?? ''),
        ...BULK_STATUSES.map((s) =>
          option(s, t(`feedback.status.${s}`), bulk?.values.bulkStatus ?? ''),
        ),
      ],
      bulkAssignees: [
        option('', t('staffFeedback.bulk.chooseAssignee'), bulk?.values.bulkAssignee ?? ''),
        ...assignees.map((a) => ({ ...a, selected: a.value === bulk?.values.bulkAssignee })),
      ],
      hasErrors: allErrors.length > 0,
      errors: allErrors,
      fieldErrors: errorsByField(allErrors),
      csrfToken: csrfToken(req),
    });
  }

  private rowView(
    row: InboxRow,
    staffId: string,
    locale: Locale,
    when: Intl.DateTimeFormat,
    checked: Set<string>,
  ) {
    const t = (key: string) => this.i18n.t(locale, key);
    return {
      ...row,
      href: `/staff/feedback/${row.id}`,
      date: when.format(row.createdAt),
      dateIso: row.createdAt.toISOString(),
      serviceTitle: this.catalogue.find(row.serviceSlug)?.title[locale] ?? row.serviceSlug,
      variantLabel: variantLabel(row.variant, locale, this.i18n),
      kindLabel: t(`feedback.kind.${row.kind}`),
      severityLabel: row.severity ? t(`feedback.severity.${row.severity}`) : undefined,
      severityTag: row.severity ? SEVERITY_TAG[row.severity] : undefined,
      statusLabel: t(`feedback.status.${row.status}`),
      statusTag: STATUS_TAG[row.status],
      submitter: submitterText(row, locale, this.i18n),
      submitterKind: row.organizationName
        ? t('staffFeedback.submitter.sme')
        : t('staffFeedback.submitter.person'),
      channelLabel:
        row.channel === 'web' ? undefined : channelLabel(row.channel, locale, this.i18n),
      assignee:
        row.assignedTo === staffId ? t('staffFeedback.inbox.you') : (row.assigneeName ?? undefined),
      checked: checked.has(row.id),
    };
  }

  private async renderItem(
    req: Request,
    res: Response,
    status: number,
    detail: StaffFeedbackDetail,
    state: ItemState,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const staffId = req.session.accountId!;
    const role = res.locals.staffRole as StaffRole;
    const when = dateTimeFormat(locale);
    const errors = state.errors ?? [];
    const values = state.values ?? {};
    const members = await this.feedbackStaff();
    const title = t('staffFeedback.item.title', { reference: detail.reference });
    const serviceTitle =
      this.catalogue.find(detail.serviceSlug)?.title[locale] ?? detail.serviceSlug;
    const seeApplications = (PROCESSING_ROLES as readonly string[]).includes(role);
    const firstResponse =
      detail.firstResponseAt === null
        ? undefined
        : durationText(
            (detail.firstResponseAt.getTime() - detail.createdAt.getTime()) / 1000,
            locale,
            this.i18n,
          );
    const chosenStatus = values.status ?? '';
    res.status(status).render('staff-feedback/item', {
      pageTitle: title,
      title,
      navActive: 'staff',
      staffNavActive: 'feedback',
      item: detail,
      notice: state.notice ? t(state.notice.key, state.notice.values) : undefined,
      values,
      serviceTitle,
      variantLabel: variantLabel(detail.variant, locale, this.i18n),
      statusLabel: t(`feedback.status.${detail.status}`),
      statusTag: STATUS_TAG[detail.status],
      kindLabel: t(`feedback.kind.${detail.kind}`),
      severityLabel: detail.severity ? t(`feedback.severity.${detail.severity}`) : undefined,
      severityTag: detail.severity ? SEVERITY_TAG[detail.severity] : undefined,
      sent: when.format(detail.createdAt),
      sentIso: detail.createdAt.toISOString(),
      texts: [
        { id: 'tried', label: t('feedback.form.tried'), value: detail.tried },
        { id: 'happened', label: t('feedback.form.happened'), value: detail.happened },
        { id: 'expected', label: t('feedback.form.expected'), value: detail.expected },
      ].filter((x) => x.value),
      attachments: detail.attachments.map((a) => ({
        ...a,
        href: `/staff/feedback/${detail.id}/files/${a.id}`,
        size: `${formatNumber(Math.max(1, Math.round(a.size / 1024)), locale)} ${t('feedback.show.kilobytes')}`,
      })),
      from: this.fromRows(detail, locale),
      contextRows: [
        { label: t('feedback.context.stage'), value: stageLabel(detail.stage, locale, this.i18n) },
        { label: t('feedback.context.page'), value: detail.page ?? t('feedback.context.noPage') },
        {
          label: t('feedback.context.cohorts'),
          value: detail.cohorts.length
            ? detail.cohorts.join(', ')
            : t('feedback.context.noCohorts'),
        },
        { label: t('feedback.context.language'), value: t(`feedback.language.${detail.language}`) },
        {
          label: t('feedback.context.browser'),
          value: detail.userAgent ?? t('feedback.context.notKnown'),
        },
        {
          label: t('feedback.context.viewport'),
          value: viewportLabel(detail.viewport, locale, this.i18n),
        },
      ],
      application: detail.applicationId
        ? {
            reference: detail.applicationReference ?? t('staffFeedback.item.applicationDraft'),
            href:
              seeApplications && detail.applicationReference
                ? `/staff/applications/${detail.applicationId}`
                : undefined,
          }
        : undefined,
      duplicateOf: detail.duplicateOf && {
        ...detail.duplicateOf,
        href: `/staff/feedback/${detail.duplicateOf.id}`,
      },
      duplicates: detail.duplicates.map((d) => ({ ...d, href: `/staff/feedback/${d.id}` })),
      assignee:
        detail.assignedTo === staffId
          ? t('staffFeedback.item.assignedYou', { name: detail.assigneeName ?? '' })
          : (detail.assigneeName ?? undefined),
      canTake: detail.assignedTo !== staffId,
      firstResponse,
      statusChoices: TRIAGE_STATUSES.map((s, i) => ({
        id: i === 0 ? 'status' : `status-${s}`,
        value: s,
        label: t(`feedback.status.${s}`),
        checked: chosenStatus ? chosenStatus === s : detail.status === s,
        isDuplicate: s === 'duplicate',
      })),
      original: values.original ?? detail.duplicateOf?.reference ?? '',
      assigneeOptions: [
        {
          value: 'none',
          label: t('staffFeedback.item.nobody'),
          selected: (values.assignee ?? '') === 'none' || (!values.assignee && !detail.assignedTo),
        },
        ...members.map((m) => ({
          value: m.accountId === staffId ? 'me' : m.accountId,
          label:
            m.accountId === staffId
              ? t('staffFeedback.item.assignedYou', { name: m.displayName })
              : m.displayName,
          selected: values.assignee
            ? values.assignee === (m.accountId === staffId ? 'me' : m.accountId)
            : detail.assignedTo === m.accountId,
        })),
      ],
      replyEmailHint: this.replyHint(
        detail,
        locale,
        (res.locals.municipality as { name: string }).name,
      ),
      history: detail.history.map((h) => this.historyView(h, locale, when)),
      maxText: formatNumber(MAX_TRIAGE_TEXT, locale),
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }

  /** Who sent it, and how it came. */
  private fromRows(detail: StaffFeedbackDetail, locale: Locale) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const rows: { label: string; value: string }[] = [];
    if (detail.organizationName)
      rows.push({
        label: t('staffFeedback.item.sme'),
        value: `${detail.organizationName} (${t('staffFeedback.item.neq', { neq: detail.organizationNeq ?? '' })})`,
      });
    if (detail.personName)
      rows.push({
        label: t('staffFeedback.item.person'),
        value: `${detail.personName} <${detail.personEmail ?? ''}>`,
      });
    if (detail.contactName)
      rows.push({ label: t('staffFeedback.item.contactName'), value: detail.contactName });
    if (detail.contactDetail)
      rows.push({ label: t('staffFeedback.item.contactDetail'), value: detail.contactDetail });
    if (rows.length === 0)
      rows.push({
        label: t('staffFeedback.item.person'),
        value: t('staffFeedback.submitter.unknown'),
      });
    rows.push({
      label: t('staffFeedback.item.channel'),
      value:
        detail.channel === 'web'
          ? channelLabel('web', locale, this.i18n)
          : t('staffFeedback.item.recordedBy', {
              channel: channelLabel(detail.channel, locale, this.i18n),
              name: detail.recordedByName ?? t('staffFeedback.item.someone'),
            }),
    });
    rows.push({
      label: t('feedback.show.contact'),
      value: t(detail.consentToContact ? 'feedback.show.contactYes' : 'feedback.show.contactNo'),
    });
    return rows;
  }

  /** Where a reply goes: emailed, or only on "My feedback", or nowhere but here. */
  private replyHint(detail: StaffFeedbackDetail, locale: Locale, municipality: string): string {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    if (!detail.accountId) return t('staffFeedback.item.replyHint.noAccount');
    if (detail.personClosed) return t('staffFeedback.item.replyHint.closed');
    if (!detail.consentToContact)
      return t('staffFeedback.item.replyHint.noConsent', { municipality });
    return t('staffFeedback.item.replyHint.emailed', {
      email: detail.personEmail ?? '',
      municipality,
    });
  }

  private historyView(entry: HistoryEntry, locale: Locale, when: Intl.DateTimeFormat) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const base = {
      type: entry.type,
      at: when.format(entry.at),
      atIso: entry.at.toISOString(),
      actor: entry.actorName ?? t('staffFeedback.item.someone'),
    };
    switch (entry.type) {
      case 'status':
        return {
          ...base,
          what: entry.originalReference
            ? t('staffFeedback.history.duplicate', {
                from: t(`feedback.status.${entry.from}`),
                original: entry.originalReference,
              })
            : t('staffFeedback.history.status', {
                from: t(`feedback.status.${entry.from}`),
                to: t(`feedback.status.${entry.to}`),
              }),
        };
      case 'assigned':
        return {
          ...base,
          what: entry.toName
            ? t('staffFeedback.history.assigned', { name: entry.toName })
            : t('staffFeedback.history.unassigned'),
        };
      case 'tag-added':
        return { ...base, what: t('staffFeedback.history.tagAdded', { tag: entry.tag }) };
      case 'tag-removed':
        return { ...base, what: t('staffFeedback.history.tagRemoved', { tag: entry.tag }) };
      case 'reply':
        return {
          ...base,
          what: t(
            entry.emailed ? 'staffFeedback.history.replyEmailed' : 'staffFeedback.history.reply',
          ),
          body: entry.body,
        };
      case 'note':
        return { ...base, what: t('staffFeedback.history.note'), body: entry.body, internal: true };
      default:
        return assertUnreachable(entry);
    }
  }

  /** Staff who work on feedback: the assignee choices. */
  private async feedbackStaff() {
    return (await this.staff.list()).filter((m) =>
      (FEEDBACK_ROLES as readonly string[]).includes(m.role),
    );
  }

  /** The filters as typed (for the form), as checked (for the query), and what is wrong. */
  private async readFilters(query: Record<string, unknown>, locale: Locale) {
    const t = (key: string) => this.i18n.t(locale, key);
    const values = Object.fromEntries(
      FILTER_FIELDS.map((f) => [f, text(query[f]).slice(0, 200)]),
    ) as FilterValues;
    values.tag = normalizeTag(values.tag);
    const members = await this.feedbackStaff();
    const errors: FieldError[] = [];
    const wrong = (field: string) =>
      errors.push({ field, message: t(`staffFeedback.errors.filter.${field}`) });
    const oneOf = (list: readonly string[], value: string) => !value || list.includes(value);
    if (values.service && !this.catalogue.find(values.service)) wrong('service');
    if (!oneOf(AUDIENCES, values.variant)) wrong('variant');
    if (values.stage && !isStage(values.stage)) wrong('stage');
    if (values.cohort && !COHORT_SLUG.test(values.cohort)) wrong('cohort');
    if (!oneOf(FEEDBACK_KINDS, values.kind)) wrong('kind');
    if (!oneOf(SEVERITIES, values.severity)) wrong('severity');
    if (!oneOf(FEEDBACK_STATUSES, values.status)) wrong('status');
    if (!oneOf(FEEDBACK_CHANNELS, values.channel)) wrong('channel');
    let assignee: AssigneeFilter = { kind: 'anyone' };
    if (values.assignee === 'me') assignee = { kind: 'me' };
    else if (values.assignee === 'none') assignee = { kind: 'unassigned' };
    else if (isUuid(values.assignee) && members.some((m) => m.accountId === values.assignee))
      assignee = { kind: 'staff', id: values.assignee };
    else if (values.assignee) wrong('assignee');
    if (values.tag && (values.tag.length > MAX_TAG_LENGTH || !TAG.test(values.tag))) wrong('tag');
    if (errors.length > 0) return { values, errors, filters: undefined, members };
    const filters: InboxFilters = {
      service: values.service || undefined,
      variant: (values.variant || undefined) as Audience | undefined,
      stage: (values.stage || undefined) as Stage | undefined,
      cohort: values.cohort || undefined,
      kind: (values.kind || undefined) as FeedbackKind | undefined,
      severity: (values.severity || undefined) as Severity | undefined,
      status: (values.status || undefined) as FeedbackStatus | undefined,
      channel: (values.channel || undefined) as FeedbackChannel | undefined,
      assignee,
      tag: values.tag || undefined,
    };
    return { values, errors, filters, members };
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
