import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppConfig } from '../../platform/config/app-config.js';
import { errorsByField, type FieldError } from '../../platform/forms/form.js';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { megabytes } from '../../platform/i18n/megabytes.js';
import { exportCsv } from '../../platform/csv/write-csv.js';
import {
  IMPORT_COLUMNS,
  MAX_IMPORT_ROWS,
  type ImportFileProblem,
  type ImportRowProblem,
} from './cohort-csv.js';
import { COHORT_INVITATION_TTL_DAYS } from './cohort-members.js';
import {
  CohortsReadModel,
  isMemberCursor,
  type CohortDetail,
  type MemberRow,
} from './cohorts.read-model.js';
import { CohortsService } from './cohorts.service.js';
import { slugFromName } from './dto/cohort.dto.js';

/** The file input of the cohort import form. */
export const IMPORT_FILE_FIELD = 'membersFile';

/** A message shown once, after a change, on the page the change redirects to. */
export interface Notice {
  key: string;
  values?: Record<string, string | number>;
}

declare module 'express-session' {
  interface SessionData {
    cohortNotice?: Notice;
  }
}

const CSV_HEADER = [
  'neq',
  'email',
  'name',
  'status',
  'source',
  'invited_by',
  'joined_at',
  'withdrawn_at',
  'withdrawal_reason',
  'withdrawn_by',
];

const NAV = { navActive: 'staff', staffNavActive: 'cohorts' };
const localeOf = (res: Response) => res.locals.locale as Locale;

/**
 * What the cohort pages show: the list, a cohort with its members, the member
 * CSV, the import report, and how a member is named and labelled. The form
 * pages below (which the error filter also renders after a refused post) use it.
 */
@Injectable()
export class CohortsPresenter {
  constructor(
    private readonly cohorts: CohortsReadModel,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
  ) {}

  /** The cohort of the page's `:id`, or 404. */
  async found(id: string): Promise<CohortDetail> {
    const cohort = await this.cohorts.cohort(id);
    if (!cohort) throw new NotFoundException();
    return cohort;
  }

  async list(req: Request, res: Response) {
    const locale = localeOf(res);
    const [cohorts, volunteers] = await Promise.all([
      this.cohorts.list(),
      this.cohorts.pendingVolunteers(),
    ]);
    res.render('cohorts/list', {
      pageTitle: this.i18n.t(locale, 'cohorts.list.title'),
      ...NAV,
      notice: this.takeNotice(req, locale),
      cohorts: cohorts.map((c) => ({
        ...c,
        audienceLabel: this.i18n.t(locale, `cohorts.audiences.${c.audience}`),
      })),
      pendingVolunteers: volunteers.length,
    });
  }

  /** A cohort with a page of its members and the forms to invite, import and remove. */
  async show(
    req: Request,
    res: Response,
    status: number,
    cohort: CohortDetail,
    data: { values?: Record<string, string>; errors?: FieldError[] },
    cursor = '',
  ) {
    const locale = localeOf(res);
    const page = await this.cohorts.members(cohort.id, isMemberCursor(cursor) ? cursor : undefined);
    const date = cityDateFormat(locale);
    const errors = data.errors ?? [];
    // A page whose title is data (the cohort's name), with its forms' errors and CSRF token.
    res.status(status).render('cohorts/show', {
      ...data,
      values: data.values ?? {},
      ...NAV,
      pageTitle: cohort.name,
      notice: status === 200 ? this.takeNotice(req, locale) : undefined,
      cohort: {
        ...cohort,
        audienceLabel: this.i18n.t(locale, `cohorts.audiences.${cohort.audience}`),
        created: date.format(cohort.createdAt),
        isBusiness: cohort.audience === 'business',
      },
      members: page.rows.map((m) => this.displayMember(m, locale)),
      // The cursor alone goes through a variable: Handlebars escapes "=" in attributes.
      nextCursor: page.next ? encodeURIComponent(page.next) : undefined,
      notFirst: Boolean(cursor),
      ttlDays: COHORT_INVITATION_TTL_DAYS,
      maxRows: MAX_IMPORT_ROWS,
      maxMegabytes: megabytes(this.config.UPLOAD_COHORT_IMPORT_MAX_BYTES, locale),
      fileField: IMPORT_FILE_FIELD,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }

  /** Why an uploaded member list was not read, beside the file input. */
  fileProblem(problem: ImportFileProblem, locale: Locale): FieldError {
    return {
      field: IMPORT_FILE_FIELD,
      message: this.i18n.t(locale, `cohorts.import.fileProblems.${problem.reason}`, {
        line: 'line' in problem ? problem.line : '',
        rows: MAX_IMPORT_ROWS,
        max: megabytes(this.config.UPLOAD_COHORT_IMPORT_MAX_BYTES, locale),
        columns: IMPORT_COLUMNS.join(', '),
      }),
    };
  }

  importReport(
    req: Request,
    res: Response,
    cohort: CohortDetail,
    problems: ImportRowProblem[],
    rowCount: number,
  ) {
    const locale = localeOf(res);
    const rows = new Set(problems.map((p) => p.row)).size;
    const summary = this.i18n.t(locale, 'cohorts.import.summary', {
      count: problems.length,
      rows,
      total: rowCount,
    });
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'cohorts/import-report', titleKey: 'cohorts.import.reportTitle' },
      422,
      {
        ...NAV,
        backLink: `/staff/cohorts/${cohort.id}`,
        cohort,
        summary,
        errors: [{ field: 'problems', message: summary }],
        problems: problems.map((p) => ({
          row: p.row,
          column: p.column,
          message: this.i18n.t(locale, `cohorts.import.problems.${p.key}`, p.values),
        })),
      },
    );
  }

