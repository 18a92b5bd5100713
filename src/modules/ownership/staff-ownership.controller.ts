import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByField, validateForm, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter, StaffRoles, StaffRolesGuard } from '../staff/staff-roles.guard.js';
import { MAX_NOTE_LENGTH, REASON_FIELDS, ReasonDto } from './dto/claim.dto.js';
import { OwnershipReadModel, type OrganizationFile } from './ownership.read-model.js';
import {
  OwnershipService,
  type OwnershipProblem,
  type OwnershipResult,
} from './ownership.service.js';

/** What the notice after a decision says, by the `done` query parameter. */
const DONE = ['verified', 'rejected', 'transferred', 'revoked'] as const;
type Done = (typeof DONE)[number];

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/**
 * The verification queue (admins, ADR 0014): pending evidence and review
 * requests, an SME's file with its evidence, and the decisions — verify,
 * reject with a reason, transfer to a claimant, revoke an unverified claim.
 */
@Controller('staff/verification')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles('admin')
export class StaffOwnershipController {
  constructor(
    private readonly ownership: OwnershipService,
    private readonly read: OwnershipReadModel,
    private readonly i18n: I18nService,
  ) {}

  @Get()
  async queue(@Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const { rows, total } = await this.read.queue();
    const date = cityDateFormat(locale, { time: true });
    res.render('ownership/staff-queue', {
      pageTitle: this.i18n.t(locale, 'ownership.queue.title'),
      navActive: 'staff',
      staffNavActive: 'verification',
      total,
      more: total > rows.length,
      rows: rows.map((r) => ({
        ...r,
        kindLabel: this.i18n.t(locale, `ownership.kinds.${r.kind}`),
        submitted: date.format(r.createdAt),
        claimant: r.claimantName ? `${r.claimantName} (${r.claimantEmail})` : '—',
      })),
    });
  }

