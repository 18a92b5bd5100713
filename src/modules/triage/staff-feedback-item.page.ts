import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Refusal } from '../../platform/errors/refusal.js';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { errorsByField, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { holdsRole, type StaffRole } from '../staff/staff-role.js';
import { StaffService } from '../staff/staff.service.js';
import { FEEDBACK_ROLES } from '../feedback/feedback-options.js';
import { formatNumber } from '../../platform/i18n/intl-locale.js';
import { FeedbackInboxReadModel, type StaffFeedbackDetail } from './feedback-inbox.read-model.js';
import { StaffFeedbackPresenter } from './staff-feedback.presenter.js';
import type { TriageRefusalCode } from './triage.refusals.js';
import { MAX_TAG_LENGTH, MAX_TRIAGE_TEXT } from './triage-options.js';

/** A message shown once, after a change, on the page the change redirects to. */
export interface StaffFeedbackNotice {
  key: string;
  values?: Record<string, string | number>;
}

/** What the item page shows: what was typed, why it was refused, or a notice. */
export interface ItemState {
  values?: Record<string, string>;
  errors?: FieldError[];
  notice?: StaffFeedbackNotice;
}

/**
 * One feedback item's page for staff, and its forms shown again after a
 * refused action (`@FormPage(StaffFeedbackItemPage)`): the item read again,
 * the message naming what it says now (the status or assignee someone else
 * set, the longest text allowed). The view model is StaffFeedbackPresenter's.
 */
@Injectable()
export class StaffFeedbackItemPage implements FormPageRenderer {
  constructor(
    private readonly inbox: FeedbackInboxReadModel,
    private readonly presenter: StaffFeedbackPresenter,
    private readonly staff: StaffService,
    private readonly i18n: I18nService,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    if (status === 404) throw new NotFoundException();
    if (status === 403) throw new ForbiddenException();
    const detail = await this.inbox.detail(req.params.id as string);
    if (!detail) throw new NotFoundException();
    const locale = res.locals.locale as Locale;
    const refusal = form.refusal;
    const errors = refusal
      ? [{ field: refusal.field ?? '', message: this.message(refusal, detail, locale) }]
      : form.errors;
    await this.show(req, res, status, detail, { values: form.values, errors });
  }

  /** The item's page, with `status`. */
  async show(
    req: Request,
    res: Response,
    status: number,
    detail: StaffFeedbackDetail,
    state: ItemState,
  ): Promise<void> {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const errors = state.errors ?? [];
    const title = t('staffFeedback.item.title', { reference: detail.reference });
    res.status(status).render('staff-feedback/item', {
      ...this.presenter.item({
        locale,
        staffId: req.session.accountId!,
        roles: res.locals.staffRoles as StaffRole[],
        detail,
        members: await this.feedbackStaff(),
        values: state.values ?? {},
        municipality: (res.locals.municipality as { name: string }).name,
      }),
      pageTitle: title,
      title,
      navActive: 'staff',
      staffNavActive: 'feedback',
      notice: state.notice ? t(state.notice.key, state.notice.values) : undefined,
      hasErrors: errors.length > 0,
      errors,
      fieldErrors: errorsByField(errors),
      csrfToken: csrfToken(req),
    });
  }

  /** Staff who work on feedback: the assignee choices. */
  async feedbackStaff() {
    return (await this.staff.list()).filter((m) => holdsRole(m.roles, FEEDBACK_ROLES));
  }

  /** A refusal's message, naming what the item says now. */
  private message(refusal: Refusal, detail: StaffFeedbackDetail, locale: Locale): string {
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    switch (refusal.code as TriageRefusalCode) {
      case 'conflict-assignee':
        return t(refusal.spec.message, {
          assignee: detail.assigneeName ?? t('staffFeedback.item.nobody'),
        });
      case 'conflict-status':
        return t(refusal.spec.message, { status: t(`feedback.status.${detail.status}`) });
      default:
        return t(refusal.spec.message, {
          max: formatNumber(refusal.field === 'tag' ? MAX_TAG_LENGTH : MAX_TRIAGE_TEXT, locale),
        });
    }
  }
}
