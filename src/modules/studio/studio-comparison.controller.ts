import { Controller, Get, Param, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormPage } from '../../platform/forms/form-page.js';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { RevisionComparisonService } from './revision-comparison.service.js';
import { StudioComparisonPage } from './studio-comparison.page.js';

/**
 * Comparing two revisions of a service (`/staff/services/:slug/compare`):
 * read-only, for every staff role (the rollout console links to it).
 */
@Controller('staff/services')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles()
export class StudioComparisonController {
  constructor(
    private readonly comparisons: RevisionComparisonService,
    private readonly page: StudioComparisonPage,
  ) {}

  @Get(':slug/compare')
  @FormPage(StudioComparisonPage, { field: 'from' })
  async compare(
    @CurrentStaff() actor: StaffActor,
    @Param('slug') slug: string,
    @Query('from') from: unknown,
    @Query('to') to: unknown,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    this.page.show(req, res, await this.comparisons.compare(actor, slug, { from, to }));
  }
}
