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
import { errorsByField, text, validateForm, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Audience } from '../../platform/flags/flag-context.js';
import { ExportAuditService } from '../audit/export-audit.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { normalizeNeq } from '../organizations/dto/organization.dto.js';
import { csvLine } from '../staff/csv.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
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
import { CohortsService, type CohortProblem } from './cohorts.service.js';
import {
  COHORT_FIELDS,
  CohortDto,
  EDIT_COHORT_FIELDS,
  EditCohortDto,
  isCohortSlug,
  slugFromName,
} from './dto/cohort.dto.js';
import {
  INVITE_BY_EMAIL_FIELDS,
  INVITE_BY_NEQ_FIELDS,
  InviteByEmailDto,
  InviteByNeqDto,
} from './dto/invitation.dto.js';
import { REMOVE_MEMBER_FIELDS, RemoveMemberDto } from './dto/member.dto.js';
import {
  APPROVE_VOLUNTEER_FIELDS,
  ApproveVolunteerDto,
  DECLINE_VOLUNTEER_FIELDS,
  DeclineVolunteerDto,
} from './dto/volunteer.dto.js';
import { AppConfig } from '../../platform/config/app-config.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { megabytes } from '../../platform/i18n/megabytes.js';

/** The file input of the cohort import form. */
const IMPORT_FILE_FIELD = 'membersFile';

/** A message shown once, after a change, on the page the change redirects to. */
interface Notice {
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

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/** What the cohort page shows beside the forms it holds after a refused post. */
interface ShowData {
  values?: Record<string, string>;
  errors?: FieldError[];
}

/**
 * Cohorts for the staged rollout, for admins and rollout managers: the list,
 * creating and editing a cohort, its members (invitations by NEQ or email,
 * removal with a reason, CSV import and export), and the volunteers from the
 * public pilot page. Thin: CohortsService owns the rules and the audit.
 */
@Controller('staff/cohorts')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin', 'rollout-manager')
export class CohortsController {
  constructor(
    private readonly service: CohortsService,
    private readonly cohorts: CohortsReadModel,
    private readonly i18n: I18nService,
    private readonly config: AppConfig,
    private readonly exports: ExportAuditService,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const [cohorts, volunteers] = await Promise.all([
      this.cohorts.list(),
      this.cohorts.pendingVolunteers(),
    ]);
    res.render('cohorts/list', {
      pageTitle: this.i18n.t(locale, 'cohorts.list.title'),
      ...this.nav(),
      notice: this.takeNotice(req, locale),
      cohorts: cohorts.map((c) => ({
        ...c,
        audienceLabel: this.i18n.t(locale, `cohorts.audiences.${c.audience}`),
      })),
      pendingVolunteers: volunteers.length,
    });
  }

  @Get('new')
  showNew(@Req() req: Request, @Res() res: Response) {
    this.renderNew(req, res, 200, { values: { audience: 'business' } });
  }

