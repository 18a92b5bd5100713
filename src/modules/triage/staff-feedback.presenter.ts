import { scanBadge } from '../../platform/virus-scan/scan-badge.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import type { CohortSuperUsers } from './super-users.read-model.js';
import { assertUnreachable } from '../../platform/errors/assert-unreachable.js';
import { channelLabel } from '../feedback/feedback-view.js';
import { Injectable } from '@nestjs/common';
import { AUDIENCES } from '../../platform/flags/flag-context.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { PROCESSING_ROLES } from '../applications/application-processing.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { CohortRef } from '../rollout/rollout.read-model.js';
import { ALL_STAGES } from '../rollout/stages.js';
import type { StaffMember } from '../staff/staff.service.js';
import { holdsRole, type StaffRole } from '../staff/staff-role.js';
import {
  FEEDBACK_CHANNELS,
  FEEDBACK_KINDS,
  FEEDBACK_STATUSES,
  SEVERITIES,
} from '../feedback/feedback-options.js';
import { STATUS_TAG, stageLabel, variantLabel, viewportLabel } from '../feedback/feedback-view.js';
import type {
  ExportRow,
  HistoryEntry,
  InboxPage,
  InboxRow,
  InboxSummary,
  StaffFeedbackDetail,
} from './feedback-inbox.read-model.js';
import type { InboxFilterValues } from './inbox-filters.js';
import {
  SEVERITY_TAG,
  dateTimeFormat,
  durationText,
  submitterText,
} from './staff-feedback-view.js';
import { BULK_STATUSES, MAX_TRIAGE_TEXT, TRIAGE_STATUSES } from './triage-options.js';

/** The CSV export's columns, in order. */
export const FEEDBACK_CSV_HEADER = [
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
] as const;

interface Option {
  value: string;
  label: string;
  selected: boolean;
}

const option = (value: string, label: string, current: string): Option => ({
  value,
  label,
  selected: value === current,
});

/** What the inbox shows: the filters, the header, the rows, the pages and the bulk form. */
export interface InboxInput {
  locale: Locale;
  staffId: string;
  values: InboxFilterValues;
  cohorts: CohortRef[];
  members: StaffMember[];
  page: InboxPage;
  summary?: InboxSummary;
  /** The query of the page shown (its filters, and its cursor when not the first). */
  cursorQuery: Record<string, string>;
  /** After a refused bulk change: what was checked and chosen. */
  bulk?: { checked: string[]; values: Record<string, string> };
}

export interface ItemInput {
  locale: Locale;
  staffId: string;
  roles: readonly StaffRole[];
  detail: StaffFeedbackDetail;
  members: StaffMember[];
  /** What was typed, after a refused action. */
  values: Record<string, string>;
  municipality: string;
}

/**
 * Turns the staff's feedback data into what the pages and the CSV show, in the
 * page's language: labels, tags' colours, dates in the City's time zone,
 * durations, who sent an item and how, its history. No rules, no queries.
 */
@Injectable()
export class StaffFeedbackPresenter {
  constructor(
    private readonly i18n: I18nService,
    private readonly catalogue: CatalogueService,
  ) {}

  /** The super-users page: the members of each cohort, and each cohort's inbox. */
  superUsers(cohorts: CohortSuperUsers[], locale: Locale) {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    return {
      pageTitle: t('staffFeedback.superUsers.title'),
      navActive: 'staff',
      staffNavActive: 'feedback',
      cohorts: cohorts.map((cohort) => ({
        ...cohort,
        audienceLabel: t(`staffFeedback.superUsers.audience.${cohort.audience}`),
        inboxHref: `/staff/feedback?${new URLSearchParams({ cohort: cohort.slug }).toString()}`,
      })),
    };
  }

