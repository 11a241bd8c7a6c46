/**
 * First-run demo data (issue 4): a demo operator with its ES2+ credentials in DATA_DIR/demo-operator/, test
 * profiles personalised from the TS.48 template (assets/profiles) with unique ICCIDs, the demo profile type's
 * metadata, and a Released order whose activation code and QR code are printed. Idempotent: on later starts
 * it prints the code of the still-released order (or releases a new one once the previous was used).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { issueOperatorCertificate } from '../pki/dev-pki';
import { OperatorsService } from '../operators/operators.service';
import { qrTerminal } from './activation-code';
import { InventoryService } from './inventory.service';
import { OrdersService } from './orders.service';
import { luhnDigit, personaliseIccid } from './profile-package';

export const DEMO_OPERATOR = 'demo';
export const DEMO_PROFILE_TYPE = 'demo';
const TEMPLATE = 'ts48-SAIP2.3_NoBERTLV.der';

/** assets/profiles/<file>, found from src/ or dist/. */
export function assetPath(file: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'assets', 'profiles', file);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error(`assets/profiles/${file} not found`);
}

/** Demo ICCIDs: 89 99 001 + 10-digit serial + Luhn digit (20 digits, unique per n). */
export function demoIccid(n: number): string {
  const body = '899900100' + String(n).padStart(10, '0');
  return body + luhnDigit(body);
}

export interface SeedDeps {
  operators: OperatorsService;
  inventory: InventoryService;
  orders: OrdersService;
  certsDir: string;
  dataDir: string;
  log: (line: string) => void;
  profiles?: number;
}

export interface SeedResult {
  operatorId: string;
  createdOperator: boolean;
  imported: number;
  matchingId: string;
  activationCode: string;
}

export async function seedDemo(d: SeedDeps): Promise<SeedResult> {
  const count = d.profiles ?? 10;
  let op = await d.operators.findByName(DEMO_OPERATOR);
  let createdOperator = false;
  const dir = join(d.dataDir, 'demo-operator');
  if (!op) {
    const hasCa = existsSync(join(d.certsDir, 'operators', 'ca.pem')) && existsSync(join(d.certsDir, 'operators', 'ca.key.pem'));
    const creds = await d.operators.createOperator(DEMO_OPERATOR, {
      issueCertificate: hasCa ? async (name) => issueOperatorCertificate(d.certsDir, name) : undefined,
    });
    op = creds.operator;
    createdOperator = true;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (creds.certPem && creds.keyPem) {
      writeFileSync(join(dir, 'client.pem'), creds.certPem);
      writeFileSync(join(dir, 'client.key.pem'), creds.keyPem, { mode: 0o600 });
    }
    writeFileSync(join(dir, 'api-key.txt'), creds.apiKey + '\n', { mode: 0o600 });
    d.log(`demo operator '${DEMO_OPERATOR}' created; its ES2+ credentials are in ${dir} (client.pem, client.key.pem, api-key.txt)`);
  }
  let imported = 0;
  if ((await d.inventory.countProfiles(op.id)) === 0) {
    const template = readFileSync(assetPath(TEMPLATE));
    for (let i = 1; i <= count; i++) {
      await d.inventory.importProfile(op.id, personaliseIccid(template, demoIccid(i)), { profileType: DEMO_PROFILE_TYPE, actor: 'seed' });
      imported++;
    }
    await d.inventory.setProfileTypeMetadata(op.id, DEMO_PROFILE_TYPE, {
      serviceProviderName: 'open-smdpp demo',
      profileName: 'TS.48 Generic Test Profile',
      profileClass: 'operational',
      pprIds: [],
    });
    d.log(`imported ${imported} demo profiles (TS.48, ICCIDs ${demoIccid(1)}…${demoIccid(count)}) as profile type '${DEMO_PROFILE_TYPE}'`);
  }
  const caller = { operatorId: op.id, actor: 'seed' };
  let matchingId: string;
  const released = await d.orders.latestReleasedOrder(op.id);
  if (released?.matchingId) {
    matchingId = released.matchingId;
  } else {
    const { iccid } = await d.orders.downloadOrder(caller, { profileType: DEMO_PROFILE_TYPE });
    matchingId = (await d.orders.confirmOrder(caller, { iccid, releaseFlag: true })).matchingId;
  }
  const order = await d.orders.orderByMatchingId(op.id, matchingId);
  const qrText = `LPA:${order.activationCode}`;
  d.log(`demo order released for ICCID ${order.iccid}: activation code ${qrText}`);
  d.log(
    '\n' +
      (await qrTerminal(qrText)) +
      `\n  Demo activation code: ${qrText}\n` +
      `  Download it into the test eUICC (in another terminal):\n` +
      `    npm run euicc -- download '${qrText}'\n`,
  );
  return { operatorId: op.id, createdOperator, imported, matchingId, activationCode: order.activationCode };
}
