/**
 * The services of the operator/inventory/order CLI commands, on the same configuration and database as the
 * server (no HTTP): `loadConfig(process.env)`, migrations applied, the profile encryption key of
 * keys/profile-encryption-key.ts.
 */
import { DataSource } from 'typeorm';
import { loadConfig, Config } from '../config/config.schema';
import { openDataSource } from '../database/data-source';
import { resolveProfileEncryptionKey } from '../keys/profile-encryption-key';
import { OperatorsService } from '../operators/operators.service';
import { Operator } from '../operators/operator';
import { OutboxService } from '../outbox/outbox.service';
import { DownloadOrderService } from './download-order.service';
import { InventoryService } from './inventory.service';
import { policyFromConfig } from './inventory.policy';
import { OrdersService } from './orders.service';
import { ProfileVault } from './profile-vault';

export interface CliContext {
  config: Config;
  db: DataSource;
  operators: OperatorsService;
  inventory: InventoryService;
  orders: OrdersService;
  downloads: DownloadOrderService;
  /** The operator by name, or throws a readable error. */
  operator(name: string | undefined): Promise<Operator>;
  close(): Promise<void>;
}

export async function openCliContext(env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const config = loadConfig(env);
  const db = await openDataSource(config);
  const vault = new ProfileVault(resolveProfileEncryptionKey(config).key);
  const policy = policyFromConfig(config);
  const operators = new OperatorsService(db);
  const inventory = new InventoryService(db, vault);
  const orders = new OrdersService(db, inventory, policy, { smdpAddress: config.smdpAddress });
  const outbox = new OutboxService(db, config.smdpAddress);
  return {
    config,
    db,
    operators,
    inventory,
    orders,
    downloads: new DownloadOrderService(db, inventory, outbox, policy),
    operator: async (name) => {
      if (!name) throw new Error('--operator <name> is required');
      const op = await operators.findByName(name);
      if (!op) throw new Error(`no operator named '${name}' (npm run cli -- operator list)`);
      return op;
    },
    close: async () => {
      if (db.isInitialized) await db.destroy();
    },
  };
}

/** `--name value` / `--flag` options and positional arguments. */
export function parseArgs(args: string[], flags: string[] = []): { positional: string[]; opts: Record<string, string | true> } {
  const positional: string[] = [];
  const opts: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2);
      if (inline !== undefined) opts[k] = inline;
      else if (flags.includes(k) || i + 1 >= args.length || args[i + 1].startsWith('--')) opts[k] = true;
      else opts[k] = args[++i];
    } else positional.push(a);
  }
  return { positional, opts };
}

export const str = (v: string | true | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