  @Post('new')
  async create(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(CohortDto, body, COHORT_FIELDS, locale, this.i18n);
    const { value } = form;
    const errors = [...form.errors];
    const slug = value.slug || slugFromName(value.name);
    if (!errors.some((e) => e.field === 'slug') && value.name && !isCohortSlug(slug))
      errors.push({ field: 'slug', message: this.i18n.t(locale, 'cohorts.errors.slugRequired') });
    const values = { ...this.values(value, COHORT_FIELDS), slug };
    errors.sort(
      (a, b) => COHORT_FIELDS.indexOf(a.field as never) - COHORT_FIELDS.indexOf(b.field as never),
    );
    if (errors.length > 0) return this.renderNew(req, res, 422, { values, errors });
    const result = await this.service.create(
      this.actor(req),
      {
        name: value.name,
        slug,
        description: value.description,
        audience: value.audience as Audience,
      },
      requestOrigin(req, res),
    );
    if (!result.ok)
      return this.renderNew(req, res, 422, {
        values,
        errors: [{ field: 'slug', message: this.i18n.t(locale, 'cohorts.errors.slugTaken') }],
      });
    this.notice(req, { key: 'cohorts.notices.created', values: { name: value.name } });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${result.id}`));
  }

  @Get('volunteers')
  async volunteers(@Req() req: Request, @Res() res: Response) {
    await this.renderVolunteers(req, res, 200, {});
  }

  @Post('volunteers/:volunteerId/approve')
  async approve(
    @Param('volunteerId') volunteerId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(
      ApproveVolunteerDto,
      body,
      APPROVE_VOLUNTEER_FIELDS,
      locale,
      this.i18n,
    );
    const field = `cohortId-${volunteerId}`;
    if (form.errors.length > 0)
      return this.renderVolunteers(req, res, 422, {
        errors: form.errors.map((e) => ({ ...e, field })),
      });
    const result = await this.service.approveVolunteer(
      this.actor(req),
      volunteerId,
      form.value.cohortId,
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuseVolunteer(req, res, result.problem, field);
    this.notice(req, {
      key: 'cohorts.notices.volunteerApproved',
      values: { organization: result.legalName, cohort: result.cohortName },
    });
    req.session.save(() => res.redirect(303, '/staff/cohorts/volunteers'));
  }

  @Post('volunteers/:volunteerId/decline')
  async decline(
    @Param('volunteerId') volunteerId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(
      DeclineVolunteerDto,
      body,
      DECLINE_VOLUNTEER_FIELDS,
      locale,
      this.i18n,
    );
    const field = `note-${volunteerId}`;
    if (form.errors.length > 0)
      return this.renderVolunteers(req, res, 422, {
        errors: form.errors.map((e) => ({ ...e, field })),
        values: { [field]: form.value.note },
      });
    const result = await this.service.declineVolunteer(
      this.actor(req),
      volunteerId,
      form.value.note,
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuseVolunteer(req, res, result.problem, field);
    this.notice(req, {
      key: 'cohorts.notices.volunteerDeclined',
      values: { organization: result.legalName },
    });
    req.session.save(() => res.redirect(303, '/staff/cohorts/volunteers'));
  }

  @Get(':id')
  async show(
    @Param('id') id: string,
    @Query('after') after: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const cohort = await this.found(id);
    await this.renderShow(req, res, 200, cohort, {}, text(after));
  }

  @Get(':id/members.csv')
  async csv(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const cohort = await this.found(id);
    const members = await this.cohorts.allMembers(cohort.id);
    const body = ['\uFEFF', csvLine(CSV_HEADER)];
    for (const m of members)
      body.push(
        csvLine([
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
      );
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="cohort-${cohort.slug}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    await this.exports.exported(
      req.session.accountId!,
      {
        export: 'cohort-members',
        entity: { type: 'cohort', id: cohort.id },
        filters: { cohort: cohort.slug },
        rows: members.length,
      },
      requestOrigin(req, res),
    );
    res.send(body.join(''));
  }

  @Get(':id/edit')
  async showEdit(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const cohort = await this.found(id);
    this.renderEdit(req, res, 200, cohort, {
      values: { name: cohort.name, description: cohort.description },
    });
  }

  @Post(':id/edit')
  async edit(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const cohort = await this.found(id);
    const locale = res.locals.locale as Locale;
    const form = await validateForm(EditCohortDto, body, EDIT_COHORT_FIELDS, locale, this.i18n);
    const values = this.values(form.value, EDIT_COHORT_FIELDS);
    if (form.errors.length > 0)
      return this.renderEdit(req, res, 422, cohort, { values, errors: form.errors });
    const result = await this.service.update(
      this.actor(req),
      cohort.id,
      { name: form.value.name, description: form.value.description },
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, cohort, result.problem, 'name', values);
    this.notice(req, { key: 'cohorts.notices.updated' });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${cohort.id}`));
  }

  @Post(':id/invitations/neq')
  async inviteByNeq(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const cohort = await this.found(id);
    const locale = res.locals.locale as Locale;
    const form = await validateForm(InviteByNeqDto, body, INVITE_BY_NEQ_FIELDS, locale, this.i18n);
    const values = { neq: form.value.neq };
    if (form.errors.length > 0)
      return this.renderShow(req, res, 422, cohort, { values, errors: form.errors });
    const result = await this.service.inviteByNeq(
      this.actor(req),
      cohort.id,
      normalizeNeq(form.value.neq)!,
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, cohort, result.problem, 'neq', values);
    this.notice(req, {
      key: 'cohorts.notices.invitedOrganization',
      values: { organization: result.legalName },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${cohort.id}`));
  }

  @Post(':id/invitations/email')
  async inviteByEmail(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const cohort = await this.found(id);
    const locale = res.locals.locale as Locale;
    const form = await validateForm(
      InviteByEmailDto,
      body,
      INVITE_BY_EMAIL_FIELDS,
      locale,
      this.i18n,
    );
    const values = { email: form.value.email };
    if (form.errors.length > 0)
      return this.renderShow(req, res, 422, cohort, { values, errors: form.errors });
    const result = await this.service.inviteByEmail(
      this.actor(req),
      cohort.id,
      form.value.email,
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, cohort, result.problem, 'email', values);
    this.notice(req, {
      key: 'cohorts.notices.invitedEmail',
      values: { email: form.value.email },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${cohort.id}`));
  }

  @Post(':id/import')
  async import(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const cohort = await this.found(id);
    const locale = res.locals.locale as Locale;
    const upload = req as UploadedRequest;
    const result = await this.service.importMembers(
      this.actor(req),
      cohort.id,
      upload.uploads?.[IMPORT_FILE_FIELD],
      upload.uploadProblem === 'too-large' ? 'too-large' : undefined,
      requestOrigin(req, res),
    );
    if (!result.ok && 'fileProblem' in result) {
      const message = this.fileProblem(result.fileProblem, locale);
      return this.renderShow(req, res, 422, cohort, {
        errors: [{ field: IMPORT_FILE_FIELD, message }],
      });
    }
    if (!result.ok && 'problems' in result)
      return this.renderImportReport(req, res, cohort, result.problems, result.rowCount);
    if (!result.ok) throw new NotFoundException();
    this.notice(req, {
      key: 'cohorts.notices.imported',
      values: { joined: result.joined, invited: result.invited, unchanged: result.unchanged },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${cohort.id}`));
  }

  @Get(':id/members/:memberId/remove')
  async showRemove(
    @Param('id') id: string,
    @Param('memberId') memberId: string,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const cohort = await this.found(id);
    const member = await this.currentMember(cohort, memberId);
    this.renderRemove(req, res, 200, cohort, member, {});
  }

  @Post(':id/members/:memberId/remove')
  async remove(
    @Param('id') id: string,
    @Param('memberId') memberId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const cohort = await this.found(id);
    const member = await this.currentMember(cohort, memberId);
    const locale = res.locals.locale as Locale;
    const form = await validateForm(RemoveMemberDto, body, REMOVE_MEMBER_FIELDS, locale, this.i18n);
    const values = { reason: form.value.reason };
    if (form.errors.length > 0)
      return this.renderRemove(req, res, 422, cohort, member, { values, errors: form.errors });
    const result = await this.service.removeMember(
      this.actor(req),
      cohort.id,
      member.id,
      form.value.reason,
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, cohort, result.problem, 'reason', values);
    this.notice(req, {
      key: 'cohorts.notices.removed',
      values: { member: this.memberName(member, locale) },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${cohort.id}`));
  }

  // -------------------------------------------------------------------------

  /** Every refusal of the cohort pages, answered in one place. */
  private async refuse(
    req: Request,
    res: Response,
    cohort: CohortDetail,
    problem: CohortProblem,
    field: string,
    values: Record<string, string>,
  ) {
    const locale = res.locals.locale as Locale;
    const error = (key: string) => [{ field, message: this.i18n.t(locale, key) }];
    switch (problem) {
      case 'not-found':
        throw new NotFoundException();
      case 'not-current':
        return this.renderShow(req, res, 409, cohort, {
          errors: [{ field: 'members', message: this.i18n.t(locale, 'cohorts.errors.notCurrent') }],
        });
      case 'slug-taken':
        return this.renderShow(req, res, 422, cohort, {
          values,
          errors: error('cohorts.errors.slugTaken'),
        });
      case 'wrong-audience':
        return this.renderShow(req, res, 422, cohort, {
          values,
          errors: error('cohorts.errors.wrongAudience'),
        });
      case 'unknown-neq':
        return this.renderShow(req, res, 422, cohort, {
          values,
          errors: error('cohorts.errors.unknownNeq'),
        });
      case 'already-member':
        return this.renderShow(req, res, 422, cohort, {
          values,
          errors: error('cohorts.errors.alreadyMember'),
        });
      case 'no-cohort':
        return this.renderShow(req, res, 422, cohort, {
          values,
          errors: error('cohorts.errors.cohortRequired'),
        });
      default:
        return assertUnreachable(problem);
    }
  }

  private async refuseVolunteer(
    req: Request,
    res: Response,
    problem: CohortProblem,
    field: string,
  ) {
    const locale = res.locals.locale as Locale;
    const error = (key: string) => [{ field, message: this.i18n.t(locale, key) }];
    switch (problem) {
      case 'not-found':
        throw new NotFoundException();
      case 'not-current':
        return this.renderVolunteers(req, res, 409, {
          errors: [
            {
              field: 'volunteers',
              message: this.i18n.t(locale, 'cohorts.errors.volunteerDecided'),
            },
          ],
        });
      case 'no-cohort':
        return this.renderVolunteers(req, res, 422, {
          errors: error('cohorts.errors.cohortRequired'),
        });
      case 'wrong-audience':
        return this.renderVolunteers(req, res, 422, {
          errors: error('cohorts.errors.volunteerAudience'),
        });
      case 'already-member':
        return this.renderVolunteers(req, res, 422, {
          errors: error('cohorts.errors.volunteerAlreadyMember'),
        });
      case 'slug-taken':
      case 'unknown-neq':
        throw new Error(`Unexpected refusal of a volunteer decision: ${problem}`);
      default:
        return assertUnreachable(problem);
    }
  }

  private fileProblem(problem: ImportFileProblem, locale: Locale): string {
    return this.i18n.t(locale, `cohorts.import.fileProblems.${problem.reason}`, {
      line: 'line' in problem ? problem.line : '',
      rows: MAX_IMPORT_ROWS,
      max: megabytes(this.config.UPLOAD_COHORT_IMPORT_MAX_BYTES, locale),
      columns: IMPORT_COLUMNS.join(', '),
    });
  }

  private async found(id: string): Promise<CohortDetail> {
    const cohort = await this.cohorts.cohort(id);
    if (!cohort) throw new NotFoundException();
    return cohort;
  }

  private async currentMember(cohort: CohortDetail, memberId: string): Promise<MemberRow> {
    const member = await this.cohorts.member(cohort.id, memberId);
    if (!member || (member.status !== 'active' && member.status !== 'invited'))
      throw new NotFoundException();
    return member;
  }

  private actor(req: Request): string {
    return req.session.accountId!;
  }

  private nav() {
    return { navActive: 'staff', staffNavActive: 'cohorts' };
  }

  private values<T extends object>(value: T, fields: readonly (keyof T & string)[]) {
    return Object.fromEntries(fields.map((f) => [f, String(value[f] ?? '')]));
  }

  private notice(req: Request, notice: Notice) {
    req.session.cohortNotice = notice;
  }

  private takeNotice(req: Request, locale: Locale): string | undefined {
    const notice = req.session.cohortNotice;
    if (!notice) return undefined;
    delete req.session.cohortNotice;
    return this.i18n.t(locale, notice.key, notice.values);
  }

  private dateFormat(locale: Locale) {
    return cityDateFormat(locale);
  }

  private memberName(m: MemberRow, locale: Locale): string {
    if (m.legalName)
      return this.i18n.t(locale, 'cohorts.show.organization', {
        name: m.legalName,
        neq: m.neq ?? '',
      });
    if (m.personName) return `${m.personName} (${m.personEmail ?? ''})`;
    return m.invitedEmail ?? '';
  }

  private displayMember(m: MemberRow, locale: Locale) {
    const date = this.dateFormat(locale);
    const expired = m.status === 'invited' && (!m.tokenExpiresAt || m.tokenExpiresAt <= new Date());
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
      statusLabel: this.i18n.t(locale, `cohorts.statuses.${expired ? 'expired' : m.status}`),
      statusClass: {
        active: 'govuk-tag--green',
        invited: expired ? 'govuk-tag--grey' : 'govuk-tag--blue',
        withdrawn: 'govuk-tag--grey',
        declined: 'govuk-tag--orange',
      }[m.status],
      expires:
        m.status === 'invited' && m.tokenExpiresAt && !expired
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

  private renderNew(
    req: Request,
    res: Response,
    status: number,
    data: { values: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'cohorts/new', titleKey: 'cohorts.new.title' },
      status,
      {
        ...data,
        ...this.nav(),
        backLink: '/staff/cohorts',
        audiences: (['business', 'citizen'] as const).map((a, i) => ({
          id: i === 0 ? 'audience' : `audience-${a}`,
          value: a,
          label: this.i18n.t(locale, `cohorts.audiences.${a}`),
          hint: this.i18n.t(locale, `cohorts.audienceHints.${a}`),
          checked: data.values.audience === a,
        })),
      },
    );
  }

  private renderEdit(
    req: Request,
    res: Response,
    status: number,
    cohort: CohortDetail,
    data: { values: Record<string, string>; errors?: FieldError[] },
  ) {
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'cohorts/edit', titleKey: 'cohorts.edit.title' },
      status,
      {
        ...data,
        ...this.nav(),
        backLink: `/staff/cohorts/${cohort.id}`,
        cohort,
      },
    );
  }

  private async renderShow(
    req: Request,
    res: Response,
    status: number,
    cohort: CohortDetail,
    data: ShowData,
    cursor = '',
  ) {
    const locale = res.locals.locale as Locale;
    const page = await this.cohorts.members(cohort.id, isMemberCursor(cursor) ? cursor : undefined);
    const date = this.dateFormat(locale);
    this.page(req, res, 'cohorts/show', status, {
      ...data,
      values: data.values ?? {},
      ...this.nav(),
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
    });
  }

  /** A page whose title is data (the cohort's name), with its forms' errors and CSRF token. */
  private page(
    req: Request,
    res: Response,
    view: string,
    status: number,
    data: { pageTitle: string; errors?: FieldError[]; [key: string]: unknown },
  ) {
    const errors = data.errors ?? [];
    res.status(status).render(view, {
      ...data,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }

  private renderRemove(
    req: Request,
    res: Response,
    status: number,
    cohort: CohortDetail,
    member: MemberRow,
    data: ShowData,
  ) {
    const locale = res.locals.locale as Locale;
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
        ...data,
        values: data.values ?? {},
        ...this.nav(),
        backLink: `/staff/cohorts/${cohort.id}`,
        cohort,
        member: this.displayMember(member, locale),
        invited,
      },
    );
  }

  private renderImportReport(
    req: Request,
    res: Response,
    cohort: CohortDetail,
    problems: ImportRowProblem[],
    rowCount: number,
  ) {
    const locale = res.locals.locale as Locale;
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
        ...this.nav(),
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

  private async renderVolunteers(req: Request, res: Response, status: number, data: ShowData) {
    const locale = res.locals.locale as Locale;
    const [volunteers, cohorts] = await Promise.all([
      this.cohorts.pendingVolunteers(),
      this.cohorts.ofAudience('business'),
    ]);
    const date = this.dateFormat(locale);
    const values = data.values ?? {};
    const fieldErrors = Object.fromEntries((data.errors ?? []).map((e) => [e.field, e.message]));
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'cohorts/volunteers', titleKey: 'cohorts.volunteers.title' },
      status,
      {
        ...data,
        values,
        ...this.nav(),
        notice: status === 200 ? this.takeNotice(req, locale) : undefined,
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
