import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage } from '../../platform/forms/form-page.js';
import type { Account } from '../accounts/account.service.js';
import { CurrentAccount, SignedIn } from '../accounts/signed-in.guard.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { PersonalDataPage } from './personal-data.pages.js';
import { PersonalDataService } from './personal-data.service.js';

/** "Download your data" (`/account/data`): the page, and its button that sends the ZIP. */
@Controller('account/data')
export class PersonalDataController {
  constructor(
    private readonly personalData: PersonalDataService,
    private readonly page: PersonalDataPage,
  ) {}

  @Get()
  @SignedIn()
  show(@Req() req: Request, @Res() res: Response) {
    this.page.blank(req, res);
  }

  @Post()
  @SignedIn()
  @FormPage(PersonalDataPage, { field: 'download' })
  async download(
    @CurrentAccount() account: Account,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    const archive = await this.personalData.download(account.id, origin);
    res
      .status(200)
      .set({
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename="${archive.filename}"`,
        'Cache-Control': 'no-store',
      })
      .send(archive.zip);
  }
}
