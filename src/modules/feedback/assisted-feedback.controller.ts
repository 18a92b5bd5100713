import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  Post,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Audience } from '../../platform/flags/flag-context.js';
import { validateForm, type FieldError } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { requestOrigin } from '../audit/request-origin.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import { StaffRoles, StaffRolesGuard, staffActorOf } from '../staff/staff-roles.guard.js';
import {
  ASSISTED_FEEDBACK_FIELDS,
  AssistedFeedbackDto,
  type OnBehalfOf,
} from './dto/assisted-feedback.dto.js';
import { feedbackInput } from './dto/feedback.dto.js';
import { AssistedFeedbackService, type AssistedParty } from './assisted-feedback.service.js';
import { AssistedFeedbackPresenter } from './assisted-feedback.presenter.js';
import { FEEDBACK_ROLES, type AssistedChannel } from './feedback-options.js';

const FORM_PAGE = { view: 'staff-feedback/new', titleKey: 'staffFeedback.assisted.title' };

/**
 * Feedback received by phone, at the counter or by email, recorded by staff
 * for a person or an SME (the channel and who recorded it are kept). Registered
 * before StaffFeedbackController, whose `feedback/:id` would otherwise take `new`.
 */
@Controller('staff')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...FEEDBACK_ROLES)
export class AssistedFeedbackController {
  constructor(
    private readonly assisted: AssistedFeedbackService,
    private readonly catalogue: CatalogueService,
    private readonly presenter: AssistedFeedbackPresenter,
    private readonly i18n: I18nService,
  ) {}

  @Get('feedback/new')
  form(@Req() req: Request, @Res() res: Response) {
    this.render(req, res, 200, { language: res.locals.locale as Locale }, []);
  }

  @Post('feedback/new')
  async record(@Body() body: unknown, @Req() req: Request, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    const form = await validateForm(
      AssistedFeedbackDto,
      body,
      ASSISTED_FEEDBACK_FIELDS,
      locale,
      this.i18n,
    );
    const { value } = form;
    const values: Record<string, string> = Object.fromEntries(
      ASSISTED_FEEDBACK_FIELDS.map((f) => [f, value[f]]),
    );
    const errors = [...form.errors];
    if (value.service && !this.catalogue.find(value.service) && !has(errors, 'service'))
      errors.unshift(this.error(locale, 'service', 'serviceUnknown'));
    if (errors.length > 0) return this.render(req, res, 422, values, errors);

    const onBehalfOf = value.onBehalfOf as OnBehalfOf;
    const party: AssistedParty =
      onBehalfOf === 'account'
        ? { kind: 'account', email: value.email }
        : onBehalfOf === 'sme'
          ? {
              kind: 'sme',
              neq: value.neq,
              contactName: value.contactName,
              contactDetail: value.contactDetail,
            }
          : { kind: 'contact', contactName: value.contactName, contactDetail: value.contactDetail };
    const result = await this.assisted.record(
      staffActorOf(req, res),
      {
        serviceSlug: value.service,
        variant: value.variant as Audience,
        channel: value.channel as AssistedChannel,
        party,
        language: value.language as Locale,
        feedback: feedbackInput(value),
      },
      requestOrigin(req, res),
    );
    if (!result.ok) {
      if (result.reason === 'forbidden') throw new ForbiddenException();
      const key = { service: 'serviceUnknown', email: 'emailUnknown', neq: 'neqUnknown' }[
        result.field
      ];
      return this.render(req, res, 422, values, [this.error(locale, result.field, key)]);
    }
    req.session.staffFeedbackNotice = {
      key: 'staffFeedback.notices.recorded',
      values: { reference: result.reference },
    };
    req.session.save(() => res.redirect(303, `/staff/feedback/${result.id}`));
  }

  private error(locale: Locale, field: string, key: string): FieldError {
    return { field, message: this.i18n.t(locale, `staffFeedback.assisted.errors.${key}`) };
  }

  private render(
    req: Request,
    res: Response,
    status: number,
    values: Record<string, string>,
    errors: FieldError[],
  ) {
    const locale = res.locals.locale as Locale;
    renderForm(req, res, this.i18n, FORM_PAGE, status, this.presenter.form(values, errors, locale));
  }
}

function has(errors: FieldError[], field: string): boolean {
  return errors.some((e) => e.field === field);
}
