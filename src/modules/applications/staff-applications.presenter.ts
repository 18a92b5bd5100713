import { scanBadge, type ScanBadge } from '../../platform/virus-scan/scan-badge.js';
import { Injectable } from '@nestjs/common';
import { assertUnreachable } from '../../platform/errors/assert-unreachable.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import { errorsByField, type FieldError } from '../../platform/forms/form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
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
import type { StaffMember } from '../staff/staff.service.js';
import type { ConflictOfInterest } from './application-processing.service.js';
import { canTransition, isFinal, type ApplicationStatus } from './application-status.js';
import {
  CITY_TIME_ZONE,
  type QueueExportRow,
  type QueuePage,
  type StaffApplicationDetail,
} from './applications-queue.read-model.js';
import type { Message, Transition } from './applications.service.js';
import type { QueueRequest } from './queue-request.js';
import { intlLocale } from '../../platform/i18n/intl-locale.js';

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

const option = (value: string, label: string, current: string) => ({
  value,
  label,
  selected: value === current,
});

/** What the queue shows: the filters as typed, the rows of the page, the links to the others. */
export interface QueueInput {
  locale: Locale;
  staffId: string;
  /** The staff members who process applications (the "assigned to" choices). */
  clerks: StaffMember[];
  request: QueueRequest;
  page: QueuePage;
}

/** What an application's page shows, and the form's state after a refused action. */
export interface ApplicationInput {
  locale: Locale;
  staffId: string;
  detail: StaffApplicationDetail;
  transitions: Transition[];
  messages: Message[];
  /** Why this staff member may not process it (separation of duties), if so. */
  conflict: ConflictOfInterest | undefined;
  values?: Record<string, string>;
  errors?: FieldError[];
  /** Catalog key of the notice shown once after an action. */
  notice?: string;
}

/**
 * Turns the clerks' application data into what the queue and an
 * application's page show, in the page's language: labels, tags' colours,
 * dates in the City's time zone, the answers as the applicant saw the
 * questions, which actions to offer. No rules, no queries.
 */
@Injectable()
export class StaffApplicationsPresenter {
  constructor(
    private readonly i18n: I18nService,
    private readonly catalogue: CatalogueService,
    private readonly forms: FormService,
  ) {}

  queue(input: QueueInput): Record<string, unknown> {
    const { locale, staffId, request, page } = input;
    const { values } = request;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const errors: FieldError[] = request.problems.map((p) => ({
      field: p.field,
      message: t(p.key),
    }));
    const filterQuery = new URLSearchParams(
      Object.entries(values).filter(([, v]) => v) as [string, string][],
    );
    const href = (extra?: [string, string]) => {
      const q = new URLSearchParams(filterQuery);
      if (extra) q.set(...extra);
      return `/staff/applications${q.size > 0 ? `?${q}` : ''}`;
    };
    const date = dateFormat(locale, { dateStyle: 'medium' });
    return {
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
        ...input.clerks
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
      csvHref: `/staff/applications/export.csv${filterQuery.size > 0 ? `?${filterQuery}` : ''}`,
      nextHref: page.next ? href(['after', page.next]) : undefined,
      previousHref: page.previous ? href(['before', page.previous]) : undefined,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
    };
  }

  /** Why a CSV export's filters are refused: one line per wrong filter, in the page's language. */
  csvProblems(locale: Locale, request: QueueRequest): string {
    return request.problems.map((p) => `${p.field}: ${this.i18n.t(locale, p.key)}`).join('\n');
  }

  /** The application's page (without its CSRF token, which the request gives). */
  application(input: ApplicationInput): Record<string, unknown> {
    const { locale, staffId, detail, conflict } = input;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const errors = input.errors ?? [];
    const when = dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
    const service = this.catalogue.revision(detail.serviceSlug, detail.serviceRevision);
    const fileHref = (fileId: string) => `/staff/applications/${detail.id}/files/${fileId}`;
    const scans = new Map(detail.attachments.map((f) => [f.id, f]));
    // A file the answers name but the table does not hold is treated as not yet scanned clean.
    const fileLink = (fileId: string): FileLink => {
      const stored = scans.get(fileId);
      return {
        href: fileHref(fileId),
        ...scanBadge(stored?.scanStatus ?? 'pending', 'staff', t, stored?.scanSignature),
      };
    };
    const fields = service ? fieldIndex(service.form) : new Map<string, FieldDefinition>();
    const can = (to: ApplicationStatus) => !conflict && canTransition(detail.status, to, 'staff');
    const roleLabel = (role: string) => t(`staffApplications.role.${role}`);
    const title = t('staffApplications.application.title', { reference: detail.reference });
    return {
      notice: input.notice,
      values: input.values ?? {},
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
            fileLink,
          )
        : rawSections(detail.answers),
      attachments: detail.attachments.map((f) => ({
        ...f,
        ...fileLink(f.id),
        fieldLabel: fields.get(f.field)?.label[locale] ?? f.field,
        sizeText: fileSize(f.size, locale),
        uploaded: when.format(f.uploadedAt),
      })),
      transitions: input.transitions.map((tr) => ({
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
      messages: input.messages.map((m) => ({
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
    };
  }
}

function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions) {
  return new Intl.DateTimeFormat(intlLocale(locale), {
    ...options,
    timeZone: CITY_TIME_ZONE,
  });
}

function fileSize(bytes: number, locale: Locale): string {
  const tag = intlLocale(locale);
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

/** A stored file's link and virus-scan label (ADR 0028). */
type FileLink = ScanBadge & { href: string };

interface AnswerRow {
  label: string;
  lines: string[];
  files?: (FileLink & { filename: string; size: string })[];
}

/** The answers, step by step, as the applicant saw the questions, in the clerk's language. */
function answerSections(
  service: ServiceDefinition,
  forms: FormService,
  variant: Audience,
  answers: Answers,
  locale: Locale,
  i18n: I18nService,
  fileLink: (id: string) => FileLink,
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
                ...fileLink(f.id),
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
  const tag = intlLocale(locale);
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

/**
 * The queue's CSV columns: fixed names (a spreadsheet or a script reads them
 * in any language), one application a row, its answers as JSON keyed as in
 * the revision it was filed through (`serviceRevision`: its labels are that
 * revision's, see the studio or the service's export).
 */
export const QUEUE_CSV_COLUMNS = [
  'reference',
  'service',
  'serviceRevision',
  'variant',
  'channel',
  'status',
  'submittedAt',
  'decidedAt',
  'answers',
] as const;

export function queueCsvRow(row: QueueExportRow): unknown[] {
  return [
    row.reference,
    row.serviceSlug,
    row.serviceRevision,
    row.variant,
    row.channel,
    row.status,
    row.submittedAt.toISOString(),
    row.decidedAt?.toISOString() ?? '',
    row.answers,
  ];
}
