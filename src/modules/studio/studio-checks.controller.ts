import { Controller, Get, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormBody, FormPage } from '../../platform/forms/form-page.js';
import { CurrentOrigin, type RequestOrigin } from '../audit/request-origin.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { DraftVersionDto } from './dto/draft-version.dto.js';
import { ServiceRevisionsService } from './service-revisions.service.js';
import { StudioChecksPage } from './studio-checks.page.js';
import { STUDIO_ROLES } from './studio-roles.js';
import { revisionNumberOf } from './studio-paths.js';

/**
 * A revision's checks (`/staff/services/:slug/revisions/:n/checks`), listed
 * like a task list, and marking it ready once they all pass.
 */
@Controller('staff/services/:slug/revisions/:n')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...STUDIO_ROLES)
export class StudioChecksController {
  constructor(
    private readonly revisions: ServiceRevisionsService,
    private readonly page: StudioChecksPage,
  ) {}

  @Get('checks')
  async checks(@Req() req: Request, @Res() res: Response) {
    await this.page.render(req, res, 200, { values: {}, errors: [] });
  }

  @Post('ready')
  @FormPage(StudioChecksPage, { field: 'ready' })
  async ready(
    @Param('slug') slug: string,
    @Param('n') n: string,
    @FormBody(DraftVersionDto, ['version']) dto: DraftVersionDto,
    @CurrentStaff() actor: StaffActor,
    @CurrentOrigin() origin: RequestOrigin,
    @Res() res: Response,
  ) {
    await this.revisions.markReady(actor, slug, revisionNumberOf(n), Number(dto.version), origin);
    res.redirect(303, `/staff/services/${encodeURIComponent(slug)}/revisions/${n}/checks`);
  }
}
