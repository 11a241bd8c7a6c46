/**
 * Issue 5 "done when": bulk-personalised profiles download and install through the test eUICC, each with its
 * own ICCID. A CSV stream is personalised from the TS.48 template into the inventory (bulkImportPersonalised),
 * then orders by profile type allocate them and test eUICCs download them over real HTTPS (ES2+ → ES9+/ES8+).
 */
import { Readable } from 'node:stream';
import { bulkImportPersonalised } from '../../src/inventory/bulk-import';
import { ProfileVault } from '../../src/inventory/profile-vault';
import { generateTestIccids, imsiFromEfFormat, decodeProfilePackage, findFiles, wholeContent, readPersonalisationCsv } from '../../src/saip';
import { startTestApp, TestApp } from '../support/app';
import { es9World, Es9World, profileState, TS48 } from '../es9plus/support';

describe('bulk-personalised profiles, downloaded and installed by test eUICCs', () => {
  let t: TestApp;
  let w: Es9World;
  beforeAll(async () => {
    t = await startTestApp();
    w = await es9World(t);
  });
  afterAll(() => t?.close());

  it('three profiles from one CSV: each eUICC installs exactly its own package (ICCID, IMSI, Ki)', async () => {
    const iccids = [...generateTestIccids('8900477', 0, 3)];
    const ki = (i: number) => `${i + 1}`.repeat(32);
    const csv = ['ICCID,IMSI,KI', ...iccids.map((iccid, i) => `${iccid},00101777000000${i},${ki(i)}`)].join('\n') + '\n';
    const r = await bulkImportPersonalised({
      db: w.db, vault: t.app.get(ProfileVault), operatorId: w.operatorId, profileType: 'ts48', template: TS48,
      rows: readPersonalisationCsv(Readable.from([csv])),
    });
    expect(r).toMatchObject({ read: 3, imported: 3, duplicates: 0 });

    const installed: string[] = [];
    for (const device of ['nist-1', 'brp-3', 'nist-1']) {
      {
        const { iccid } = await w.orders.downloadOrder(w.caller, { profileType: 'ts48' });
        const c = await w.orders.confirmOrder(w.caller, { iccid, releaseFlag: true });
        const { euicc, lpa } = w.device(device);
        const d = await lpa.download(c.activationCode ?? '');
        expect(d.success).toBe(true);
        expect(d.iccid).toBe(iccid);
        const upp = euicc.getUpp(iccid)!;
        const [row] = await w.db.query(`SELECT id::text AS id FROM profiles WHERE iccid = $1`, [iccid]);
        expect(upp.equals(await w.inventory.getProfilePackage(row.id))).toBe(true);
        const i = iccids.indexOf(iccid);
        const pkg = decodeProfilePackage(upp);
        expect(imsiFromEfFormat(wholeContent(findFiles(pkg, 'usim', 'ef-imsi')[0].file)!.value)).toBe(`00101777000000${i}`);
        expect(pkg.elements.find((e) => e.aka?.key)!.aka!.key!.value.toString('hex')).toBe(ki(i));
        expect(await profileState(w.db, iccid)).toBe('Installed');
        installed.push(iccid);
      }
    }
    expect([...installed].sort()).toEqual(iccids);
  });
});