  inbox(input: InboxInput): Record<string, unknown> {
    const { locale, staffId, values, page, summary, bulk } = input;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
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
    const any = (current: string) => option('', t('staffFeedback.inbox.any'), current);
    const cohortOptions = input.cohorts.map((c) =>
      option(c.slug, `${c.name} (${c.slug})`, values.cohort),
    );
    if (values.cohort && !input.cohorts.some((c) => c.slug === values.cohort))
      cohortOptions.push(option(values.cohort, values.cohort, values.cohort));
    const assignees = [
      option('me', t('staffFeedback.inbox.assignedMe'), values.assignee),
      option('none', t('staffFeedback.inbox.assignedNobody'), values.assignee),
      ...input.members
        .filter((m) => m.accountId !== staffId)
        .map((m) => option(m.accountId, m.displayName, values.assignee)),
    ];
    const when = dateTimeFormat(locale);
    const checked = new Set(bulk?.checked ?? []);
    const chosen = bulk?.values ?? {};
    return {
      values,
      services: [
        any(values.service),
        ...this.catalogue.all().map((s) => option(s.slug, s.title[locale], values.service)),
      ],
      variants: [
        any(values.variant),
        ...AUDIENCES.map((v) => option(v, variantLabel(v, locale, this.i18n), values.variant)),
      ],
      stages: [
        any(values.stage),
        ...ALL_STAGES.map((s) => option(s, stageLabel(s, locale, this.i18n), values.stage)),
      ],
      cohorts: [any(values.cohort), ...cohortOptions],
      kinds: [
        any(values.kind),
        ...FEEDBACK_KINDS.map((k) => option(k, t(`feedback.kind.${k}`), values.kind)),
      ],
      severities: [
        any(values.severity),
        ...SEVERITIES.map((s) => option(s, t(`feedback.severity.${s}`), values.severity)),
      ],
      statuses: [
        any(values.status),
        ...FEEDBACK_STATUSES.map((s) => option(s, t(`feedback.status.${s}`), values.status)),
      ],
      channels: [
        any(values.channel),
        ...FEEDBACK_CHANNELS.map((c) =>
          option(c, channelLabel(c, locale, this.i18n), values.channel),
        ),
      ],
      assignees: [any(values.assignee), ...assignees],
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
      rows: page.rows.map((row) => this.row(row, locale, staffId, when, checked)),
      csvHref: href('/staff/feedback.csv'),
      returnTo: href('/staff/feedback', input.cursorQuery),
      nextHref: page.next ? href('/staff/feedback', { after: page.next }) : undefined,
      previousHref: page.previous ? href('/staff/feedback', { before: page.previous }) : undefined,
      bulkValues: chosen,
      bulkActions: (['status', 'assign', 'tag'] as const).map((a, i) => ({
        id: i === 0 ? 'action' : `action-${a}`,
        value: a,
        label: t(`staffFeedback.bulk.action.${a}`),
        checked: chosen.action === a,
      })),
      bulkStatuses: [
        option('', t('staffFeedback.bulk.chooseStatus'), chosen.bulkStatus ?? ''),
        ...BULK_STATUSES.map((s) => option(s, t(`feedback.status.${s}`), chosen.bulkStatus ?? '')),
      ],
      bulkAssignees: [
        option('', t('staffFeedback.bulk.chooseAssignee'), chosen.bulkAssignee ?? ''),
        ...assignees.map((a) => ({ ...a, selected: a.value === chosen.bulkAssignee })),
      ],
    };
  }

  item(input: ItemInput): Record<string, unknown> {
    const { locale, staffId, detail, values } = input;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const when = dateTimeFormat(locale);
    const seeApplications = holdsRole(input.roles, PROCESSING_ROLES);
    const chosenStatus = values.status ?? '';
    return {
      item: detail,
      values,
      serviceTitle: this.serviceTitle(detail.serviceSlug, locale),
      variantLabel: variantLabel(detail.variant, locale, this.i18n),
      statusLabel: t(`feedback.status.${detail.status}`),
      statusTag: STATUS_TAG[detail.status],
      kindLabel: t(`feedback.kind.${detail.kind}`),
      // A question can become an entry of the service's FAQ (whoever triages may write it).
      promoteHref: detail.kind === 'question' ? `/staff/faq/from-feedback/${detail.id}` : undefined,
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
        ...scanBadge(a.scanStatus, 'staff', t, a.scanSignature),
        size: `${formatNumber(Math.max(1, Math.round(a.size / 1024)), locale)} ${t('feedback.show.kilobytes')}`,
      })),
      from: this.from(detail, locale),
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
      // Applications hold personal data of their own: the link only for those who process them.
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
      firstResponse:
        detail.firstResponseAt === null
          ? undefined
          : durationText(
              (detail.firstResponseAt.getTime() - detail.createdAt.getTime()) / 1000,
              locale,
              this.i18n,
            ),
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
          selected: values.assignee ? values.assignee === 'none' : !detail.assignedTo,
        },
        ...input.members.map((m) => {
          const value = m.accountId === staffId ? 'me' : m.accountId;
          return {
            value,
            label:
              m.accountId === staffId
                ? t('staffFeedback.item.assignedYou', { name: m.displayName })
                : m.displayName,
            selected: values.assignee
              ? values.assignee === value
              : detail.assignedTo === m.accountId,
          };
        }),
      ],
      replyEmailHint: this.replyHint(detail, locale, input.municipality),
      history: detail.history.map((h) => this.history(h, locale, when)),
      maxText: formatNumber(MAX_TRIAGE_TEXT, locale),
    };
  }

  /** One row of the CSV export, in FEEDBACK_CSV_HEADER's order (codes, not labels). */
  /** The export's header, without the `omitted` columns. */
  csvHeader(omitted: readonly string[]): string[] {
    return FEEDBACK_CSV_HEADER.filter((column) => !omitted.includes(column));
  }

  /** One item as a line of the export, without the `omitted` columns. */
  csvRow(row: ExportRow, omitted: readonly string[] = []): unknown[] {
    const cells = this.csvCells(row);
    return omitted.length === 0
      ? cells
      : cells.filter((_, i) => !omitted.includes(FEEDBACK_CSV_HEADER[i]));
  }

  private csvCells(row: ExportRow): unknown[] {
    return [
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
    ];
  }

  private serviceTitle(slug: string, locale: Locale): string {
    return this.catalogue.find(slug)?.title[locale] ?? slug;
  }

  private row(
    row: InboxRow,
    locale: Locale,
    staffId: string,
    when: Intl.DateTimeFormat,
    checked: Set<string>,
  ) {
    const t = (key: string) => this.i18n.t(locale, key);
    return {
      ...row,
      href: `/staff/feedback/${row.id}`,
      date: when.format(row.createdAt),
      dateIso: row.createdAt.toISOString(),
      serviceTitle: this.serviceTitle(row.serviceSlug, locale),
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

  /** Who sent it, and how it came. */
  private from(detail: StaffFeedbackDetail, locale: Locale) {
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

  private history(entry: HistoryEntry, locale: Locale, when: Intl.DateTimeFormat) {
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
}
