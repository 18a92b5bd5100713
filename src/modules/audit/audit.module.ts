import { Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { ExportAuditService } from './export-audit.service.js';
import { AuditExportReadModel } from './audit-export.read-model.js';

@Module({
  providers: [AuditExportReadModel, AuditService, ExportAuditService],
  exports: [AuditExportReadModel, AuditService, ExportAuditService],
})
export class AuditModule {}
