import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import { holdsRole, type StaffRole } from '../staff/staff-role.js';
import { comparisonView } from './revision-comparison.presenter.js';
import { STUDIO_ROLES } from './studio-roles.js';
import {
  RevisionComparisonService,
  type ComparedRevisions,
  type ComparisonChoices,
} from './revision-comparison.service.js';
import { staffActorOf } from '../staff/staff-roles.guard.js';

/**
 * The page comparing two revisions of a service
 * (`/staff/services/:slug/compare?from=<n>&to=<n>`): a GET form with two
 * selects, and what changed (the partial studio-comparison). Shown again with
 * 422 and the message beside its select when a value is no revision number.
 */
@Injectable()
export class StudioComparisonPage implements FormPageRenderer {
  constructor(
    private readonly comparisons: RevisionComparisonService,
    private readonly i18n: I18nService,
  ) {}

  show(req: Request, res: Response, compared: ComparedRevisions) {
    this.renderPage(req, res, 200, compared, {
      values: { from: String(compared.from), to: String(compared.to) },
      errors: [],
    });
  }

  async render(req: Request, res: Response, status: number, form: FormState) {
    const actor = staffActorOf(req, res);
    const choices = await this.comparisons.choices(actor, String(req.params.slug));
    this.renderPage(req, res, status, choices, form);
  }

  private renderPage(
    req: Request,
    res: Response,
    status: number,
    shown: ComparisonChoices | ComparedRevisions,
    form: FormState,
  ) {
    const locale = res.locals.locale as Locale;
    const t = (key: string, vars?: Record<string, unknown>) =>
      this.i18n.t(locale, `studio.compare.page.${key}`, vars);
    const compared = 'comparison' in shown ? shown : undefined;
    // Designers come from the studio; the rollout console's roles from a service's revision page.
    const roles = res.locals.staffRoles as StaffRole[];
    const fromStudio = holdsRole(roles, STUDIO_ROLES);
    const fromConsole = holdsRole(roles, ['rollout-manager', 'analyst']);
    const select = (name: 'from' | 'to') => ({
      name,
      label: t(`${name}Label`),
      error: form.errors.find((e) => e.field === name)?.message,
      options: shown.revisions.map((r) => ({
        value: String(r.number),
        label: t('revision', { number: r.number, state: r.state }),
        selected: form.values[name] === String(r.number),
      })),
    });
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'studio/compare', title: `${t('title')} – ${shown.title[locale]}` },
      status,
      {
        values: form.values,
        errors: form.errors,
        navActive: 'staff',
        staffNavActive: fromStudio ? 'studio' : fromConsole ? 'rollout' : 'home',
        backLink: fromStudio
          ? '/staff/services'
          : fromConsole
            ? `/staff/rollout/${encodeURIComponent(shown.slug)}/revisions`
            : '/staff',
        heading: t('title'),
        serviceTitle: shown.title[locale],
        action: `/staff/services/${encodeURIComponent(shown.slug)}/compare`,
        selects: [select('from'), select('to')],
        comparison: compared
          ? comparisonView(this.i18n, locale, compared.comparison, {
              from: compared.from,
              to: compared.to,
            })
          : undefined,
      },
    );
  }
}