  @Get('claims/:claimId/evidence')
  async evidence(@Param('claimId') claimId: string, @Res() res: Response) {
    const file = await this.read.evidence(claimId);
    if (!file) throw new NotFoundException();
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="${asciiName(file.filename)}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
    );
    res.send(file.content);
  }

  @Get(':organizationId')
  async show(@Param('organizationId') id: string, @Req() req: Request, @Res() res: Response) {
    const organization = await this.found(id);
    const done = DONE.find((d) => d === req.query.done);
    this.renderShow(req, res, 200, organization, { done });
  }

  @Post('claims/:claimId/verify')
  async verify(@Param('claimId') claimId: string, @Req() req: Request, @Res() res: Response) {
    const result = await this.ownership.verify(this.actor(req), claimId, requestOrigin(req, res));
    return this.after(req, res, claimId, result, 'verified', `claim-${claimId}`, {});
  }

  @Post('claims/:claimId/reject')
  reject(
    @Param('claimId') claimId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.decideWithReason(req, res, body, claimId, `reason-${claimId}`, 'rejected', (r) =>
      this.ownership.reject(this.actor(req), claimId, r, requestOrigin(req, res)),
    );
  }

  @Post('claims/:claimId/transfer')
  transfer(
    @Param('claimId') claimId: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.decideWithReason(
      req,
      res,
      body,
      claimId,
      `transfer-${claimId}`,
      'transferred',
      (r) => this.ownership.transfer(this.actor(req), claimId, r, requestOrigin(req, res)),
    );
  }

  @Post(':organizationId/revoke')
  async revoke(
    @Param('organizationId') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const organization = await this.found(id);
    const field = 'revoke-reason';
    const form = await validateForm(
      ReasonDto,
      fieldOf(body, field),
      REASON_FIELDS,
      res.locals.locale,
      this.i18n,
    );
    const values = { [field]: form.value.reason };
    if (form.errors.length > 0)
      return this.renderShow(req, res, 422, organization, {
        values,
        errors: form.errors.map((e) => ({ ...e, field })),
      });
    const result = await this.ownership.revoke(
      this.actor(req),
      organization.id,
      form.value.reason,
      requestOrigin(req, res),
    );
    if (!result.ok) return this.refuse(req, res, organization, result.problem, field, values);
    res.redirect(303, `/staff/verification/${organization.id}?done=revoked`);
  }

  // -------------------------------------------------------------------------

  private actor(req: Request): string {
    return req.session.accountId!;
  }

  private async found(organizationId: string): Promise<OrganizationFile> {
    const organization = await this.read.organization(organizationId);
    if (!organization) throw new NotFoundException();
    return organization;
  }

  /** The SME a claim belongs to, or 404. */
  private async organizationOfClaim(claimId: string): Promise<OrganizationFile> {
    const organizationId = await this.read.organizationIdOfClaim(claimId);
    if (!organizationId) throw new NotFoundException();
    return this.found(organizationId);
  }

  /** A decision on a claim that needs a written reason (reject, transfer): 422 without one. */
  private async decideWithReason(
    req: Request,
    res: Response,
    body: unknown,
    claimId: string,
    field: string,
    done: Done,
    decide: (reason: string) => Promise<OwnershipResult>,
  ) {
    const form = await validateForm(
      ReasonDto,
      fieldOf(body, field),
      REASON_FIELDS,
      res.locals.locale,
      this.i18n,
    );
    const values = { [field]: form.value.reason };
    if (form.errors.length > 0) return this.invalid(req, res, claimId, field, form.errors, values);
    const result = await decide(form.value.reason);
    return this.after(req, res, claimId, result, done, field, values);
  }

  private async invalid(
    req: Request,
    res: Response,
    claimId: string,
    field: string,
    errors: FieldError[],
    values: Record<string, string>,
  ) {
    const organization = await this.organizationOfClaim(claimId);
    return this.renderShow(req, res, 422, organization, {
      values,
      errors: errors.map((e) => ({ ...e, field })),
    });
  }

  private async after(
    req: Request,
    res: Response,
    claimId: string,
    result: OwnershipResult,
    done: Done,
    field: string,
    values: Record<string, string>,
  ) {
    const organization = await this.organizationOfClaim(claimId);
    if (!result.ok) return this.refuse(req, res, organization, result.problem, field, values);
    res.redirect(303, `/staff/verification/${organization.id}?done=${done}`);
  }

  /** Every refusal of a decision, answered in one place. */
  private refuse(
    req: Request,
    res: Response,
    organization: OrganizationFile,
    problem: OwnershipProblem,
    field: string,
    values: Record<string, string>,
  ) {
    const locale = res.locals.locale as Locale;
    const error = (key: string) => [{ field, message: this.i18n.t(locale, key) }];
    switch (problem) {
      case 'not-found':
        throw new NotFoundException();
      case 'not-pending':
        return this.renderShow(req, res, 409, organization, {
          values,
          errors: error('ownership.errors.notPending'),
        });
      case 'already-verified':
        return this.renderShow(req, res, 409, organization, {
          values,
          errors: error('ownership.errors.revokeVerified'),
        });
      case 'forbidden':
      case 'already-member':
      case 'unknown-neq':
      case 'evidence-missing':
      case 'evidence-too-large':
      case 'evidence-wrong-type':
      case 'evidence-refused':
      case 'too-many':
        // Staff decisions never check a file or a membership.
        throw new Error(`Unexpected refusal of a staff decision: ${problem}`);
      default:
        return assertUnreachable(problem);
    }
  }

  private renderShow(
    req: Request,
    res: Response,
    status: number,
    organization: OrganizationFile,
    data: { values?: Record<string, string>; errors?: FieldError[]; done?: Done },
  ) {
    const locale = res.locals.locale as Locale;
    const date = cityDateFormat(locale, { time: true });
    const errors = data.errors ?? [];
    const fieldErrors = errorsByField(errors);
    const values = data.values ?? {};
    res.status(status).render('ownership/staff-organization', {
      pageTitle: this.i18n.t(locale, 'ownership.staff.title', {
        organization: organization.legalName,
      }),
      navActive: 'staff',
      staffNavActive: 'verification',
      organization,
      registered: date.format(organization.createdAt),
      verified: organization.verifiedAt ? date.format(organization.verifiedAt) : undefined,
      revocable: !organization.verifiedAt && organization.members.length > 0,
      members: organization.members.map((m) => ({
        ...m,
        roleLabel: this.i18n.t(locale, `organizations.roles.${m.role}`),
      })),
      claims: organization.claims.map((c) => ({
        ...c,
        pending: c.status === 'pending',
        isOwner: c.kind === 'owner',
        kindLabel: this.i18n.t(locale, `ownership.kinds.${c.kind}`),
        statusLabel: this.i18n.t(locale, `ownership.statuses.${c.status}`),
        submitted: date.format(c.createdAt),
        decided: c.decidedAt ? date.format(c.decidedAt) : undefined,
        size: `${Math.max(1, Math.round(c.sizeBytes / 1024))} ${this.i18n.t(locale, 'ownership.staff.kilobytes')}`,
        claimant: c.claimantName ? `${c.claimantName} (${c.claimantEmail})` : '—',
        rejectField: `reason-${c.id}`,
        rejectValue: values[`reason-${c.id}`] ?? '',
        rejectError: fieldErrors[`reason-${c.id}`],
        transferField: `transfer-${c.id}`,
        transferValue: values[`transfer-${c.id}`] ?? '',
        transferError: fieldErrors[`transfer-${c.id}`],
        claimError: fieldErrors[`claim-${c.id}`],
      })),
      revokeValue: values['revoke-reason'] ?? '',
      revokeError: fieldErrors['revoke-reason'],
      notice: data.done ? this.i18n.t(locale, `ownership.notices.${data.done}`) : undefined,
      maxNote: MAX_NOTE_LENGTH,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors,
      csrfToken: csrfToken(req),
    });
  }
}

/**
 * The reason typed in one of the page's forms: each form names its field after
 * the claim it decides (`reason-<claim id>`), so its message lands beside it.
 */
function fieldOf(body: unknown, field: string): { reason: unknown } {
  return {
    reason:
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>)[field]
        : undefined,
  };
}

/** The name for the plain `filename=` parameter: printable ASCII without quotes or backslashes. */
function asciiName(name: string): string {
  return name.normalize('NFKD').replace(/[^\x20-\x7e]|["\\]/g, '_');
}
