import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage, InvalidForm, rememberFormValues } from '../../platform/forms/form-page.js';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import type { UploadedRequest } from '../../platform/http/multipart.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentAccount, SignedIn } from '../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { normalizeNeq } from '../organizations/dto/organization.dto.js';
import {
  EVIDENCE_FIELDS,
  EvidenceDto,
  REVIEW_REQUEST_FIELDS,
  ReviewRequestDto,
} from './dto/claim.dto.js';
import { EvidencePage, ReviewRequestPage } from './ownership.pages.js';
import { OwnershipPresenter } from './ownership.presenter.js';
import { claimed } from './ownership.refusals.js';
import { OwnershipService } from './ownership.service.js';

/**
 * Proving who owns an SME (ADR 0014): its owners send evidence from the SME's
 * page; someone who finds the NEQ already registered asks staff to review.
 * OwnershipService decides (owners only, the evidence limit, the file checks);
 * its refusals (CLAIM_REFUSALS) go back to the form's page.
 */
@Controller('organizations')
export class OwnershipController {
  constructor(
    private readonly ownership: OwnershipService,
    private readonly presenter: OwnershipPresenter,
    private readonly evidencePage: EvidencePage,
    private readonly i18n: I18nService,
  ) {}

  @Get('claims/new')
  @SignedIn('/organizations/claims/new')
  showReviewRequest(@Query('neq') neqInput: unknown, @Req() req: Request, @Res() res: Response) {
    const neq = typeof neqInput === 'string' ? (normalizeNeq(neqInput) ?? '') : '';
    this.presenter.reviewRequest(req, res, 200, { values: { neq, note: '' } });
  }

  @Post('claims/new')
  @SignedIn('/organizations/claims/new')
  @FormPage(ReviewRequestPage, { field: 'evidence' })
  async requestReview(
    @Body() body: unknown,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: UploadedRequest,
    @Res() res: Response,
  ) {
    const form = await this.withEvidence(ReviewRequestDto, REVIEW_REQUEST_FIELDS, body, req, res);
    const input = { note: form.note, upload: req.uploads?.evidence };
    claimed(await this.ownership.requestReview(account.id, normalizeNeq(form.neq)!, input, origin));
    res.redirect(303, '/organizations/claims/sent');
  }

  @Get('claims/sent')
  @SignedIn('/organizations/claims/sent')
  reviewRequested(@Res() res: Response) {
    this.presenter.reviewSent(res);
  }

  @Get(':id/verification')
  @SignedIn('/organizations/:id/verification')
  @FormPage(EvidencePage)
  showEvidence(@Req() req: Request, @Res() res: Response) {
    return this.evidencePage.render(req, res, 200, { values: { note: '' }, errors: [] });
  }

  @Post(':id/verification')
  @SignedIn('/organizations/:id/verification')
  @FormPage(EvidencePage, { field: 'evidence' })
  async submitEvidence(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Req() req: UploadedRequest,
    @Res() res: Response,
  ) {
    const form = await this.withEvidence(EvidenceDto, EVIDENCE_FIELDS, body, req, res);
    const input = { note: form.note, upload: req.uploads?.evidence };
    claimed(await this.ownership.submitEvidence(account.id, id, input, origin));
    res.redirect(303, `/organizations/${id}/verification?sent=1`);
  }

  // -------------------------------------------------------------------------

  /**
   * The form's text fields and its file, checked together so that every
   * problem shows at once (the file's own message among the others): invalid →
   * InvalidForm, shown again on the handler's page with 422.
   */
  private async withEvidence<T extends object>(
    dto: new () => T,
    fields: readonly (keyof T & string)[],
    body: unknown,
    req: UploadedRequest,
    res: Response,
  ): Promise<T> {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(dto, body, fields, locale, this.i18n);
    const values = Object.fromEntries(
      fields.map((field) => [field, String((form.value as Record<string, unknown>)[field])]),
    );
    const errors = [...form.errors];
    const fileError = this.fileError(req, locale);
    if (fileError) errors.push(fileError);
    if (errors.length > 0) throw new InvalidForm(errors, values);
    rememberFormValues(req, values);
    return form.value;
  }

  /** The file field's problem, if any: from the upload middleware, or none chosen. */
  private fileError(req: UploadedRequest, locale: Locale): FieldError | undefined {
    if (req.uploadProblem === 'too-large')
      return { field: 'evidence', message: this.i18n.t(locale, 'ownership.errors.fileTooLarge') };
    if (req.uploadProblem || !req.uploads?.evidence)
      return { field: 'evidence', message: this.i18n.t(locale, 'ownership.errors.fileRequired') };
    return undefined;
  }
}
