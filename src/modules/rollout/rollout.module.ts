import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { DemoRolloutSeed } from './demo-rollout.seed.js';
import { FlagProvisioner } from './flag-provisioner.service.js';
import { ReleaseSubscriptionsController } from './release-subscriptions.controller.js';
import { RolloutConsoleController } from './rollout-console.controller.js';
import { RolloutConsoleReadModel } from './rollout-console.read-model.js';
import { RolloutReconciler } from './rollout-reconciler.service.js';
import { RolloutScheduler } from './rollout-scheduler.js';
import { RolloutReadModel } from './rollout.read-model.js';
import { RolloutService } from './rollout.service.js';
import { VariantAccessService } from './variant-access.service.js';
import { WhoSeesWhatService } from './who-sees-what.service.js';

/**
 * Staged rollout: plans, cohorts, gates, decisions, the reconciler that makes
 * Unleash follow, and the gate on every variant (ARCHITECTURE.md, "Rollout model").
 */
@Module({
  imports: [AuditModule, NotificationsModule, CatalogueModule, StaffModule],
  controllers: [RolloutConsoleController, ReleaseSubscriptionsController],
  providers: [
    VariantAccessService,
    FlagProvisioner,
    DemoRolloutSeed,
    RolloutReadModel,
    RolloutService,
    RolloutReconciler,
    RolloutScheduler,
    RolloutConsoleReadModel,
    WhoSeesWhatService,
  ],
  exports: [
    VariantAccessService,
    FlagProvisioner,
    DemoRolloutSeed,
    RolloutReadModel,
    RolloutService,
    RolloutReconciler,
  ],
})
export class RolloutModule {}
