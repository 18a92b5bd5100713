import { Global, Module } from '@nestjs/common';
import { CatalogueModule } from '../catalogue/catalogue.module.js';
import { PilotEvidence } from '../rollout/gates.js';
import { PilotEvidenceReadModel } from './pilot-evidence.read-model.js';
import { ServiceInsightsReadModel } from './service-insights.read-model.js';
import { SmeFirstReadModel } from './sme-first.read-model.js';

/**
 * Reporting read models: the evidence the rollout gates read, and the
 * insights' figures (issue 16). Global, because
 * the rollout module (which the applications and feedback modules build on)
 * reads it through its PilotEvidence port.
 */
@Global()
@Module({
  imports: [CatalogueModule],
  providers: [
    { provide: PilotEvidence, useClass: PilotEvidenceReadModel },
    ServiceInsightsReadModel,
    SmeFirstReadModel,
  ],
  exports: [PilotEvidence, ServiceInsightsReadModel, SmeFirstReadModel],
})
export class InsightsModule {}