  /** The members' CSV (with a BOM, for spreadsheets). */
  membersCsv(members: MemberRow[]): string {
    return exportCsv(
      [
        CSV_HEADER,
        ...members.map((m) => [
          m.neq ?? '',
          m.organizationId ? '' : (m.personEmail ?? m.invitedEmail ?? ''),
          m.legalName ?? m.personName ?? '',
          m.status,
          m.source,
          m.invitedByName ?? '',
          m.joinedAt?.toISOString() ?? '',
          m.withdrawnAt?.toISOString() ?? '',
          m.withdrawalReason ?? '',
          m.withdrawnByName ?? '',
        ]),
      ],
      { bom: true },
    );
  }

  notice(req: Request, notice: Notice) {
    req.session.cohortNotice = notice;
  }

  takeNotice(req: Request, locale: Locale): string | undefined {
    const notice = req.session.cohortNotice;
    if (!notice) return undefined;
    delete req.session.cohortNotice;
    return this.i18n.t(locale, notice.key, notice.values);
  }

  memberName(m: MemberRow, locale: Locale): string {
    if (m.legalName)
      return this.i18n.t(locale, 'cohorts.show.organization', {
        name: m.legalName,
        neq: m.neq ?? '',
      });
    if (m.personName) return `${m.personName} (${m.personEmail ?? ''})`;
    return m.invitedEmail ?? '';
  }

  displayMember(m: MemberRow, locale: Locale) {
    const date = cityDateFormat(locale);
    const awaiting = m.status === 'invited' && m.awaitingVerification;
    const expired =
      !awaiting && m.status === 'invited' && (!m.tokenExpiresAt || m.tokenExpiresAt <= new Date());
    return {
      id: m.id,
      legalName: m.legalName,
      neq: m.neq,
      personName: m.personName,
      personEmail: m.personEmail,
      invitedEmail: m.invitedEmail,
      byEmail: !m.organizationId && !m.accountId,
      name: this.memberName(m, locale),
      status: m.status,
      statusLabel: this.i18n.t(
        locale,
        `cohorts.statuses.${awaiting ? 'awaitingVerification' : expired ? 'expired' : m.status}`,
      ),
      statusClass: {
        active: 'govuk-tag--green',
        invited: expired ? 'govuk-tag--grey' : awaiting ? 'govuk-tag--yellow' : 'govuk-tag--blue',
        withdrawn: 'govuk-tag--grey',
        declined: 'govuk-tag--orange',
      }[m.status],
      expires:
        m.status === 'invited' && m.tokenExpiresAt && !expired && !awaiting
          ? date.format(m.tokenExpiresAt)
          : undefined,
      sourceLabel: this.i18n.t(locale, `cohorts.sources.${m.source}`),
      invitedByName: m.invitedByName,
      termsAcceptedByName: m.termsAcceptedByName,
      joined: m.joinedAt ? date.format(m.joinedAt) : undefined,
      withdrawn: m.withdrawnAt ? date.format(m.withdrawnAt) : undefined,
      withdrawnByName: m.withdrawnByName,
      withdrawalReason: m.withdrawalReason,
      removable: m.status === 'active' || m.status === 'invited',
    };
  }
}

/** The "new cohort" form; the slug shown again is the one made from the name when none was typed. */
@Injectable()
export class CohortNewPage implements FormPageRenderer {
  constructor(private readonly i18n: I18nService) {}

