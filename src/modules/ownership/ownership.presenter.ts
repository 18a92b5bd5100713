import { scanBadge } from '../../platform/virus-scan/scan-badge.js';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormState } from '../../platform/forms/form-page.js';
import { errorsByField } from '../../platform/forms/form.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { csrfToken } from '../../platform/http/sessions.js';
import { cityDateFormat } from '../../platform/i18n/city-time.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { OrganizationView } from '../organizations/organization.service.js';
import { MAX_NOTE_LENGTH } from './dto/claim.dto.js';
import type { OrganizationFile, OwnerStatus, QueueRow } from './ownership.read-model.js';

/** What the notice after a decision says, by the `done` query parameter. */
export const DONE = ['verified', 'rejected', 'transferred', 'revoked'] as const;
export type Done = (typeof DONE)[number];

/** The view models of proving who owns an SME (ADR 0014): the owners' and claimants' pages, and the admins'. */
@Injectable()
export class OwnershipPresenter {
  constructor(private readonly i18n: I18nService) {}

  /** Asking staff to review who owns a registered NEQ. */
  reviewRequest(req: Request, res: Response, status: number, form: Partial<FormState>) {
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'ownership/review-request', titleKey: 'ownership.reviewRequest.title' },
      status,
      { navActive: 'organizations', ...form, maxNote: MAX_NOTE_LENGTH },
    );
  }

  reviewSent(res: Response) {
    res.render('ownership/review-sent', {
      pageTitle: this.i18n.t(res.locals.locale as Locale, 'ownership.reviewSent.title'),
      navActive: 'organizations',
    });
  }

  /** An owner's verification page: where the SME stands, and the evidence form. */
  evidence(
    req: Request,
    res: Response,
    status: number,
    view: OrganizationView,
    state: OwnerStatus,
    form: Partial<FormState>,
  ) {
    const date = cityDateFormat(res.locals.locale as Locale);
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'ownership/evidence', titleKey: 'ownership.evidence.title' },
      status,
      {
        navActive: 'organizations',
        ...form,
        organization: view.organization,
        verified: state.verified,
        pending: state.latest?.status === 'pending',
        rejected: state.latest?.status === 'rejected' ? state.latest.decisionReason : undefined,
        sentOn: state.latest ? date.format(state.latest.createdAt) : undefined,
        sent: req.query.sent === '1' && status === 200,
        maxNote: MAX_NOTE_LENGTH,
      },
    );
  }

  /** The admins' queue: pending evidence and review requests, oldest first. */
  queue(res: Response, rows: QueueRow[], total: number) {
    const locale = res.locals.locale as Locale;
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

  /**
   * An SME's file for the admins: its members, its claims and the decision
   * forms, each named after the claim it decides (`reason-<claim id>`).
   */
  staffOrganization(
    req: Request,
    res: Response,
    status: number,
    organization: OrganizationFile,
    data: Partial<FormState> & { done?: Done },
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
        href: `/staff/verification/claims/${c.id}/evidence`,
        ...scanBadge(
          c.scanStatus,
          'staff',
          (key, vars) => this.i18n.t(locale, key, vars),
          c.scanSignature,
        ),
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
