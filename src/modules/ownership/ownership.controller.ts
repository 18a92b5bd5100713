import { Body, Controller, Get, NotFoundException, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByField, validateForm, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { requestOrigin } from '../audit/request-origin.js';
import { normalizeNeq } from '../organizations/dto/organization.dto.js';
import { signedIn } from '../organizations/organizations.controller.js';
import { OrganizationService } from '../organizations/organization.service.js';
import {
  EVIDENCE_FIELDS,
  EvidenceDto,
  MAX_NOTE_LENGTH,
  REVIEW_REQUEST_FIELDS,
  ReviewRequestDto,
} from './dto/claim.dto.js';
import { OwnershipReadModel } from './ownership.read-model.js';
import { OwnershipService, type OwnershipProblem } from './ownership.service.js';

/** The file field's message for each problem with the file. */
const FILE_PROBLEMS: Partial<Record<OwnershipProblem, string>> = {
  'evidence-missing': 'ownership.errors.fileRequired',
  'evidence-too-large': 'ownership.errors.fileTooLarge',
  'evidence-wrong-type': 'ownership.errors.fileWrongType',
  'evidence-refused': 'ownership.errors.fileRefused',
};

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${String(value)}`);
}

/**
 * Proving who owns an SME (ADR 0014): its owners send evidence from the SME's
 * page; someone who finds the NEQ already registered asks staff to review.
 */
@Controller('organizations')
export class OwnershipController {
  constructor(
    private readonly ownership: OwnershipService,
    private readonly read: OwnershipReadModel,
    private readonly organizations: OrganizationService,
    private readonly i18n: I18nService,
  ) {}

  @Get('claims/new')
  showReviewRequest(@Req() req: Request, @Res() res: Response) {
    if (!signedIn(res, '/organizations/claims/new')) return;
    const neq = typeof req.query.neq === 'string' ? (normalizeNeq(req.query.neq) ?? '') : '';
    this.renderReviewRequest(req, res, 200, { values: { neq, note: '' } });
  }

  @Post('claims/new')
  async requestReview(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const account = signedIn(res, '/organizations/claims/new');
    if (!account) return;
    const locale = res.locals.locale as Locale;
    const form = await validateForm(
      ReviewRequestDto,
      body,
      REVIEW_REQUEST_FIELDS,
      locale,
      this.i18n,
    );
    const values = { neq: form.value.neq, note: form.value.note };
    const errors = [...form.errors];
    const fileError = this.fileError(req as UploadedRequest, locale);
    if (fileError) errors.push(fileError);
    if (errors.length > 0) return this.renderReviewRequest(req, res, 422, { values, errors });
    const result = await this.ownership.requestReview(
      account.id,
      normalizeNeq(form.value.neq)!,
      { note: form.value.note, upload: (req as UploadedRequest).uploads?.evidence },
      requestOrigin(req, res),
    );
    if (!result.ok) {
      const field =
        result.problem === 'unknown-neq' || result.problem === 'already-member'
          ? 'neq'
          : 'evidence';
      return this.renderReviewRequest(req, res, this.statusOf(res, result), {
        values,
        errors: [{ field, message: this.problemMessage(locale, result) }],
      });
    }
    res.redirect(303, '/organizations/claims/sent');
  }

  @Get('claims/sent')
  reviewRequested(@Res() res: Response) {
    if (!signedIn(res, '/organizations/claims/sent')) return;
    res.render('ownership/review-sent', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'ownership.reviewSent.title'),
      navActive: 'organizations',
    });
  }

  @Get(':id/verification')
  async showEvidence(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    const account = signedIn(res, `/organizations/${id}/verification`);
    if (!account) return;
    if (!(await this.asOwner(res, account.id, id))) return;
    await this.renderEvidence(req, res, 200, account.id, id, { values: { note: '' } });
  }

  @Post(':id/verification')
  async submitEvidence(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const account = signedIn(res, `/organizations/${id}/verification`);
    if (!account) return;
    if (!(await this.asOwner(res, account.id, id))) return;
    const locale = res.locals.locale as Locale;
    const form = await validateForm(EvidenceDto, body, EVIDENCE_FIELDS, locale, this.i18n);
    const values = { note: form.value.note };
    const errors = [...form.errors];
    const fileError = this.fileError(req as UploadedRequest, locale);
    if (fileError) errors.push(fileError);
    if (errors.length > 0)
      return this.renderEvidence(req, res, 422, account.id, id, { values, errors });
    const result = await this.ownership.submitEvidence(
      account.id,
      id,
      { note: form.value.note, upload: (req as UploadedRequest).uploads?.evidence },
      requestOrigin(req, res),
    );
    if (!result.ok) {
      switch (result.problem) {
        case 'not-found':
          throw new NotFoundException();
        case 'forbidden':
          return this.forbidden(res, id);
        default:
          return this.renderEvidence(req, res, this.statusOf(res, result), account.id, id, {
            values,
            errors: [{ field: 'evidence', message: this.problemMessage(locale, result) }],
          });
      }
    }
    res.redirect(303, `/organizations/${id}/verification?sent=1`);
  }

  // -------------------------------------------------------------------------

  /** Owners only: not a member → 404, a member → 403 (ADR 0006). */
  private async asOwner(
    res: Response,
    accountId: string,
    organizationId: string,
  ): Promise<boolean> {
    const role = await this.organizations.roleOf(accountId, organizationId);
    if (!role) throw new NotFoundException();
    if (role !== 'owner') {
      await this.forbidden(res, organizationId);
      return false;
    }
    return true;
  }

  private async forbidden(res: Response, organizationId: string) {
    const locale = res.locals.locale as Locale;
    const [organization] = await this.organizations
      .membershipsOf(res.locals.account.id as string)
      .then((all) => all.filter((m) => m.id === organizationId));
    res.status(403).render('organizations/forbidden', {
      pageTitle: this.i18n.t(locale, 'organizations.forbidden.title'),
      organization: organization ?? { id: organizationId, legalName: '' },
    });
  }

  /** The file field's problem, if any: from the upload middleware, or none chosen. */
  private fileError(req: UploadedRequest, locale: Locale): FieldError | undefined {
    if (req.uploadProblem === 'too-large')
      return { field: 'evidence', message: this.i18n.t(locale, 'ownership.errors.fileTooLarge') };
    if (req.uploadProblem)
      return { field: 'evidence', message: this.i18n.t(locale, 'ownership.errors.fileRequired') };
    if (!req.uploads?.evidence)
      return { field: 'evidence', message: this.i18n.t(locale, 'ownership.errors.fileRequired') };
    return undefined;
  }

  /** 429 (with Retry-After) over the limit, 409 for an SME already verified, else 422. */
  private statusOf(
    res: Response,
    result: { problem: OwnershipProblem; retryAfterSeconds?: number },
  ): number {
    if (result.problem === 'too-many') {
      res.setHeader('Retry-After', String(result.retryAfterSeconds ?? 3600));
      return 429;
    }
    return result.problem === 'already-verified' ? 409 : 422;
  }

  private problemMessage(
    locale: Locale,
    { problem, retryAfterSeconds }: { problem: OwnershipProblem; retryAfterSeconds?: number },
  ): string {
    switch (problem) {
      case 'too-many':
        return this.i18n.t(locale, 'ownership.errors.tooMany', {
          minutes: Math.max(1, Math.ceil((retryAfterSeconds ?? 3600) / 60)),
        });
      case 'evidence-missing':
      case 'evidence-too-large':
      case 'evidence-wrong-type':
      case 'evidence-refused':
        return this.i18n.t(locale, FILE_PROBLEMS[problem]!);
      case 'unknown-neq':
        return this.i18n.t(locale, 'ownership.errors.unknownNeq');
      case 'already-member':
        return this.i18n.t(locale, 'ownership.errors.alreadyMember');
      case 'already-verified':
        return this.i18n.t(locale, 'ownership.errors.alreadyVerified');
      case 'not-found':
      case 'forbidden':
      case 'not-pending':
        return this.i18n.t(locale, 'ownership.errors.notPending');
      default:
        return assertUnreachable(problem);
    }
  }

  private renderReviewRequest(
    req: Request,
    res: Response,
    status: number,
    data: { values: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    this.page(req, res, 'ownership/review-request', status, {
      ...data,
      pageTitle: this.i18n.t(locale, 'ownership.reviewRequest.title'),
      maxNote: MAX_NOTE_LENGTH,
    });
  }

  private async renderEvidence(
    req: Request,
    res: Response,
    status: number,
    accountId: string,
    organizationId: string,
    data: { values: Record<string, string>; errors?: FieldError[] },
  ) {
    const locale = res.locals.locale as Locale;
    const view = await this.organizations.view(accountId, organizationId);
    if (!view) throw new NotFoundException();
    const state = await this.read.ownerStatus(accountId, organizationId);
    const date = cityDateFormat(locale);
    this.page(req, res, 'ownership/evidence', status, {
      ...data,
      pageTitle: this.i18n.t(locale, 'ownership.evidence.title'),
      organization: view.organization,
      verified: state.verified,
      pending: state.latest?.status === 'pending',
      rejected: state.latest?.status === 'rejected' ? state.latest.decisionReason : undefined,
      sentOn: state.latest ? date.format(state.latest.createdAt) : undefined,
      sent: req.query.sent === '1' && status === 200,
      maxNote: MAX_NOTE_LENGTH,
    });
  }

  /** A page with a form: the error summary and field messages, and the CSRF token. */
  private page(
    req: Request,
    res: Response,
    view: string,
    status: number,
    data: { pageTitle: string; errors?: FieldError[]; [key: string]: unknown },
  ) {
    const errors = data.errors ?? [];
    res.status(status).render(view, {
      navActive: 'organizations',
      ...data,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }
}
