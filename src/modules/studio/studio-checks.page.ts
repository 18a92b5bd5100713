import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { staffActorOf } from '../staff/staff-roles.guard.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import { StudioChecksPresenter } from './studio-checks.presenter.js';
import { revisionNumberOf } from './studio-paths.js';

/**
 * A revision's checks page: shown after a GET, and again after a refused
 * "mark ready" (it changed since, or a check fails), with why.
 */
@Injectable()
export class StudioChecksPage implements FormPageRenderer {
  constructor(
    private readonly revisions: ServiceRevisionsService,
    private readonly presenter: StudioChecksPresenter,
  ) {}

  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    if (status === 404) throw new NotFoundException();
    const actor = staffActorOf(req, res);
    const readiness = await this.revisions.readiness(
      actor,
      req.params.slug as string,
      revisionNumberOf(req.params.n),
    );
    res
      .status(status)
      .render(
        'studio/checks',
        this.presenter.page(res.locals.locale as Locale, readiness, form.errors),
      );
  }
}
