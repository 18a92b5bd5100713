import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { CohortsController } from './cohorts.controller.js';
import {
  CohortEditPage,
  CohortNewPage,
  CohortRemovePage,
  CohortShowPage,
  CohortsPresenter,
  CohortVolunteersPage,
} from './cohorts.presenter.js';
import { CohortsReadModel } from './cohorts.read-model.js';
import { CohortsService } from './cohorts.service.js';
import { DemoRolloutSeed } from './demo-rollout.seed.js';
import { FlagProvisioner } from './flag-provisioner.service.js';
import { AppConfig } from '../../platform/config/app-config.js';
import { multipartLimits, readMultipart } from '../../platform/http/multipart.js';
import { Sessions } from '../../platform/platform.module.js';
import { PilotController } from './pilot.controller.js';
import { ActingForSmeGuard } from './acting-for-sme.guard.js';
import {
  PilotInvitationPresenter,
  PilotPagePresenter,
  PilotWithdrawPresenter,
} from './pilot.presenter.js';
import { PilotService } from './pilot.service.js';
import { ReleaseSubscriptionsController } from './release-subscriptions.controller.js';
import { RevisionConsoleController } from './revision-console.controller.js';
import { RevisionConsolePresenter } from './revision-console.presenter.js';
import { RevisionConsoleReadModel } from './revision-console.read-model.js';
import { RolloutConsoleController } from './rollout-console.controller.js';
import { RolloutConsolePresenter } from './rollout-console.presenter.js';
import { GateEvidenceController } from './gate-evidence.controller.js';
import { GateEvidencePresenter } from './gate-evidence.presenter.js';
import { RolloutConsoleReadModel } from './rollout-console.read-model.js';
import { PlanFence } from './plan-fence.js';
import { RolloutChangesListener } from './rollout-changes.listener.js';
import { RolloutPlansReadModel } from './rollout-plans.read-model.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';
import { RolloutScheduler } from './rollout-scheduler.js';
import { RolloutReadModel } from './rollout.read-model.js';
import { RolloutService } from './rollout.service.js';
import { RevisionRolloutService } from './revision-rollout.service.js';
import { VariantAccessService } from './variant-access.service.js';
import { WhoSeesWhatReadModel } from './who-sees-what.read-model.js';
import { PilotExportReadModel } from './pilot-export.read-model.js';

/**
 * Staged rollout: plans, cohorts, gates, decisions, the reconciler that makes
 * Unleash follow, and the gate on every variant (docs/architecture.md, "Rollout model").
 * ApplicationsModule and ServicePagesModule import this module: it must not import them.
 */
@Module({
  imports: [AuditModule, NotificationsModule, CatalogueModule, OrganizationsModule, StaffModule],
  controllers: [
    // Before RolloutConsoleController: its `:slug/:variant` routes would take `…/revisions`.
    RevisionConsoleController,
    RolloutConsoleController,
    GateEvidenceController,
    ReleaseSubscriptionsController,
    CohortsController,
    PilotController,
  ],
  providers: [
    PilotExportReadModel,
    RolloutPlansReadModel,
    PlanFence,
    RolloutChangesListener,
    VariantAccessService,
    FlagProvisioner,
    DemoRolloutSeed,
    RolloutReadModel,
    RolloutService,
    RevisionRolloutService,
    RolloutReconciler,
    RolloutScheduler,
    RolloutConsoleReadModel,
    RolloutConsolePresenter,
    GateEvidencePresenter,
    RevisionConsoleReadModel,
    RevisionConsolePresenter,
    WhoSeesWhatReadModel,
    CohortsReadModel,
    CohortsService,
    CohortsPresenter,
    CohortNewPage,
    CohortShowPage,
    CohortEditPage,
    CohortRemovePage,
    CohortVolunteersPage,
    PilotService,
    ActingForSmeGuard,
    PilotPagePresenter,
    PilotInvitationPresenter,
    PilotWithdrawPresenter,
  ],
  exports: [
    PilotExportReadModel,
    PlanFence,
    VariantAccessService,
    FlagProvisioner,
    DemoRolloutSeed,
    RolloutReadModel,
    RolloutService,
    RevisionRolloutService,
    RolloutReconciler,
    // Verifying an SME's owner (OwnershipModule) sends the pilot invitations that waited for it.
    CohortsService,
  ],
})
export class RolloutModule implements NestModule {
  constructor(
    private readonly sessions: Sessions,
    private readonly config: AppConfig,
  ) {}

  configure(consumer: MiddlewareConsumer) {
    // The import form is multipart: read before the guards, so the CSRF guard sees `_csrf`.
    consumer
      .apply(readMultipart(this.sessions, this.config, multipartLimits(this.config).cohortImport))
      .forRoutes({ path: 'staff/cohorts/:id/import', method: RequestMethod.POST });
  }
}
