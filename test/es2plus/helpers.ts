/** Shared set-up for the ES2+/inventory tests: a migrated database and the services wired by hand. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DownloadOrderService } from '../../src/inventory/download-order.service';
import { InventoryService } from '../../src/inventory/inventory.service';
import { DEFAULT_POLICY, InventoryPolicy } from '../../src/inventory/inventory.policy';
import { OrdersService } from '../../src/inventory/orders.service';
import { ProfileVault } from '../../src/inventory/profile-vault';
import { personaliseIccid, luhnDigit } from '../../src/inventory/profile-package';
import { OperatorsService } from '../../src/operators/operators.service';
import { OutboxService } from '../../src/outbox/outbox.service';
import { RspError } from '../../src/common/rsp-error';

export const TS48_DIR = join(__dirname, '..', 'fixtures', 'ts48');
export const TS48_FILES = [
  'SAIP2.3_BERTLV_SUCI.der',
  'SAIP2.3_BERTLV_SUCI_NoRAMRFM.der',
  'SAIP2.3_NoBERTLV.der',
  'SAIP2.3_NoBERTLV_NoRAMRFM.der',
];
export const ts48 = (i = 0): Buffer => readFileSync(join(TS48_DIR, TS48_FILES[i]));

export const TEST_KEY = Buffer.alloc(32, 7);

export interface Services {
  operators: OperatorsService;
  inventory: InventoryService;
  orders: OrdersService;
  downloads: DownloadOrderService;
  outbox: OutboxService;
  policy: InventoryPolicy;
}

export function services(db: DataSource, policy: Partial<InventoryPolicy> = {}): Services {
  const p = { ...DEFAULT_POLICY, ...policy };
  const vault = new ProfileVault(TEST_KEY);
  const inventory = new InventoryService(db, vault);
  const outbox = new OutboxService(db, 'smdp.test');
  return {
    operators: new OperatorsService(db),
    inventory,
    orders: new OrdersService(db, inventory, p, { smdpAddress: 'smdp.test' }),
    downloads: new DownloadOrderService(db, inventory, outbox, p),
    outbox,
    policy: p,
  };
}

/** A test ICCID: 19-digit body + Luhn digit. */
export function iccid(n: number, prefix = '894400000000'): string {
  const body = prefix + String(n).padStart(19 - prefix.length, '0');
  return body + luhnDigit(body);
}

/** Imports `count` TS.48-based profiles with unique ICCIDs. */
export async function seedProfiles(s: Services, operatorId: string, count: number, opts: { profileType?: string; start?: number; prefix?: string } = {}): Promise<string[]> {
  const template = ts48(2);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = iccid((opts.start ?? 0) + i, opts.prefix);
    await s.inventory.importProfile(operatorId, personaliseIccid(template, id), { profileType: opts.profileType ?? 'gold' });
    out.push(id);
  }
  return out;
}

/** Resolves to the RspError code of a rejected promise ('ok' if it resolved). */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof RspError) return e.code;
    throw e;
  }
}

export const EID1 = '89049032123451234512345678901235';
export const EID2 = '89049032123451234512345678901288';
