import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { I18nService, type Locale } from '../../platform/i18n/i18n.service.js';
import type { ActingAs } from '../accounts/acting-as.js';
import { CatalogueService } from '../catalogue/catalogue.service.js';
import type { ChecklistRefusal } from './acceptance.service.js';

/**
 * Where the checklist's refusals are shown (`@FormPage(ChecklistUnavailablePage)`):
 * not a variant, the not-found page; no pilot now, or not one of its testers,
 * a page that says so (403), with the way to act for the SME that takes part.
 */
@Injectable()
export class ChecklistUnavailablePage implements FormPageRenderer {
  constructor(
    private readonly catalogue: CatalogueService,
    private readonly i18n: I18nService,
  ) {}

  render(req: Request, res: Response, status: number, form: FormState) {
    const { slug, variant } = req.params as { slug: string; variant: string };
    const service = this.catalogue.find(slug);
    const reason = form.refusal?.code as ChecklistRefusal | undefined;
    if (!reason || reason === 'not-found' || !service) throw new NotFoundException();
    const locale = res.locals.locale as Locale;
    const actingAs = res.locals.actingAs as ActingAs;
    res.status(status).render('acceptance/unavailable', {
      pageTitle: this.i18n.t(locale, `acceptance.unavailable.${reason}.title`),
      navActive: 'services',
      serviceTitle: service.title,
      reason,
      startHref: `/services/${slug}/${variant}`,
      actingForOther:
        reason === 'not-tester' && actingAs.audience !== variant ? actingAs.audience : undefined,
    });
  }
}
