import { Module } from '@nestjs/common';
import { FailedEmailsReadModel } from './failed-emails.read-model.js';
import { OutboxWorker } from './outbox-worker.js';
import { OutboxService } from './outbox.service.js';

@Module({
  providers: [OutboxService, OutboxWorker, FailedEmailsReadModel],
  exports: [OutboxService, FailedEmailsReadModel],
})
export class NotificationsModule {}
