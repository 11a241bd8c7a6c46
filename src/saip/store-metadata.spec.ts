import { checkStoreMetadataConsistency, storeMetadataIccidFor } from './store-metadata';
import { compilePersonalisationTemplate } from './personalise';
import { ts48 } from './test-fixtures';

// The StoreMetadataRequest of a third-party SM-DP+ for the TS.48 profile (digest §4.1, vector B).
const SMR = Buffer.from(
  'bf252d5a0a98001032547698103214910947534d415f54455354921147534d415f544553545f50524f46494c45950100',
  'hex',
);

describe('StoreMetadataRequest ↔ profile package (digest §4.6)', () => {
  it('the TS.48 package and its real metadata agree', () => {
    expect(storeMetadataIccidFor(ts48()).toString('hex')).toBe('98001032547698103214');
    expect(checkStoreMetadataConsistency(SMR, ts48())).toEqual({
      ok: true, errors: [], metadataIccid: '89000123456789012341', profileIccid: '89000123456789012341',
    });
  });

  it('a personalised profile no longer matches the template metadata', () => {
    const der = compilePersonalisationTemplate(ts48()).personalise({ iccid: '89000199900000000410' });
    expect(storeMetadataIccidFor(der).toString('hex')).toBe('98001099090000004001');
    expect(checkStoreMetadataConsistency(SMR, der).errors).toEqual([
      'ICCID mismatch (installFailedDueToDataMismatch): StoreMetadataRequest 98001032547698103214 (= 89000123456789012341) vs ProfileHeader 89000199900000000410',
    ]);
  });

  it('metadata carrying the header coding (not swapped) is called out', () => {
    const bad = Buffer.from(SMR);
    Buffer.from('89000123456789012341', 'hex').copy(bad, 5);
    expect(checkStoreMetadataConsistency(bad, ts48()).errors).toEqual([
      'ICCID mismatch (installFailedDueToDataMismatch): StoreMetadataRequest 89000123456789012341 (= 98001032547698103214) vs ProfileHeader 89000123456789012341 (the metadata carries the header coding; it must be nibble-swapped)',
    ]);
  });

  it('not a StoreMetadataRequest', () => {
    expect(checkStoreMetadataConsistency(Buffer.from('bf2400', 'hex'), ts48()).errors).toEqual([
      'StoreMetadataRequest: expected StoreMetadataRequest (BF25), got tag BF24',
    ]);
  });
});
