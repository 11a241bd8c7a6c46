import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyEuiccState, TestEuicc } from './euicc';
import { IdentityError, loadIdentity, loadState, saveState, statePath } from './identity';
import { SGP26 } from './testing/mini-smdp';

describe('test eUICC identity and state files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'euicc-id-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a GSMA SGP.26 set from a folder (CERT_EUICC_*, SK_EUICC_*, CERT_EUM_*, CERT_CI_*) with trusted CIs from another', () => {
    const set = join(dir, 'sgp26-set');
    const cis = join(dir, 'cis');
    mkdirSync(set);
    mkdirSync(cis);
    for (const f of ['euicc/CERT_EUICC_ECDSA_NIST.der', 'euicc/SK_EUICC_ECDSA_NIST.pem', 'eum/CERT_EUM_ECDSA_NIST.der', 'ci/CERT_CI_ECDSA_NIST.der']) {
      copyFileSync(join(SGP26, f), join(set, f.split('/')[1]));
    }
    copyFileSync(join(SGP26, 'ci/CERT_CI_ECDSA_BRP.der'), join(cis, 'brp.der'));
    copyFileSync(join(SGP26, 'ci/CERT_CI_ECDSA_NIST.der'), join(cis, 'nist.der'));
    const loaded = loadIdentity(set, { ciDir: cis });
    expect(loaded.name).toBe('sgp26-set');
    expect(loaded.identity.eid).toBe('89049032123451234512345678901235');
    expect(loaded.identity.trustedCis).toHaveLength(2); // the set's own CI is a duplicate of cis/nist.der
    const euicc = new TestEuicc(loaded.identity);
    expect(euicc.getEuiccInfo1().subarray(0, 7).toString('hex')).toBe('bf204b82030202');
  });

  it('names what is missing', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => loadIdentity(empty, { ciDir: empty })).toThrow(IdentityError);
    expect(() => loadIdentity(undefined, { certsDir: join(dir, 'nothing') })).toThrow(/no eUICC identity/);
  });

  it('state is saved as JSON in DATA_DIR/euicc/<name>.json and read back', () => {
    const file = statePath(join(dir, 'data'), 'nist-1');
    expect(file).toBe(join(dir, 'data', 'euicc', 'nist-1.json'));
    expect(loadState(file)).toEqual(emptyEuiccState());
    const s = { ...emptyEuiccState(), nextSeqNumber: 7 };
    saveState(file, s);
    expect(loadState(file)).toEqual(s);
  });
});
