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
import type { Audience } from '../../platform/flags/flag-context.js';
import { errorsByField, text, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { attachmentDisposition } from '../../platform/http/content-disposition.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { fieldIndex, fieldsFor, isShown } from '../catalogue/form-engine.js';
import type {
  AddressAnswer,
  Answers,
  AnswerValue,
  FieldDefinition,
  FileAnswer,
  GroupItemField,
} from '../catalogue/form-schema.js';
import { FormService } from '../catalogue/form.service.js';
import type { ServiceDefinition } from '../catalogue/service-definition.js';
import { isDay } from '../staff/staff-audit.read-model.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import { StaffService } from '../staff/staff.service.js';
import {
  ApplicationProcessingService,
  PROCESSING_ROLES,
  type ProcessingResult,
} from './application-processing.service.js';
import { canTransition, isFinal, isStatus, type ApplicationStatus } from './application-status.js';
import {
  ApplicationsQueueReadModel,
  CITY_TIME_ZONE,
  isQueueCursor,
  type AssignedFilter,
  type QueueCursor,
  type QueueFilters,
  type QueuePage,
  type StaffApplicationDetail,
} from './applications-queue.read-model.js';
import { AttachmentsService, sanitizeFilename } from './attachments.service.js';
import { ApplicationsService, isUuid } from './applications.service.js';

declare module 'express-session' {
  interface SessionData {
    /** Shown once on an application's staff page after an action: a catalog key. */
    staffApplicationNotice?: string;
  }
}

/** The govuk-tag colour of each status. */
const STATUS_TAG: Record<ApplicationStatus, string> = {
  draft: 'govuk-tag--grey',
  submitted: 'govuk-tag--blue',
  in_review: 'govuk-tag--light-blue',
  information_requested: 'govuk-tag--yellow',
  resubmitted: 'govuk-tag--purple',
  approved: 'govuk-tag--green',
  rejected: 'govuk-tag--red',
  withdrawn: 'govuk-tag--grey',
};

const QUEUE_STATUSES = [
  'submitted',
  'in_review',
  'information_requested',
  'resubmitted',
  'approved',
  'rejected',
  'withdrawn',
] as const satisfies readonly ApplicationStatus[];

const FILTER_FIELDS = ['service', 'variant', 'status', 'assigned', 'from', 'to', 'sort'] as const;
type FilterValues = Record<(typeof FILTER_FIELDS)[number], string>;

/** The text fields of the page's forms (each also the id the error summary links to). */
type NoteField = 'informationReason' | 'conditions' | 'rejectionReason' | 'message';

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/**
 * The clerks' side of applications: the queue (filters, sorting, keyset
 * paging), one application (answers, files, timeline, messages) and the
 * actions on it. Clerks and admins only; the rules live in
 * ApplicationProcessingService.
 */
@Controller('staff/applications')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...PROCESSING_ROLES)
export class StaffApplicationsController {
  constructor(
    private readonly queue: ApplicationsQueueReadModel,
    private readonly processing: ApplicationProcessingService,
    private readonly applications: ApplicationsService,
    private readonly attachments: AttachmentsService,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
    private readonly staff: StaffService,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async list(@Query() query: Record<string, unknown>, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const staffId = req.session.accountId!;
    const clerks = (await this.staff.list()).filter((m) =>
      (PROCESSING_ROLES as readonly string[]).includes(m.role),
    );
    const { values, filters, errors } = this.readFilters(
      query,
      clerks.map((c) => c.accountId),
      locale,
    );
    const after = text(query.after);
    const before = text(query.before);
    let cursor: QueueCursor | undefined;
    if (after || before) {
      if (after && !before && isQueueCursor(after)) cursor = { after };
      else if (before && !after && isQueueCursor(before)) cursor = { before };
      else errors.push({ field: 'service', message: t('staffApplications.errors.cursorInvalid') });
    }
    const page: QueuePage =
      errors.length > 0 || !filters
        ? { rows: [] }
        : await this.queue.page(filters, staffId, cursor);
    const filterQuery = new URLSearchParams(
      Object.entries(values).filter(([, v]) => v) as [string, string][],
    );
    const href = (extra?: [string, string]) => {
      const q = new URLSearchParams(filterQuery);
      if (extra) q.set(...extra);
      return `/staff/applications${q.size > 0 ? `?${q}` : ''}`;
    };
    const date = dateFormat(locale, { dateStyle: 'medium' });
    const option = (value: string, label: string, current: string) => ({
      value,
      label,
      selected: value === current,
    });
    res.status(errors.length > 0 ? 422 : 200).render('staff/applications', {
      pageTitle: t('staffApplications.queue.title'),
      navActive: 'staff',
      staffNavActive: 'applications',
      values,
      services: [
        option('', t('staffApplications.queue.anyService'), values.service),
        ...this.catalogue.all().map((s) => option(s.slug, s.title[locale], values.service)),
      ],
      variants: [
        option('', t('staffApplications.queue.anyVariant'), values.variant),
        option('citizen', t('staffApplications.variant.citizen'), values.variant),
        option('business', t('staffApplications.variant.business'), values.variant),
      ],
      statuses: [
        option('', t('staffApplications.queue.anyStatus'), values.status),
        ...QUEUE_STATUSES.map((s) => option(s, t(`applicationStatus.${s}`), values.status)),
      ],
      assignees: [
        option('', t('staffApplications.queue.assignedAnyone'), values.assigned),
        option('me', t('staffApplications.queue.assignedMe'), values.assigned),
        option('none', t('staffApplications.queue.assignedNobody'), values.assigned),
        ...clerks
          .filter((c) => c.accountId !== staffId)
          .map((c) => option(c.accountId, c.displayName, values.assigned)),
      ],
      sorts: [
        option('newest', t('staffApplications.queue.sortNewest'), values.sort || 'newest'),
        option('oldest', t('staffApplications.queue.sortOldest'), values.sort),
      ],
      rows: page.rows.map((row) => ({
        ...row,
        href: `/staff/applications/${row.id}`,
        serviceTitle: this.catalogue.find(row.serviceSlug)?.title[locale] ?? row.serviceSlug,
        variantLabel: t(`staffApplications.variant.${row.variant}`),
        statusLabel: t(`applicationStatus.${row.status}`),
        statusTag: STATUS_TAG[row.status],
        submitted: date.format(row.submittedAt),
        submittedIso: row.submittedAt.toISOString(),
        assignee:
          row.assignedTo === staffId
            ? t('staffApplications.queue.you')
            : (row.assigneeName ?? undefined),
      })),
      searched: errors.length === 0,
      nextHref: page.next ? href(['after', page.next]) : undefined,
      previousHref: page.previous ? href(['before', page.previous]) : undefined,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
    });
  }

  @Get(':id')
  async show(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const detail = await this.queue.detail(id);
    if (!detail) throw new NotFoundException();
    const notice = req.session.staffApplicationNotice;
    if (notice) delete req.session.staffApplicationNotice;
    await this.renderApplication(req, res, 200, detail, { notice });
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
  async assign(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const result = await this.processing.assignToMe(this.actor(req), id, requestOrigin(req, res));
    await this.answer(req, res, id, result, undefined, {}, 'assigned');
  }

  @Post(':id/request-information')
  async requestInformation(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = decisionValues(body);
    const result = await this.processing.requestInformation(
      this.actor(req),
      id,
      values.informationReason,
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'informationReason', values, 'informationRequested');
  }

  @Post(':id/approve')
  async approve(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = decisionValues(body);
    const result = await this.processing.approve(
      this.actor(req),
      id,
      values.conditions || null,
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'conditions', values, 'approved');
  }

  @Post(':id/reject')
  async reject(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = decisionValues(body);
    const result = await this.processing.reject(
      this.actor(req),
      id,
      values.rejectionReason,
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'rejectionReason', values, 'rejected');
  }

  @Post(':id/messages')
  async message(
    @Param('id') id: string,
    @Body() body: Record<string, unknown>,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const values = { message: multiline(body?.message) };
    const result = await this.processing.postMessage(
      this.actor(req),
      id,
      values.message,
      requestOrigin(req, res),
    );
    await this.answer(req, res, id, result, 'message', values, 'messageSent');
  }

  private actor(req: Request) {
    return { accountId: req.session.accountId! };
  }

  /** Every action's outcome, answered in one place. */
  private async answer(
    req: Request,
    res: Response,
    id: string,
    result: ProcessingResult,
    field: NoteField | undefined,
    values: Record<string, string>,
    notice: string,
  ) {
    const locale = res.locals.locale as Locale;
    if (result.ok) {
      req.session.staffApplicationNotice = `staffApplications.notices.${notice}`;
      return req.session.save(() => res.redirect(303, `/staff/applications/${id}`));
    }
    switch (result.reason) {
      case 'not-found':
        throw new NotFoundException();
      case 'not-allowed':
        return this.refuse(req, res, id, values, (detail) => ({
          field: 'actions',
          message: this.i18n.t(locale, 'staffApplications.errors.notAllowed', {
            status: this.i18n.t(locale, `applicationStatus.${detail.status}`),
          }),
        }));
      case 'conflict-of-interest': {
        const detail = await this.queue.detail(id);
        if (!detail) throw new NotFoundException();
        return this.renderApplication(req, res, 403, detail, {
          values,
          errors: [
            {
              field: 'actions',
              message: this.i18n.t(locale, `staffApplications.conflict.${result.conflict}`),
            },
          ],
        });
      }
      case 'invalid':
        return this.refuse(req, res, id, values, () => ({
          field: field ?? 'actions',
          message: this.i18n.t(locale, `staffApplications.errors.${field}.${result.problem}`),
        }));
      default:
        return assertUnreachable(result);
    }
  }

  /**
   * The application's page again, with what was typed and the problem: 409 when
   * its status no longer allows the action, 422 when a text is missing or too long.
   */
  private async refuse(
    req: Request,
    res: Response,
    id: string,
    values: Record<string, string>,
    problem: (detail: StaffApplicationDetail) => FieldError,
  ) {
    const detail = await this.queue.detail(id);
    if (!detail) throw new NotFoundException();
    const error = problem(detail);
    const status = error.field === 'actions' ? 409 : 422;
    return this.renderApplication(req, res, status, detail, { values, errors: [error] });
  }

  private async renderApplication(
    req: Request,
    res: Response,
    status: number,
    detail: StaffApplicationDetail,
    data: { values?: Record<string, string>; errors?: FieldError[]; notice?: string },
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const staffId = req.session.accountId!;
    const errors = data.errors ?? [];
    const when = dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const service = this.catalogue.find(detail.serviceSlug);
    const fileHref = (fileId: string) => `/staff/applications/${detail.id}/files/${fileId}`;
    const fields = service ? fieldIndex(service.form) : new Map<string, FieldDefinition>();
    const [transitions, messages] = await Promise.all([
      this.applications.transitions(detail.id),
      this.applications.messages(detail.id),
    ]);
    const conflict = await this.processing.conflictOfInterest(staffId, detail);
    const can = (to: ApplicationStatus) => !conflict && canTransition(detail.status, to, 'staff');
    const roleLabel = (role: string) => t(`staffApplications.role.${role}`);
    const title = t('staffApplications.application.title', { reference: detail.reference });
    res.status(status).render('staff/application', {
      ...data,
      values: data.values ?? {},
      pageTitle: title,
      title,
      navActive: 'staff',
      staffNavActive: 'applications',
      application: detail,
      serviceTitle: service?.title[locale] ?? detail.serviceSlug,
      variantLabel: t(`staffApplications.variant.${detail.variant}`),
      channelLabel: t(`staffApplications.channel.${detail.channel}`),
      statusLabel: t(`applicationStatus.${detail.status}`),
      statusTag: STATUS_TAG[detail.status],
      submitted: when.format(detail.submittedAt),
      decided: detail.decidedAt ? when.format(detail.decidedAt) : undefined,
      assignee:
        detail.assignedTo === staffId
          ? t('staffApplications.application.assignedYou', { name: detail.assigneeName ?? '' })
          : (detail.assigneeName ?? undefined),
      sections: service
        ? answerSections(
            service,
            this.forms,
            detail.variant,
            detail.answers,
            locale,
            this.i18n,
            fileHref,
          )
        : rawSections(detail.answers),
      attachments: detail.attachments.map((f) => ({
        ...f,
        href: fileHref(f.id),
        fieldLabel: fields.get(f.field)?.label[locale] ?? f.field,
        sizeText: fileSize(f.size, locale),
        uploaded: when.format(f.uploadedAt),
      })),
      transitions: transitions.map((tr) => ({
        ...tr,
        fromLabel: t(`applicationStatus.${tr.from}`),
        toLabel: t(`applicationStatus.${tr.to}`),
        toTag: STATUS_TAG[tr.to],
        actor: tr.actorName ?? t('staffApplications.application.unknownActor'),
        actorRoleLabel: roleLabel(tr.actorRole),
        atText: when.format(tr.at),
        atIso: tr.at.toISOString(),
        reasonLines: tr.reason ? tr.reason.split(/\r?\n/) : [],
      })),
      messages: messages.map((m) => ({
        ...m,
        author: m.authorName ?? t('staffApplications.application.unknownActor'),
        authorRoleLabel: roleLabel(m.authorRole),
        fromStaff: m.authorRole === 'staff',
        atText: when.format(m.createdAt),
        atIso: m.createdAt.toISOString(),
        lines: m.body.split(/\r?\n/),
      })),
      decisionNoteLines: detail.decisionNote ? detail.decisionNote.split(/\r?\n/) : [],
      conflict: conflict ? t(`staffApplications.conflict.${conflict}`) : undefined,
      canAssign: !conflict && !isFinal(detail.status) && detail.assignedTo !== staffId,
      canRequestInformation: can('information_requested'),
      canApprove: can('approved'),
      canReject: can('rejected'),
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }

  /** The filters as typed (for the form), as checked (for the query), and what is wrong. */
  private readFilters(query: Record<string, unknown>, clerkIds: string[], locale: Locale) {
    const t = (key: string) => this.i18n.t(locale, key);
    const values = Object.fromEntries(
      FILTER_FIELDS.map((f) => [f, text(query[f]).slice(0, 200)]),
    ) as FilterValues;
    const errors: FieldError[] = [];
    const wrong = (field: string, key: string) =>
      errors.push({ field, message: t(`staffApplications.errors.${key}`) });
    if (values.service && !this.catalogue.find(values.service)) wrong('service', 'serviceInvalid');
    if (values.variant && values.variant !== 'citizen' && values.variant !== 'business')
      wrong('variant', 'variantInvalid');
    if (values.status && (!isStatus(values.status) || values.status === 'draft'))
      wrong('status', 'statusInvalid');
    let assigned: AssignedFilter = { kind: 'anyone' };
    if (values.assigned === 'me') assigned = { kind: 'me' };
    else if (values.assigned === 'none') assigned = { kind: 'unassigned' };
    else if (values.assigned && isUuid(values.assigned) && clerkIds.includes(values.assigned))
      assigned = { kind: 'clerk', id: values.assigned };
    else if (values.assigned) wrong('assigned', 'assignedInvalid');
    for (const field of ['from', 'to'] as const)
      if (values[field] && !isDay(values[field])) wrong(field, 'dateInvalid');
    if (
      values.from &&
      values.to &&
      isDay(values.from) &&
      isDay(values.to) &&
      values.to < values.from
    )
      wrong('to', 'toBeforeFrom');
    if (values.sort && values.sort !== 'newest' && values.sort !== 'oldest')
      wrong('sort', 'sortInvalid');
    if (errors.length > 0) return { values, errors, filters: undefined };
    const filters: QueueFilters = {
      service: values.service || undefined,
      variant: (values.variant || undefined) as Audience | undefined,
      status: (values.status || undefined) as QueueFilters['status'],
      from: values.from || undefined,
      to: values.to || undefined,
      assigned,
      sort: values.sort === 'oldest' ? 'oldest' : 'newest',
    };
    return { values, errors, filters };
  }
}

/** A textarea's text: kept as typed (line breaks included), without surrounding blanks. */
function multiline(value: unknown): string {
  return typeof value === 'string' ? value.replace(/\r\n/g, '\n').trim() : '';
}

/** The decision form's three texts: every one is kept when the page comes back with an error. */
function decisionValues(body: Record<string, unknown> | undefined) {
  return {
    informationReason: multiline(body?.informationReason),
    conditions: multiline(body?.conditions),
    rejectionReason: multiline(body?.rejectionReason),
  };
}

function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions) {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-CA' : 'en-CA', {
    ...options,
    timeZone: CITY_TIME_ZONE,
  });
}

function fileSize(bytes: number, locale: Locale): string {
  const tag = locale === 'fr' ? 'fr-CA' : 'en-CA';
  if (bytes < 1024 * 1024)
    return new Intl.NumberFormat(tag, {
      style: 'unit',
      unit: 'kilobyte',
      maximumFractionDigits: 0,
    }).format(Math.max(1, Math.round(bytes / 1024)));
  return new Intl.NumberFormat(tag, {
    style: 'unit',
    unit: 'megabyte',
    maximumFractionDigits: 1,
  }).format(bytes / (1024 * 1024));
}

interface AnswerRow {
  label: string;
  lines: string[];
  files?: { href: string; filename: string; size: string }[];
}

/** The answers, step by step, as the applicant saw the questions, in the clerk's language. */
function answerSections(
  service: ServiceDefinition,
  forms: FormService,
  variant: Audience,
  answers: Answers,
  locale: Locale,
  i18n: I18nService,
  fileHref: (id: string) => string,
): { title: string; rows: AnswerRow[] }[] {
  const none = i18n.t(locale, 'staffApplications.answers.none');
  return forms
    .steps(service, variant)
    .map((step) => ({
      title: step.title[locale],
      rows: fieldsFor(step.fields, variant)
        .filter((field) => isShown(field, answers))
        .map((field): AnswerRow => {
          const value = answers[field.name];
          if (field.type === 'file') {
            const files = Array.isArray(value) ? (value as FileAnswer[]) : [];
            return {
              label: field.label[locale],
              lines: files.length > 0 ? [] : [none],
              files: files.map((f) => ({
                href: fileHref(f.id),
                filename: f.filename,
                size: fileSize(f.size, locale),
              })),
            };
          }
          if (field.type === 'group') {
            const items = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
            const lines = items.flatMap((item, index) => [
              `${field.itemLabel[locale]} ${index + 1}`,
              ...fieldsFor(field.fields, variant).flatMap((sub) => {
                const shown = formatAnswer(sub, item[sub.name] as AnswerValue, locale, i18n);
                return shown.length > 0
                  ? [`${sub.label[locale]}${locale === 'fr' ? ' : ' : ': '}${shown.join(', ')}`]
                  : [];
              }),
            ]);
            return { label: field.label[locale], lines: lines.length > 0 ? lines : [none] };
          }
          const lines = formatAnswer(field, value, locale, i18n);
          return { label: field.label[locale], lines: lines.length > 0 ? lines : [none] };
        }),
    }))
    .filter((section) => section.rows.length > 0);
}

/** An answer as lines of text (empty when there is none). */
function formatAnswer(
  field: Exclude<FieldDefinition, { type: 'file' | 'group' }> | GroupItemField,
  value: AnswerValue | undefined,
  locale: Locale,
  i18n: I18nService,
): string[] {
  if (value === undefined || value === null || value === '') return [];
  const tag = locale === 'fr' ? 'fr-CA' : 'en-CA';
  switch (field.type) {
    case 'text':
    case 'email':
    case 'phone':
      return [String(value)];
    case 'longText':
      return String(value).split(/\r?\n/);
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      const shown = Number.isFinite(n) ? new Intl.NumberFormat(tag).format(n) : String(value);
      return [field.suffix ? `${shown} ${field.suffix[locale]}` : shown];
    }
    case 'money': {
      const n = typeof value === 'number' ? value : Number(value);
      return [
        Number.isFinite(n)
          ? new Intl.NumberFormat(tag, { style: 'currency', currency: 'CAD' }).format(n)
          : String(value),
      ];
    }
    case 'date': {
      const day = String(value);
      return [
        isDay(day)
          ? new Intl.DateTimeFormat(tag, { dateStyle: 'long', timeZone: 'UTC' }).format(
              new Date(`${day}T00:00:00Z`),
            )
          : day,
      ];
    }
    case 'yesNo':
      return [
        value === 'yes'
          ? i18n.t(locale, 'staffApplications.answers.yes')
          : value === 'no'
            ? i18n.t(locale, 'staffApplications.answers.no')
            : String(value),
      ];
    case 'choice':
      return [field.options.find((o) => o.value === value)?.label[locale] ?? String(value)];
    case 'multiChoice': {
      const chosen = Array.isArray(value) ? (value as string[]) : [String(value)];
      return chosen.map((v) => field.options.find((o) => o.value === v)?.label[locale] ?? v);
    }
    case 'address': {
      const a = value as AddressAnswer;
      return [a.line1, a.line2, a.city, a.postalCode].filter((l) => typeof l === 'string' && l);
    }
    default:
      return assertUnreachable(field);
  }
}

/** Answers of a service no longer in the catalogue: names and raw values. */
function rawSections(answers: Answers): { title: string; rows: AnswerRow[] }[] {
  return [
    {
      title: '',
      rows: Object.entries(answers).map(([name, value]) => ({
        label: name,
        lines: [typeof value === 'string' ? value : JSON.stringify(value)],
      })),
    },
  ];
}
