import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { StaffModule } from '../staff/staff.module.js';
import { CohortsController } from './cohorts.controller.js';
import { CohortsReadModel } from './cohorts.read-model.js';
import { CohortsService } from './cohorts.service.js';
import { DemoRolloutSeed } from './demo-rollout.seed.js';
import { FlagProvisioner } from './flag-provisioner.service.js';
import { importUploadMiddleware } from './import-upload.middleware.js';
import { PilotController } from './pilot.controller.js';
import { PilotService } from './pilot.service.js';
import { RolloutReadModel } from './rollout.read-model.js';
import { VariantAccessService } from './variant-access.service.js';

// CatalogueModule and ApplicationsModule import this module: it must not import them.
@Module({
  imports: [AuditModule, NotificationsModule, OrganizationsModule, StaffModule],
  controllers: [CohortsController, PilotController],
  providers: [
    VariantAccessService,
    FlagProvisioner,
    DemoRolloutSeed,
    RolloutReadModel,
    CohortsReadModel,
    CohortsService,
    PilotService,
  ],
  exports: [VariantAccessService, FlagProvisioner, DemoRolloutSeed, RolloutReadModel],
})
export class RolloutModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    // The import form is multipart: read before the guards, so the CSRF guard sees `_csrf`.
    consumer
      .apply(importUploadMiddleware)
      .forRoutes({ path: 'staff/cohorts/:id/import', method: RequestMethod.POST });
  }
}
