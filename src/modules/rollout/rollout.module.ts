import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { DemoRolloutSeed } from './demo-rollout.seed.js';
import { FlagProvisioner } from './flag-provisioner.service.js';
import { RolloutReadModel } from './rollout.read-model.js';
import { VariantAccessService } from './variant-access.service.js';

@Module({
  imports: [AuditModule],
  providers: [VariantAccessService, FlagProvisioner, DemoRolloutSeed, RolloutReadModel],
  exports: [VariantAccessService, FlagProvisioner, DemoRolloutSeed, RolloutReadModel],
})
export class RolloutModule {}
