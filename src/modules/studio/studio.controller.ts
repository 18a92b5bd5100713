import { Controller, Get, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Locale } from '../../platform/i18n/i18n.service.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { STUDIO_ROLES } from './studio-roles.js';
import { StudioPresenter } from './studio.presenter.js';
import { StudioServicesService } from './studio.service.js';

/** The service studio (`/staff/services`, issue 14), for service designers and admins. */
@Controller('staff/services')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...STUDIO_ROLES)
export class StudioController {
  constructor(
    private readonly studio: StudioServicesService,
    private readonly presenter: StudioPresenter,
  ) {}

  @Get()
  async services(@CurrentStaff() actor: StaffActor, @Res() res: Response) {
    const locale = res.locals.locale as Locale;
    res.render('studio/services', this.presenter.services(locale, await this.studio.list(actor)));
  }
}
