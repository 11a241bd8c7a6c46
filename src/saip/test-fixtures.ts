/** TS.48 v7.0 SAIP 2.3 packages (test/fixtures/ts48, Apache-2.0) for the saip tests and the benchmark. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TS48_DIR = join(__dirname, '..', '..', 'test', 'fixtures', 'ts48');
export const TS48_FILES = [
  'SAIP2.3_BERTLV_SUCI.der',
  'SAIP2.3_BERTLV_SUCI_NoRAMRFM.der',
  'SAIP2.3_NoBERTLV.der',
  'SAIP2.3_NoBERTLV_NoRAMRFM.der',
] as const;

export function ts48(name: (typeof TS48_FILES)[number] = 'SAIP2.3_BERTLV_SUCI.der'): Buffer {
  return readFileSync(join(TS48_DIR, name));
}
