/**
 * `AppConfig` is both the configuration type and its Nest injection token:
 * `constructor(private readonly config: AppConfig) {}` — no @Inject needed.
 */
import type { Config } from './config.schema';

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface AppConfig extends Config {}
