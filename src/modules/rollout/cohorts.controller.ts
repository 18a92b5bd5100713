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
import type { Audience } from '../../platform/flags/flag-context.js';
import { text } from '../../platform/forms/form.js';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { ExportAuditService } from '../audit/export-audit.service.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { normalizeNeq } from '../organizations/dto/organization.dto.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import {
  CohortEditPage,
  CohortNewPage,
  CohortRemovePage,
  CohortShowPage,
  CohortsPresenter,
  CohortVolunteersPage,
  IMPORT_FILE_FIELD,
} from './cohorts.presenter.js';
import { CohortsReadModel } from './cohorts.read-model.js';
import { COHORT_REFUSALS, VOLUNTEER_REFUSALS } from './cohorts.refusals.js';
import { CohortsService } from './cohorts.service.js';
import { COHORT_FIELDS, CohortDto, EDIT_COHORT_FIELDS, EditCohortDto } from './dto/cohort.dto.js';
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

const NO_FORM = { values: {}, errors: [] };

/**
 * Cohorts for the staged rollout, for admins and rollout managers: the list,
 * creating and editing a cohort, its members (invitations by NEQ or email,
 * removal with a reason, CSV import and export), and the volunteers from the
 * public pilot page. Thin: CohortsService owns the rules and the audit,
 * cohorts.refusals.ts the refusals, cohorts.presenter.ts the pages.
 */
@Controller('staff/cohorts')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin', 'rollout-manager')
export class CohortsController {
  constructor(
    private readonly service: CohortsService,
    private readonly cohorts: CohortsReadModel,
    private readonly exports: ExportAuditService,
    private readonly presenter: CohortsPresenter,
    private readonly newPage: CohortNewPage,
    private readonly editPage: CohortEditPage,
    private readonly removePage: CohortRemovePage,
    private readonly volunteersPage: CohortVolunteersPage,
  ) {}

  @Get()
  async list(@Req() req: Request, @Res() res: Response) {
    await this.presenter.list(req, res);
  }

  @Get('new')
  showNew(@Req() req: Request, @Res() res: Response) {
    this.newPage.render(req, res, 200, { values: { audience: 'business' }, errors: [] });
  }

