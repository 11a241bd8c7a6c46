import { Injectable, Logger, Module } from '@nestjs/common';
import { DemoSeed, DemoSeeder } from '../bootstrap/demo-seed';
import { AppConfig } from '../config/app-config';
import { PROFILE_ENCRYPTION_KEY } from '../keys/tokens';
import { OperatorsModule } from '../operators/operators.module';
import { OperatorsService } from '../operators/operators.service';
import { OutboxModule } from '../outbox/outbox.module';
import { DownloadOrderService } from './download-order.service';
import { InventoryService } from './inventory.service';
import { INVENTORY_POLICY, policyFromConfig } from './inventory.policy';
import { OrdersService, SMDP_IDENTITY, SmdpIdentity } from './orders.service';
import { ProfileVault } from './profile-vault';
import { seedDemo } from './seed';
import { DemoOperatorReceiver } from './demo-operator-receiver';

/** First run: demo operator, demo profiles, a released order (see seed.ts). */
@DemoSeeder({ order: 20 })
@Injectable()
export class InventoryDemoSeed implements DemoSeed {
  private readonly log = new Logger('DemoSeed');
  constructor(
    private readonly config: AppConfig,
    private readonly operators: OperatorsService,
    private readonly inventory: InventoryService,
    private readonly orders: OrdersService,
  ) {}

  async seed(): Promise<void> {
    await seedDemo({
      operators: this.operators,
      inventory: this.inventory,
      orders: this.orders,
      certsDir: this.config.certsDir,
      dataDir: this.config.dataDir,
      log: (line) => (line.startsWith('\n') ? process.stdout.write(line + '\n') : this.log.log(line)),
    });
  }
}

/** Profile inventory, ES2+ orders and the ES9+ download-order API (DownloadOrderService). */
@Module({
  imports: [OperatorsModule, OutboxModule],
  providers: [
    { provide: ProfileVault, inject: [PROFILE_ENCRYPTION_KEY], useFactory: (key: Buffer) => new ProfileVault(key) },
    { provide: INVENTORY_POLICY, inject: [AppConfig], useFactory: (c: AppConfig) => policyFromConfig(c) },
    { provide: SMDP_IDENTITY, inject: [AppConfig], useFactory: (c: AppConfig): SmdpIdentity => ({ smdpAddress: c.smdpAddress }) },
    InventoryService,
    OrdersService,
    DownloadOrderService,
    InventoryDemoSeed,
    DemoOperatorReceiver,
  ],
  exports: [InventoryService, OrdersService, DownloadOrderService, ProfileVault, INVENTORY_POLICY, SMDP_IDENTITY],
})
export class InventoryModule {}

