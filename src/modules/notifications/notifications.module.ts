import { Module } from '@nestjs/common';
import { FailedEmailsReadModel } from './failed-emails.read-model.js';
import { OutboxWorker } from './outbox-worker.js';
import { OutboxService } from './outbox.service.js';
import { OutboxExportReadModel } from './outbox-export.read-model.js';

@Module({
  providers: [OutboxExportReadModel, OutboxService, OutboxWorker, FailedEmailsReadModel],
  exports: [OutboxExportReadModel, OutboxService, FailedEmailsReadModel],
})
export class NotificationsModule {}
