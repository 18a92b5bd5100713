import {
  Controller,
  Get,
  NotFoundException,
  Param,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { SignInRedirectFilter } from '../accounts/signed-in.guard.js';
import {
  CurrentStaff,
  StaffRoles,
  StaffRolesGuard,
  type StaffActor,
} from '../staff/staff-roles.guard.js';
import { GateEvidencePresenter } from './gate-evidence.presenter.js';
import { VIEWERS } from './rollout-console.presenter.js';
import { RolloutError, RolloutService } from './rollout.service.js';

/**
 * The evidence behind a plan's gates (`/staff/rollout/:slug/:variant/evidence`),
 * for everyone who sees the gates: counts, kinds, dates and statuses, no
 * personal data (ADR 0035). The pages the evidence comes from (the
 * applications queue, the feedback inbox) stay with the roles that may read
 * people's data.
 */
@Controller('staff/rollout')
@UseGuards(StaffRolesGuard)
@UseFilters(SignInRedirectFilter)
@StaffRoles(...VIEWERS)
export class GateEvidenceController {
  constructor(
    private readonly rollout: RolloutService,
    private readonly presenter: GateEvidencePresenter,
  ) {}

  @Get(':slug/:variant/evidence')
  async show(
    @Param('slug') slug: string,
    @Param('variant') variant: string,
    @CurrentStaff() staff: StaffActor,
    @Res() res: Response,
  ) {
    const plan = await this.rollout.planAsTyped(slug, variant).catch((error: unknown) => {
      throw error instanceof RolloutError ? new NotFoundException() : error;
    });
    await this.presenter.show(res, staff, plan);
  }
}
