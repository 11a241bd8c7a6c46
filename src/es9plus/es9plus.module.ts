import { Inject, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { InventoryModule } from '../inventory/inventory.module';
import { DownloadOrderService } from '../inventory/download-order.service';
import { KEY_OPERATIONS, KeyOperations } from '../keys/key-operations';
import { CERT_STORE } from '../keys/tokens';
import type { CertStore } from '../pki/cert-store';
import { Es9PlusService } from '../rsp/es9plus.service';
import { InventoryDownloadAdapter } from '../rsp/inventory-download.adapter';
import { RspSessionStore } from '../rsp/rsp-session.store';
import { DOWNLOAD_METRICS } from '../metrics/metrics.module';
import type { DownloadMetrics } from '../metrics/metrics';
import { Es9PlusController } from './es9plus.controller';

/** Removes expired RSP sessions (their one-time material with them) once a minute. */
class SessionSweeper implements OnModuleInit, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  constructor(@Inject(RspSessionStore) private readonly sessions: RspSessionStore) {}
  onModuleInit(): void {
    this.timer = setInterval(() => void this.sessions.deleteExpired(new Date()).catch(() => undefined), 60_000);
    this.timer.unref();
  }
  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** ES9+ (SGP.22 §5.6) and the ES8+ binding behind it. */
@Module({
  imports: [InventoryModule],
  controllers: [Es9PlusController],
  providers: [
    { provide: RspSessionStore, inject: [DataSource], useFactory: (db: DataSource) => new RspSessionStore(db) },
    {
      provide: Es9PlusService,
      inject: [AppConfig, CERT_STORE, KEY_OPERATIONS, RspSessionStore, DownloadOrderService, DOWNLOAD_METRICS],
      useFactory: (config: AppConfig, certs: CertStore, keys: KeyOperations, sessions: RspSessionStore, orders: DownloadOrderService, metrics: DownloadMetrics) =>
        new Es9PlusService(
          {
            smdpAddress: config.smdpAddress,
            sessionTtlSeconds: config.sessionTtlSeconds,
            replaceSessionKeys: config.replaceSessionKeys,
            subscribeNotifications: config.subscribeNotifications,
          },
          certs,
          keys,
          sessions,
          new InventoryDownloadAdapter(orders),
          undefined,
          undefined,
          metrics,
        ),
    },
    SessionSweeper,
  ],
})
export class Es9PlusModule {}
