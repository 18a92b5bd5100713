import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { errorsByField, text, type FieldError } from '../../platform/forms/form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import { RolloutReadModel } from '../rollout/rollout.read-model.js';
import {
  FeedbackInboxReadModel,
  isInboxCursor,
  type InboxCursor,
} from './feedback-inbox.read-model.js';
import { readInboxFilters } from './inbox-filters.js';
import { StaffFeedbackItemPage, type StaffFeedbackNotice } from './staff-feedback-item.page.js';
import { StaffFeedbackPresenter } from './staff-feedback.presenter.js';

/** What the inbox shows again after a refused bulk action. */
export interface BulkState {
  errors: FieldError[];
  checked: string[];
  values: Record<string, string>;
}

/**
 * The feedback inbox for staff: the filters read from the query (400 for a
 * paging link someone edited, 422 for filters that are wrong), the page of
 * items and the counts they select, shown with StaffFeedbackPresenter's view
 * model; after a refused bulk action, the inbox again with its errors.
 */
@Injectable()
export class StaffFeedbackInboxPage {
  constructor(
    private readonly inbox: FeedbackInboxReadModel,
    private readonly presenter: StaffFeedbackPresenter,
    private readonly rollout: RolloutReadModel,
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
    private readonly itemPage: StaffFeedbackItemPage,
  ) {}

  /** The inbox with `query`'s filters (and a refused bulk action's state or a notice). */
  async show(
    req: Request,
    res: Response,
    query: Record<string, unknown>,
    bulk: BulkState | undefined,
    notice?: StaffFeedbackNotice,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) => this.i18n.t(locale, key, vars);
    const staffId = req.session.accountId!;
    const [{ values, filters, errors, members }, cohorts] = await Promise.all([
      this.readFilters(query, locale),
      this.rollout.cohortList(),
    ]);
    const after = text(query.after);
    const before = text(query.before);
    let cursor: InboxCursor | undefined;
    let badCursor = false;
    if (after || before) {
      if (after && !before && isInboxCursor(after)) cursor = { after };
      else if (before && !after && isInboxCursor(before)) cursor = { before };
      else {
        // A paging link someone edited: the request is wrong, not the filters typed (400).
        badCursor = true;
        errors.push({ field: 'service', message: t('staffFeedback.errors.cursorInvalid') });
      }
    }
    const searched = errors.length === 0 && filters !== undefined;
    const [page, summary] = searched
      ? await Promise.all([
          this.inbox.page(filters, staffId, cursor),
          this.inbox.summary(filters, staffId),
        ])
      : [{ rows: [] }, undefined];
    const allErrors = [...errors, ...(bulk?.errors ?? [])];
    res.status(badCursor ? 400 : allErrors.length > 0 ? 422 : 200).render('staff-feedback/inbox', {
      ...this.presenter.inbox({
        locale,
        staffId,
        values,
        cohorts,
        members,
        page,
        summary,
        cursorQuery: cursor ? ('after' in cursor ? { after } : { before }) : {},
        bulk,
      }),
      pageTitle: t('staffFeedback.inbox.title'),
      navActive: 'staff',
      staffNavActive: 'feedback',
      notice: notice ? t(notice.key, notice.values) : undefined,
      searched,
      hasErrors: allErrors.length > 0,
      errors: allErrors,
      fieldErrors: errorsByField(allErrors),
      csrfToken: csrfToken(req),
    });
  }

  /** The filters as typed (for the form), as checked (for the query), and what is wrong. */
  async readFilters(query: Record<string, unknown>, locale: Locale) {
    const members = await this.itemPage.feedbackStaff();
    const { values, wrong, filters } = readInboxFilters(query, {
      isService: (slug) => this.catalogue.find(slug) !== undefined,
      staff: members.map((m) => m.accountId),
    });
    const errors: FieldError[] = wrong.map((field) => ({
      field,
      message: this.i18n.t(locale, `staffFeedback.errors.filter.${field}`),
    }));
    return { values, errors, filters, members };
  }
}
