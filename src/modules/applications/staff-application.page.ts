import { Injectable, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { csrfToken } from '../../platform/http/sessions.js';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import {
  ApplicationProcessingService,
  type StaffApplicationView,
} from './application-processing.service.js';
import { StaffApplicationsPresenter } from './staff-applications.presenter.js';

/**
 * An application's page for the clerks (`/staff/applications/:id`): shown
 * after a GET, and again, with what was typed and why, after a refused action
 * (the `@FormPage` of every action).
 */
@Injectable()
export class StaffApplicationPage implements FormPageRenderer {
  constructor(
    private readonly processing: ApplicationProcessingService,
    private readonly presenter: StaffApplicationsPresenter,
  ) {}

  /** The page after a GET, with the notice an action left (shown once). */
  async show(req: Request, res: Response): Promise<void> {
    const view = await this.load(req);
    const notice = req.session.staffApplicationNotice;
    if (notice) delete req.session.staffApplicationNotice;
    this.draw(req, res, 200, view, { notice });
  }

  /** The page again after a refused action: what was typed, and why. */
  async render(req: Request, res: Response, status: number, form: FormState): Promise<void> {
    if (status === 404) throw new NotFoundException();
    this.draw(req, res, status, await this.load(req), form);
  }

  private async load(req: Request): Promise<StaffApplicationView> {
    const view = await this.processing.view(
      { accountId: req.session.accountId! },
      req.params.id as string,
    );
    if (!view) throw new NotFoundException();
    return view;
  }

  private draw(
    req: Request,
    res: Response,
    status: number,
    view: StaffApplicationView,
    form: Partial<FormState> & { notice?: string },
  ) {
    res.status(status).render('staff/application', {
      ...this.presenter.application({
        ...view,
        ...form,
        locale: res.locals.locale as Locale,
        staffId: req.session.accountId!,
      }),
      csrfToken: csrfToken(req),
    });
  }
}