  @Post('new')
  @FormPage(CohortNewPage)
  async create(
    @FormBody(CohortDto, COHORT_FIELDS) dto: CohortDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const created = COHORT_REFUSALS.unwrap(
      await this.service.create(
        staff.accountId,
        { ...dto, audience: dto.audience as Audience },
        origin,
      ),
    );
    this.presenter.notice(req, { key: 'cohorts.notices.created', values: { name: dto.name } });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${created.id}`));
  }

  @Get('volunteers')
  async volunteers(@Req() req: Request, @Res() res: Response) {
    await this.volunteersPage.render(req, res, 200, NO_FORM);
  }

  @Post('volunteers/:volunteerId/approve')
  @FormPage(CohortVolunteersPage, { field: 'cohortId' })
  async approve(
    @Param('volunteerId') volunteerId: string,
    @FormBody(ApproveVolunteerDto, APPROVE_VOLUNTEER_FIELDS) dto: ApproveVolunteerDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const approved = VOLUNTEER_REFUSALS.unwrap(
      await this.service.approveVolunteer(staff.accountId, volunteerId, dto.cohortId, origin),
    );
    this.presenter.notice(req, {
      key: 'cohorts.notices.volunteerApproved',
      values: { organization: approved.legalName, cohort: approved.cohortName },
    });
    req.session.save(() => res.redirect(303, '/staff/cohorts/volunteers'));
  }

  @Post('volunteers/:volunteerId/decline')
  @FormPage(CohortVolunteersPage, { field: 'note' })
  async decline(
    @Param('volunteerId') volunteerId: string,
    @FormBody(DeclineVolunteerDto, DECLINE_VOLUNTEER_FIELDS) dto: DeclineVolunteerDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const declined = VOLUNTEER_REFUSALS.unwrap(
      await this.service.declineVolunteer(staff.accountId, volunteerId, dto.note, origin),
    );
    this.presenter.notice(req, {
      key: 'cohorts.notices.volunteerDeclined',
      values: { organization: declined.legalName },
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
    const cohort = await this.presenter.found(id);
    await this.presenter.show(req, res, 200, cohort, {}, text(after));
  }

  @Get(':id/members.csv')
  async csv(
    @Param('id') id: string,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const cohort = await this.presenter.found(id);
    const members = await this.cohorts.allMembers(cohort.id);
    const body = this.presenter.membersCsv(members);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="cohort-${cohort.slug}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    await this.exports.exported(
      staff.accountId,
      {
        export: 'cohort-members',
        entity: { type: 'cohort', id: cohort.id },
        filters: { cohort: cohort.slug },
        rows: members.length,
      },
      origin,
    );
    res.send(body);
  }

  @Get(':id/edit')
  async showEdit(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const cohort = await this.presenter.found(id);
    await this.editPage.render(req, res, 200, {
      values: { name: cohort.name, description: cohort.description },
      errors: [],
    });
  }

  @Post(':id/edit')
  @FormPage(CohortEditPage, { field: 'name' })
  async edit(
    @Param('id') id: string,
    @FormBody(EditCohortDto, EDIT_COHORT_FIELDS) dto: EditCohortDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    COHORT_REFUSALS.unwrap(await this.service.update(staff.accountId, id, dto, origin));
    this.presenter.notice(req, { key: 'cohorts.notices.updated' });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${id}`));
  }

  @Post(':id/invitations/neq')
  @FormPage(CohortShowPage, { field: 'neq' })
  async inviteByNeq(
    @Param('id') id: string,
    @FormBody(InviteByNeqDto, INVITE_BY_NEQ_FIELDS) dto: InviteByNeqDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const invited = COHORT_REFUSALS.unwrap(
      await this.service.inviteByNeq(staff.accountId, id, normalizeNeq(dto.neq)!, origin),
    );
    this.presenter.notice(req, {
      key: invited.awaitingVerification
        ? 'cohorts.notices.invitationAwaitingVerification'
        : 'cohorts.notices.invitedOrganization',
      values: { organization: invited.legalName },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${id}`));
  }

  @Post(':id/invitations/email')
  @FormPage(CohortShowPage, { field: 'email' })
  async inviteByEmail(
    @Param('id') id: string,
    @FormBody(InviteByEmailDto, INVITE_BY_EMAIL_FIELDS) dto: InviteByEmailDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    COHORT_REFUSALS.unwrap(
      await this.service.inviteByEmail(staff.accountId, id, dto.email, origin),
    );
    this.presenter.notice(req, {
      key: 'cohorts.notices.invitedEmail',
      values: { email: dto.email },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${id}`));
  }

  /** The member list import (multipart): a file refused, or the rows' problems, shown in a report. */
  @Post(':id/import')
  async import(
    @Param('id') id: string,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const cohort = await this.presenter.found(id);
    const upload = req as UploadedRequest;
    const result = await this.service.importMembers(
      staff.accountId,
      cohort.id,
      upload.uploads?.[IMPORT_FILE_FIELD],
      upload.uploadProblem === 'too-large' ? 'too-large' : undefined,
      origin,
    );
    if (!result.ok && 'fileProblem' in result)
      return this.presenter.show(req, res, 422, cohort, {
        errors: [this.presenter.fileProblem(result.fileProblem, res.locals.locale as Locale)],
      });
    if (!result.ok && 'problems' in result)
      return this.presenter.importReport(req, res, cohort, result.problems, result.rowCount);
    if (!result.ok) throw new NotFoundException();
    this.presenter.notice(req, {
      key: 'cohorts.notices.imported',
      values: {
        joined: result.joined,
        invited: result.invited,
        awaiting: result.awaiting,
        unchanged: result.unchanged,
      },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${cohort.id}`));
  }

  @Get(':id/members/:memberId/remove')
  async showRemove(@Req() req: Request, @Res() res: Response) {
    await this.removePage.render(req, res, 200, NO_FORM);
  }

  @Post(':id/members/:memberId/remove')
  @FormPage(CohortRemovePage, { field: 'reason' })
  async remove(
    @Param('id') id: string,
    @Param('memberId') memberId: string,
    @FormBody(RemoveMemberDto, REMOVE_MEMBER_FIELDS) dto: RemoveMemberDto,
    @CurrentStaff() staff: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const { cohort, member } = await this.service.removable(id, memberId);
    COHORT_REFUSALS.unwrap(
      await this.service.removeMember(staff.accountId, cohort.id, member.id, dto.reason, origin),
    );
    this.presenter.notice(req, {
      key: 'cohorts.notices.removed',
      values: { member: this.presenter.memberName(member, res.locals.locale as Locale) },
    });
    req.session.save(() => res.redirect(303, `/staff/cohorts/${cohort.id}`));
  }
}
