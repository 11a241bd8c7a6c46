/**
 * First-run demo data (SEED_DEMO=true, the default): a module contributes a seeder by decorating a provider
 * of its own module with `@DemoSeeder({ order })` and implementing `DemoSeed`. At start-up (after migrations,
 * before the port opens) SeedService runs every seeder in ascending `order`.
 * A seeder must be idempotent (check what exists first): it runs at every start while SEED_DEMO is on.
 *
 *   @DemoSeeder({ order: 10 })  @Injectable()
 *   export class OperatorsDemoSeed implements DemoSeed { async seed() { … } }
 *
 * Suggested order: 10 operators (demo operator + its client certificate), 20 inventory (test profiles),
 * 30 orders (a released order; log its activation code so the developer can scan it).
 */
import { Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { AppConfig } from '../config/app-config';

export interface DemoSeed {
  seed(): Promise<void>;
}

export const DemoSeeder = DiscoveryService.createDecorator<{ order: number }>();

@Injectable()
export class SeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemo) return;
    const seeders = this.discovery
      .getProviders({ metadataKey: DemoSeeder.KEY })
      .filter((w) => w.instance && typeof (w.instance as DemoSeed).seed === 'function')
      .map((w) => ({ name: w.name, order: this.discovery.getMetadataByDecorator(DemoSeeder, w)?.order ?? 100, seeder: w.instance as DemoSeed }))
      .sort((a, b) => a.order - b.order);
    for (const s of seeders) {
      try {
        await s.seeder.seed();
      } catch (err) {
        // The demo data is a convenience: report, do not stop the server.
        this.logger.error({ err: { message: (err as Error).message, stack: (err as Error).stack } }, `demo seeder ${String(s.name)} failed`);
      }
    }
  }
}

@Module({ imports: [DiscoveryModule], providers: [SeedService] })
export class DemoSeedModule {}
