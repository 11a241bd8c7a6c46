import { decodeCancelSessionResponse, decodePendingNotification } from '../asn1/rsp';
import { Es9Error, Es9PlusClient } from './es9plus-client';
import { emptyEuiccState, TestEuicc } from './euicc';
import { Lpa, parseActivationCode } from './lpa';
import { FakeEs9 } from './testing/fake-es9';
import { sgp26EuiccIdentity, storeMetadata } from './testing/mini-smdp';

const NOW = new Date('2026-11-28T12:00:00Z');
const ICCID = '89000123456789012341';
const ADDRESS = 'testsmdpplus1.example.com';

describe('Lpa + Es9PlusClient against an ES9+ endpoint on 127.0.0.1', () => {
  let fake: FakeEs9;
  let lpa: Lpa;
  let euicc: TestEuicc;
  let clients: Es9PlusClient[];

  beforeEach(async () => {
    fake = new FakeEs9();
    const url = await fake.start();
    euicc = new TestEuicc(sgp26EuiccIdentity(), emptyEuiccState(), { now: () => NOW });
    clients = [];
    lpa = new Lpa(euicc, {
      connect: () => {
        const c = new Es9PlusClient({ baseUrl: url });
        clients.push(c);
        return c;
      },
    });
  });

  afterEach(async () => {
    for (const c of clients) c.close();
    await fake.stop();
  });

  it('parses activation codes (SGP.22 §4.1) and refuses bad ones before any ES9+ call', async () => {
    expect(parseActivationCode('LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746$1')).toMatchObject({
      smdpAddress: 'SMDP.GSMA.COM',
      matchingId: '04386-AGYFT-A74Y8-3F815',
      smdpOid: '1.3.6.1.4.1.31746',
      confirmationCodeRequired: true,
    });
    await expect(lpa.download('2$x$y')).rejects.toMatchObject({ name: 'LpaError', step: 'activationCode' });
    await expect(lpa.download(`1$${ADDRESS}$M$$1`)).rejects.toMatchObject({ step: 'activationCode' }); // CC required, none given
    expect(fake.received).toEqual([]);
  });

  it('downloads, installs and delivers the PIR; headers and paths as SGP.22 §6 says', async () => {
    const steps: string[] = [];
    const r = await lpa.download(`LPA:1$${ADDRESS}$MATCH-1$2.999.10`, { onStep: (s) => steps.push(s), retryGetBoundProfilePackage: true });
    expect(r).toMatchObject({ success: true, iccid: ICCID, profileName: 'TS.48 Generic Test Profile', notificationsSent: [1] });
    expect(r.boundProfilePackages[0].equals(r.boundProfilePackages[1])).toBe(true);
    expect(fake.received.map((x) => x.path)).toEqual([
      '/gsma/rsp2/es9plus/initiateAuthentication',
      '/gsma/rsp2/es9plus/authenticateClient',
      '/gsma/rsp2/es9plus/getBoundProfilePackage',
      '/gsma/rsp2/es9plus/getBoundProfilePackage',
      '/gsma/rsp2/es9plus/handleNotification',
    ]);
    const h = fake.received[0].headers;
    expect([h['content-type'], h['x-admin-protocol'], h['user-agent']]).toEqual(['application/json', 'gsma/rsp/v2.2.2', 'gsma-rsp-lpad']);
    expect(fake.received[0].body.smdpAddress).toBe(ADDRESS);
    expect(fake.received[1].body.transactionId).toBe(fake.smdp.transactionId.toString('hex').toUpperCase());
    const pir = decodePendingNotification(Buffer.from(fake.received[4].body.pendingNotification, 'base64'));
    expect(pir.type).toBe('profileInstallationResult');
    expect(pir.profileInstallationResult?.finalResult.successResult?.aid.toString('hex')).toBe('a0000005591010ffffffff8900001100');
    expect(euicc.listNotifications()).toEqual([]);
    expect(steps).toContain('ES10b.LoadBoundProfilePackage');

    // enable → one OtherSignedNotification to the address the metadata asked for, delivered and removed.
    const created = euicc.enableProfile(ICCID);
    const sent = await lpa.sendPendingNotifications();
    expect(sent).toEqual([{ seqNumber: created[0].seqNumber, address: ADDRESS, event: 'enable', httpStatus: 204 }]);
    expect(euicc.listNotifications()).toEqual([]);
  });

  it('a Failed functionExecutionStatus becomes an Es9Error with subject and reason codes', async () => {
    fake.failAuthenticateClient = true;
    await expect(lpa.download(`1$${ADDRESS}$BAD`)).rejects.toMatchObject({
      name: 'Es9Error',
      subjectCode: '8.2.6',
      reasonCode: '3.8',
      statusMessage: 'MatchingID refused',
    });
    await expect(lpa.download(`1$${ADDRESS}$BAD`)).rejects.toBeInstanceOf(Es9Error);
  });

  it('StoreMetadata in the BPP ≠ profileMetadata shown → ES10b/ES9+ CancelSession metadataMismatch(4)', async () => {
    fake.bppMetadata = storeMetadata({ iccid: ICCID, profileName: 'Something else' });
    await expect(lpa.download(`1$${ADDRESS}$M`)).rejects.toMatchObject({ step: 'cancelSession' });
    const cancel = fake.received.find((x) => x.path.endsWith('/cancelSession'))!;
    const r = decodeCancelSessionResponse(Buffer.from(cancel.body.cancelSessionResponse, 'base64'));
    expect(r.ok?.euiccCancelSessionSigned).toMatchObject({ reason: 4, smdpOid: '2.999.10' });
    expect(euicc.listProfiles()).toEqual([]);
  });

  it('refuses an SM-DP+ whose CERT.DPauth OID is not the activation code\'s', async () => {
    await expect(lpa.download(`1$${ADDRESS}$M$1.2.3.4`)).rejects.toMatchObject({ step: 'initiateAuthentication' });
  });
});
