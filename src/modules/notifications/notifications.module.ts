import { Module } from '@nestjs/common';
import { OutboxWorker } from './outbox-worker.js';
import { OutboxService } from './outbox.service.js';

@Module({ providers: [OutboxService, OutboxWorker], exports: [OutboxService] })
export class NotificationsModule {}
