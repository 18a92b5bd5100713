import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { FormPageRenderer, FormState } from '../../platform/forms/form-page.js';
import { renderForm } from '../../platform/forms/render-form.js';
import { I18nService } from '../../platform/i18n/i18n.service.js';

/** "Download your data": what the archive holds, and its button (shown again when refused). */
@Injectable()
export class PersonalDataPage implements FormPageRenderer {
  constructor(private readonly i18n: I18nService) {}

  blank(req: Request, res: Response) {
    this.render(req, res, 200, { values: {}, errors: [] });
  }

  render(req: Request, res: Response, status: number, { errors }: FormState) {
    renderForm(
      req,
      res,
      this.i18n,
      { view: 'personal-data/download', titleKey: 'personalData.page.title' },
      status,
      { errors, navActive: 'account' },
    );
  }
}
