/**
 * End-to-end set-up for ES9+: the whole app over real HTTPS (test/support/app.ts), an operator with profiles
 * and released orders made through the real ES2+ services, and test eUICCs (src/euicc) that download them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { OperatorsService } from '../../src/operators/operators.service';
import { InventoryService } from '../../src/inventory/inventory.service';
import { OrdersService } from '../../src/inventory/orders.service';
import { compilePersonalisationTemplate, PersonalisationData, PersonalisationTemplate } from '../../src/saip';
import { TestEuicc } from '../../src/euicc/euicc';
import { Lpa } from '../../src/euicc/lpa';
import { Es9PlusClient } from '../../src/euicc/es9plus-client';
import { loadIdentity } from '../../src/euicc/identity';
import { TestApp } from '../support/app';

export const TS48 = readFileSync(join(__dirname, '..', 'fixtures', 'ts48', 'SAIP2.3_NoBERTLV.der'));

export interface Es9World {
  t: TestApp;
  db: DataSource;
  operatorId: string;
  caller: { operatorId: string; actor: string; functionCallIdentifier: string };
  orders: OrdersService;
  inventory: InventoryService;
  template: PersonalisationTemplate;
  /** Imports a fresh TS.48-based profile (unique ICCID) and returns its ICCID and package bytes. */
  newProfile(profileType?: string, data?: Omit<PersonalisationData, 'iccid'>): Promise<{ iccid: string; der: Buffer }>;
  /** DownloadOrder + ConfirmOrder(releaseFlag) for a fresh profile; returns the activation code. */
  releasedOrder(opts?: { eid?: string; confirmationCode?: string; profileType?: string; matchingId?: string }): Promise<{
    iccid: string;
    der: Buffer;
    activationCode: string;
    matchingId: string;
  }>;
  /** A test eUICC from the dev PKI (certs/euicc/<name>), with its LPA talking to the app. */
  device(name?: string): { euicc: TestEuicc; lpa: Lpa; client: Es9PlusClient };
  client(): Es9PlusClient;
}

let serial = 0;
function luhn(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export async function es9World(t: TestApp, operatorName = 'mno1'): Promise<Es9World> {
  const db = t.app.get(DataSource);
  const operators = t.app.get(OperatorsService);
  const inventory = t.app.get(InventoryService);
  const orders = t.app.get(OrdersService);
  const { operator } = await operators.createOperator(operatorName);
  const caller = { operatorId: operator.id, actor: `test:${operatorName}`, functionCallIdentifier: 'e2e' };
  await inventory.setProfileTypeMetadata(operator.id, 'ts48', {
    serviceProviderName: 'GSMA Test',
    profileName: 'TS.48 Generic Test Profile',
    profileClass: 'test',
  });
  const template = compilePersonalisationTemplate(TS48);
  const clients: Es9PlusClient[] = [];
  const ca = readFileSync(join(t.certsDir, 'ci', 'nist.pem'), 'utf8');
  const client = () => {
    const c = new Es9PlusClient({ baseUrl: t.baseUrl, ca, insecure: !t.baseUrl.startsWith('https') });
    clients.push(c);
    return c;
  };
  const close = t.close;
  t.close = async (o) => {
    clients.forEach((c) => c.close());
    await close(o);
  };
  const world: Es9World = {
    t,
    db,
    operatorId: operator.id,
    caller,
    orders,
    inventory,
    template,
    async newProfile(profileType = 'ts48', data = {}) {
      const body = `894900${process.pid % 1000}`.padEnd(12, '0') + String(++serial).padStart(7, '0');
      const iccid = body + luhn(body);
      const der = template.personalise({ ...data, iccid });
      await inventory.importProfile(operator.id, der, { profileType });
      return { iccid, der };
    },
    async releasedOrder(opts = {}) {
      const { iccid, der } = await world.newProfile(opts.profileType);
      await orders.downloadOrder(caller, { iccid, eid: opts.eid });
      const r = await orders.confirmOrder(caller, {
        iccid,
        eid: opts.eid,
        matchingId: opts.matchingId,
        confirmationCode: opts.confirmationCode,
        releaseFlag: true,
      });
      return { iccid, der, activationCode: r.activationCode ?? '', matchingId: r.matchingId };
    },
    device(name = 'nist-1') {
      const { identity } = loadIdentity(name, { certsDir: t.certsDir });
      const euicc = new TestEuicc(identity);
      const c = client();
      const lpa = new Lpa(euicc, { connect: () => c });
      return { euicc, lpa, client: c };
    },
    client,
  };
  return world;
}

/** Resolves to 'subject/reason' of an ES9+ failure (Es9Error) or LPA failure wrapping one, 'ok' on success. */
export async function es9Code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    let x: unknown = e;
    for (let i = 0; i < 3 && x; i++) {
      const err = x as { subjectCode?: string; reasonCode?: string; cause?: unknown };
      if (err.subjectCode) return `${err.subjectCode}/${err.reasonCode}`;
      x = err.cause;
    }
    throw e;
  }
}

export async function profileState(db: DataSource, iccid: string): Promise<string> {
  const [row] = await db.query(`SELECT state FROM profiles WHERE iccid = $1`, [iccid]);
  return row?.state;
}

export async function progressPoints(db: DataSource, iccid: string): Promise<Array<[number, string]>> {
  const rows: Array<{ payload: { notificationPointId: number; notificationPointStatus: { status: string } } }> =
    await db.query(`SELECT payload FROM outbox WHERE ordering_key = $1 ORDER BY id`, [iccid]);
  return rows.map((r) => [r.payload.notificationPointId, r.payload.notificationPointStatus.status]);
}