  render(req: Request, res: Response, status: number, form: FormState) {
    const locale = localeOf(res);
    const values: Record<string, string> = {
      ...form.values,
      slug: form.values.slug || slugFromName(form.values.name ?? ''),
    };
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'cohorts/new', titleKey: 'cohorts.new.title' },
      status,
      {
        values,
        errors: form.errors,
        ...NAV,
        backLink: '/staff/cohorts',
        audiences: (['business', 'citizen'] as const).map((a, i) => ({
          id: i === 0 ? 'audience' : `audience-${a}`,
          value: a,
          label: this.i18n.t(locale, `cohorts.audiences.${a}`),
          hint: this.i18n.t(locale, `cohorts.audienceHints.${a}`),
          checked: values.audience === a,
        })),
      },
    );
  }
}

/** A cohort's page (`:id`), shown again after a refused invitation. */
@Injectable()
export class CohortShowPage implements FormPageRenderer {
  constructor(private readonly presenter: CohortsPresenter) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (status === 404) throw new NotFoundException();
    const cohort = await this.presenter.found(String(req.params.id));
    // A member changed meanwhile: the page says so above the members, its forms empty.
    const aboutMembers = form.errors.some((e) => e.field === 'members');
    await this.presenter.show(req, res, status, cohort, {
      values: aboutMembers ? {} : form.values,
      errors: form.errors,
    });
  }
}

/** Editing a cohort's name and description. */
@Injectable()
export class CohortEditPage implements FormPageRenderer {
  constructor(
    private readonly presenter: CohortsPresenter,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (status === 404) throw new NotFoundException();
    const cohort = await this.presenter.found(String(req.params.id));
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'cohorts/edit', titleKey: 'cohorts.edit.title' },
      status,
      {
        values: form.values,
        errors: form.errors,
        ...NAV,
        backLink: `/staff/cohorts/${cohort.id}`,
        cohort,
      },
    );
  }
}

/**
 * Removing a member (or cancelling an invitation), with a reason. A member
 * that changed meanwhile (409) is explained on the cohort's page.
 */
@Injectable()
export class CohortRemovePage implements FormPageRenderer {
  constructor(
    private readonly presenter: CohortsPresenter,
    private readonly service: CohortsService,
    private readonly showPage: CohortShowPage,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (status === 404) throw new NotFoundException();
    if (status === 409) return this.showPage.render(req, res, status, form);
    const { cohort, member } = await this.service.removable(
      String(req.params.id),
      String(req.params.memberId),
    );
    const invited = member.status === 'invited';
    renderForm(
      req,
      res,
      this.i18n,
      {
        view: 'cohorts/remove',
        titleKey: invited ? 'cohorts.remove.cancelTitle' : 'cohorts.remove.title',
      },
      status,
      {
        values: form.values,
        errors: form.errors,
        ...NAV,
        backLink: `/staff/cohorts/${cohort.id}`,
        cohort,
        member: this.presenter.displayMember(member, localeOf(res)),
        invited,
      },
    );
  }
}

/**
 * The SMEs that volunteered, each with its approve and decline forms (whose
 * inputs are named after the volunteer: `cohortId-<id>`, `note-<id>`).
 */
@Injectable()
export class CohortVolunteersPage implements FormPageRenderer {
  constructor(
    private readonly presenter: CohortsPresenter,
    private readonly cohorts: CohortsReadModel,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState) {
    if (status === 404) throw new NotFoundException();
    const locale = localeOf(res);
    // The form's own field names become the volunteer's (`cohortId` → `cohortId-<id>`).
    const id = req.params.volunteerId;
    const named = (field: string) =>
      id && (field === 'cohortId' || field === 'note') ? `${field}-${id}` : field;
    const errors = form.errors.map((e) => ({ ...e, field: named(e.field) }));
    // What was typed comes back after an invalid form, not after a refusal.
    const values = form.refusal
      ? {}
      : Object.fromEntries(Object.entries(form.values).map(([k, v]) => [named(k), v]));
    const [volunteers, cohorts] = await Promise.all([
      this.cohorts.pendingVolunteers(),
      this.cohorts.ofAudience('business'),
    ]);
    const date = cityDateFormat(locale);
    const fieldErrors = errorsByField(errors);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'cohorts/volunteers', titleKey: 'cohorts.volunteers.title' },
      status,
      {
        errors,
        values,
        ...NAV,
        notice: status === 200 ? this.presenter.takeNotice(req, locale) : undefined,
        volunteers: volunteers.map((v) => ({
          ...v,
          requested: date.format(v.createdAt),
          approveField: `cohortId-${v.id}`,
          noteField: `note-${v.id}`,
          approveError: fieldErrors[`cohortId-${v.id}`],
          noteError: fieldErrors[`note-${v.id}`],
          noteValue: values[`note-${v.id}`] ?? '',
        })),
        cohorts,
        hasCohorts: cohorts.length > 0,
      },
    );
  }
}
