import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { OUTBOX_REQUESTER_ID, OutboxService } from './outbox.service';
import { OUTBOX_WORKER_OPTIONS, OutboxWorker, OutboxWorkerOptions } from './outbox.worker';

/** The HandleDownloadProgressInfo outbox and its delivery worker (OUTBOX_* settings). */
@Module({
  providers: [
    { provide: OUTBOX_REQUESTER_ID, inject: [AppConfig], useFactory: (c: AppConfig) => c.smdpAddress },
    {
      provide: OUTBOX_WORKER_OPTIONS,
      inject: [AppConfig],
      useFactory: (c: AppConfig): OutboxWorkerOptions => ({ ...c.outbox }),
    },
    OutboxService,
    OutboxWorker,
  ],
  exports: [OutboxService, OutboxWorker],
})
export class OutboxModule {}
