import { createHash } from 'node:crypto';
import { children, readTlv } from '../asn1/tlv';
import { decodeProfileInstallationResult } from '../asn1/rsp';
import { verifyRaw } from '../crypto/ecdsa';
import { issueCi, issueDpCertificate } from '../pki/dev-pki';
import { parseRspCertificate as parseCertificate } from '../pki/rsp-certificate';
import { emptyEuiccState, EuiccState, TestEuicc } from './euicc';
import { fixture, MiniSmdp, sgp26EuiccIdentity, storeMetadata } from './testing/mini-smdp';

const NOW = new Date('2026-11-28T12:00:00Z');
const UPP = fixture('ts48', 'SAIP2.3_NoBERTLV.der');
const ICCID = '89000123456789012341';
const NIST_SKI = 'f54172bdf98a95d65cbeb88a38a1c11d800a85c3';
const BRP_SKI = 'c0bc70ba36929d43b467ff57570530e57ab8fcd8';

function newEuicc(state: EuiccState = emptyEuiccState(), trusted?: 'NIST' | 'BRP') {
  const id = sgp26EuiccIdentity();
  if (trusted) id.trustedCis = [id.trustedCis[trusted === 'NIST' ? 0 : 1]];
  return new TestEuicc(id, state, { now: () => NOW });
}

/** Runs ES9+ up to PrepareDownload, returns what the BPP step needs. */
function toPrepareDownload(euicc: TestEuicc, smdp = new MiniSmdp(), metadata = storeMetadata({ iccid: ICCID })) {
  const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
  const bf38 = euicc.authenticateServer({ ...init, ctxParams: { matchingId: 'AB-12' } });
  const ac = smdp.authenticateClient(bf38);
  const bf21 = euicc.prepareDownload({ ...ac, profileMetadata: metadata, confirmationCode: smdp.options.confirmationCode });
  return { smdp, bf38, bf21, metadata };
}

function download(euicc: TestEuicc, opts: { metadata?: Buffer; upp?: Buffer; ppk?: boolean; bppMetadata?: Buffer } = {}) {
  const { smdp, bf21, metadata } = toPrepareDownload(euicc, new MiniSmdp(), opts.metadata);
  const bpp = smdp.getBoundProfilePackage(bf21, euicc.eid, opts.bppMetadata ?? metadata, opts.upp ?? UPP, { ppk: opts.ppk });
  return { smdp, result: euicc.loadBoundProfilePackage(bpp) };
}

describe('TestEuicc — ES10b', () => {
  it('EUICCInfo1: every trusted CI for verification, only the CI of its own EUM for signing (SGP.22 §5.7.8)', () => {
    expect(newEuicc().getEuiccInfo1().toString('hex')).toBe(
      `bf204b8203020200` + `a92c0414${NIST_SKI}0414${BRP_SKI}` + `aa160414${NIST_SKI}`,
    );
  });

  it('a whole download installs the TS.48 profile, signs euiccSigned1/2 and the PIR', () => {
    const euicc = newEuicc();
    const smdp = new MiniSmdp();
    const challenge = euicc.getEuiccChallenge();
    const init = smdp.initiateAuthentication(challenge);
    const bf38 = euicc.authenticateServer({ ...init, ctxParams: { matchingId: 'AB-12', tac: Buffer.from('35290611', 'hex') } });
    const ac = smdp.authenticateClient(bf38);
    const ok = ac.authenticateResponse;
    // euiccSignature1 over the DER euiccSigned1, with PK.EUICC from CERT.EUICC.
    const euiccKey = parseCertificate(ok.euiccCertificate).publicKey;
    expect(verifyRaw(euiccKey, ok.euiccSigned1Raw, ok.euiccSignature1)).toBe(true);
    expect(ok.euiccSigned1.transactionId).toEqual(smdp.transactionId);
    expect(ok.euiccSigned1.serverChallenge).toEqual(smdp.serverChallenge);
    expect(ok.euiccSigned1.ctxParams1.matchingId).toBe('AB-12');
    expect(ok.euiccSigned1.ctxParams1.deviceInfo.tac.toString('hex')).toBe('35290611');

    const metadata = storeMetadata({ iccid: ICCID });
    const bf21 = euicc.prepareDownload({ ...ac, profileMetadata: metadata });
    const bpp = smdp.getBoundProfilePackage(bf21, euicc.eid, metadata, UPP);
    // euiccSignature2 over euiccSigned2 ‖ smdpSignature2 DO (SGP.22 §5.7.15).
    const pd = children(children(readTlv(bf21))[0]);
    expect(verifyRaw(euiccKey, Buffer.concat([pd[0].raw, ac.smdpSignature2]), pd[1].value)).toBe(true);

    const r = euicc.loadBoundProfilePackage(bpp);
    expect(r).toMatchObject({ success: true, iccid: ICCID, profileName: 'TS.48 Generic Test Profile', seqNumber: 1 });
    const pir = decodeProfileInstallationResult(r.profileInstallationResult);
    expect(pir.transactionId).toEqual(smdp.transactionId);
    expect(pir.smdpOid).toBe('2.999.10');
    expect(pir.notificationMetadata.notificationAddress).toBe('testsmdpplus1.example.com');
    expect(pir.finalResult.successResult?.aid.toString('hex')).toBe('a0000005591010ffffffff8900001100');
    expect(verifyRaw(euiccKey, pir.profileInstallationResultDataRaw, pir.euiccSignPIR)).toBe(true);

    const [p] = euicc.listProfiles();
    expect(p).toMatchObject({ iccid: ICCID, state: 'disabled', profileClass: 'operational', serviceProviderName: 'GSMA Test' });
    expect(p.uppSha256).toBe(createHash('sha256').update(UPP).digest('hex'));
    expect(euicc.getUpp(ICCID)).toEqual(UPP);
    expect(euicc.listNotifications().map((n) => [n.seqNumber, n.event, n.iccid])).toEqual([[1, 'install', ICCID]]);
  });

  it('binds over brainpoolP256r1 and with ReplaceSessionKeys (PPK) as well', () => {
    const euicc = newEuicc();
    const smdp = new MiniSmdp({ curve: 'BRP' });
    const metadata = storeMetadata({ iccid: ICCID });
    const { bf21 } = toPrepareDownload(euicc, smdp, metadata);
    const r = euicc.loadBoundProfilePackage(smdp.getBoundProfilePackage(bf21, euicc.eid, metadata, UPP, { ppk: true }));
    expect(r.success).toBe(true);
    expect(euicc.getUpp(ICCID)).toEqual(UPP);
  });

  describe('AuthenticateServer refusals (SGP.22 §5.7.13) — BF38 A1 { 80 txId, 02 code }', () => {
    const errorBytes = (smdp: MiniSmdp, code: number) => `bf3817a11580 10${smdp.transactionId.toString('hex')}0201${code.toString(16).padStart(2, '0')}`.replace(/ /g, '');

    it('invalidSignature(2) when serverSignature1 does not verify', () => {
      const euicc = newEuicc();
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge(), { signature: true });
      expect(euicc.authenticateServer({ ...init, ctxParams: {} }).toString('hex')).toBe(errorBytes(smdp, 2));
    });

    it('ciPKUnknown(7) when euiccCiPKIdToBeUsed names a CI the eUICC does not trust', () => {
      const euicc = newEuicc(emptyEuiccState(), 'BRP');
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
      expect(euicc.authenticateServer({ ...init, ctxParams: {} }).toString('hex')).toBe(errorBytes(smdp, 7));
    });

    it('invalidCertificate(1) when the signature on CERT.DPauth does not verify with PK.CI', () => {
      const euicc = newEuicc();
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
      // CERT.DPpb is signed by the same CI but an attacker-modified copy is not: flip a byte of its TBS serial.
      const forged = Buffer.from(init.serverCertificate);
      forged[15] ^= 0x01;
      expect(euicc.authenticateServer({ ...init, serverCertificate: forged, ctxParams: {} }).toString('hex')).toBe(errorBytes(smdp, 1));
    });

    it('ciPKUnknown(7) when CERT.DPauth comes from another CI than euiccCiPKIdToBeUsed', () => {
      const euicc = newEuicc();
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
      const brp = new MiniSmdp({ curve: 'BRP' }).set.dpAuth;
      expect(euicc.authenticateServer({ ...init, serverCertificate: brp, ctxParams: {} }).toString('hex')).toBe(errorBytes(smdp, 7));
    });

    it('invalidCertificate(1) when the certificate is a CERT.DPpb, not a CERT.DPauth', () => {
      const euicc = newEuicc();
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
      expect(euicc.authenticateServer({ ...init, serverCertificate: smdp.set.dpPb, ctxParams: {} }).toString('hex')).toBe(errorBytes(smdp, 1));
    });

    it('a CERT.DPauth from an unknown CI on the same curve: ciPKUnknown(7), or invalidCertificate(1) when it claims a trusted issuer', () => {
      const rogueCi = issueCi('prime256v1', { now: NOW, name: 'Rogue CI' });
      const rogue = issueDpCertificate(rogueCi, 'dpAuth', { now: NOW, smdpOid: '2.999.10' });
      const claiming = issueDpCertificate(rogueCi, 'dpAuth', {
        now: NOW,
        smdpOid: '2.999.10',
        authorityKeyIdentifier: Buffer.from(NIST_SKI, 'hex'),
      });
      for (const [cert, pkId, code] of [
        [rogue, Buffer.from(NIST_SKI, 'hex'), 7],
        [rogue, rogueCi.cert.subjectKeyIdentifier!, 7],
        [claiming, Buffer.from(NIST_SKI, 'hex'), 1],
      ] as const) {
        const euicc = newEuicc();
        const smdp = new MiniSmdp();
        smdp.set.dpAuth = cert.cert.der;
        smdp.set.dpAuthKey = cert.privateKey;
        const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
        const r = euicc.authenticateServer({ ...init, euiccCiPKIdToBeUsed: Buffer.concat([Buffer.from([4, 20]), pkId]), ctxParams: {} });
        expect(r.toString('hex')).toBe(errorBytes(smdp, code));
      }
    });

    it('euiccChallengeMismatch(6) when serverSigned1 carries another challenge', () => {
      const euicc = newEuicc();
      const smdp = new MiniSmdp();
      euicc.getEuiccChallenge();
      const init = smdp.initiateAuthentication(Buffer.alloc(16, 7));
      expect(euicc.authenticateServer({ ...init, ctxParams: {} }).toString('hex')).toBe(errorBytes(smdp, 6));
    });

    it('invalidCertificate(1) when CERT.DPauth has expired', () => {
      const euicc = new TestEuicc(sgp26EuiccIdentity(), emptyEuiccState(), { now: () => new Date('2030-04-01T00:00:00Z') });
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
      expect(euicc.authenticateServer({ ...init, ctxParams: {} }).toString('hex')).toBe(errorBytes(smdp, 1));
    });
  });

  describe('PrepareDownload (SGP.22 §5.7.15)', () => {
    it('invalidSignature(2) when smdpSignature2 does not cover euiccSignature1', () => {
      const euicc = newEuicc();
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
      const ac = smdp.authenticateClient(euicc.authenticateServer({ ...init, ctxParams: {} }));
      const bad = Buffer.from(ac.smdpSignature2);
      bad[20] ^= 0x80;
      expect(euicc.prepareDownload({ ...ac, smdpSignature2: bad }).toString('hex')).toBe(
        `bf2117a11580 10${smdp.transactionId.toString('hex')}020102`.replace(/ /g, ''),
      );
    });

    it('sends hashCc = SHA-256(SHA-256(CC) ‖ transactionId) when ccRequiredFlag is set', () => {
      const euicc = newEuicc();
      const smdp = new MiniSmdp({ confirmationCode: '1234' });
      const { bf21 } = toPrepareDownload(euicc, smdp);
      const signed2 = children(children(children(readTlv(bf21))[0])[0]);
      expect(signed2.find((t) => t.tag === 0x04)!.value).toEqual(smdp.expectedHashCc());
    });

    it('re-uses otPK.EUICC when the SM-DP+ asks for it (bppEuiccOtpk, retry after a failed load)', () => {
      const euicc = newEuicc();
      const first = toPrepareDownload(euicc);
      const otpk1 = children(children(children(readTlv(first.bf21))[0])[0]).find((t) => t.tag === 0x5f49)!.value;
      // The BPP never arrives; a new session asks for the same key.
      const smdp = new MiniSmdp();
      const init = smdp.initiateAuthentication(euicc.getEuiccChallenge());
      const ac = smdp.authenticateClient(euicc.authenticateServer({ ...init, ctxParams: {} }), otpk1);
      const bf21 = euicc.prepareDownload(ac);
      const otpk2 = children(children(children(readTlv(bf21))[0])[0]).find((t) => t.tag === 0x5f49)!.value;
      expect(otpk2).toEqual(otpk1);
      expect(euicc.loadBoundProfilePackage(smdp.getBoundProfilePackage(bf21, euicc.eid, storeMetadata({ iccid: ICCID }), UPP)).success).toBe(true);
    });
  });

  describe('LoadBoundProfilePackage failures → signed PIR errorResult (SGP.22 §5.7.16)', () => {
    function failing(mutate: (bpp: Buffer) => Buffer, metadata?: Buffer, upp?: Buffer) {
      const euicc = newEuicc();
      const { smdp, bf21, metadata: m } = toPrepareDownload(euicc, new MiniSmdp(), metadata);
      const bpp = mutate(smdp.getBoundProfilePackage(bf21, euicc.eid, m, upp ?? UPP));
      return { euicc, r: euicc.loadBoundProfilePackage(bpp), smdp };
    }

    it('a tampered 86 segment → loadProfileElements(5) / scp03tSecurityError(8)', () => {
      const { euicc, r } = failing((bpp) => {
        const b = Buffer.from(bpp);
        b[b.length - 100] ^= 0x01; // inside the last 86 segment
        return b;
      });
      expect([r.success, r.bppCommandId, r.errorReason]).toEqual([false, 5, 8]);
      const pir = decodeProfileInstallationResult(r.profileInstallationResult);
      expect(pir.finalResult.errorResult).toMatchObject({ bppCommandId: 5, errorReason: 8 });
      const key = parseCertificate(sgp26EuiccIdentity().euiccCertificate).publicKey;
      expect(verifyRaw(key, pir.profileInstallationResultDataRaw, pir.euiccSignPIR)).toBe(true);
      expect(euicc.listProfiles()).toEqual([]);
    });

    it('a tampered smdpSign → initialiseSecureChannel(0) / invalidSignature(2)', () => {
      const { r } = failing((bpp) => {
        const b = Buffer.from(bpp);
        const i = b.indexOf(Buffer.from([0x5f, 0x37, 0x40]));
        b[i + 10] ^= 0x01;
        return b;
      });
      expect([r.bppCommandId, r.errorReason]).toEqual([0, 2]);
    });

    it('StoreMetadata different from the profileMetadata shown → storeMetadata(2) / installFailedDueToDataMismatch(13)', () => {
      const euicc = newEuicc();
      const shown = storeMetadata({ iccid: ICCID, profileName: 'Shown' });
      const { smdp, bf21 } = toPrepareDownload(euicc, new MiniSmdp(), shown);
      const bpp = smdp.getBoundProfilePackage(bf21, euicc.eid, storeMetadata({ iccid: ICCID, profileName: 'Other' }), UPP);
      const r = euicc.loadBoundProfilePackage(bpp);
      expect([r.bppCommandId, r.errorReason]).toEqual([2, 13]);
    });

    it('ProfileHeader ICCID ≠ metadata ICCID → loadProfileElements(5) / installFailedDueToDataMismatch(13)', () => {
      const { r } = failing((b) => b, storeMetadata({ iccid: '8900012345678901234F' }));
      expect([r.bppCommandId, r.errorReason]).toEqual([5, 13]);
    });

    it('an ICCID already installed → storeMetadata(2) / installFailedDueToIccidAlreadyExistsOnEuicc(9)', () => {
      const state = emptyEuiccState();
      const euicc = newEuicc(state);
      expect(download(euicc).result.success).toBe(true);
      const second = download(euicc).result;
      expect([second.success, second.bppCommandId, second.errorReason, second.iccid]).toEqual([false, 2, 9, ICCID]);
      expect(euicc.listProfiles()).toHaveLength(1);
      expect(euicc.listNotifications().map((n) => n.seqNumber)).toEqual([1, 2]);
    });
  });

  describe('ES10c and notifications', () => {
    const address = 'testsmdpplus1.example.com';
    const meta = storeMetadata({ iccid: ICCID, notifications: [{ bits: [1, 2, 3], address }] });

    it('enable/disable/delete produce OtherSignedNotifications that verify over the exact BF2F bytes', () => {
      const euicc = newEuicc();
      download(euicc, { metadata: meta });
      euicc.removeNotification(1);
      const [en] = euicc.enableProfile(ICCID);
      const [dis] = euicc.disableProfile(ICCID);
      const [del] = euicc.deleteProfile(ICCID);
      const iccidEf = '98001032547698103214';
      const addr = Buffer.from(address).toString('hex');
      const key = parseCertificate(sgp26EuiccIdentity().euiccCertificate).publicKey;
      for (const [n, seq, bits] of [[en, 2, '0640'], [dis, 3, '0520'], [del, 4, '0410']] as const) {
        const osn = children(readTlv(Buffer.from(n.pendingNotification, 'base64')));
        const body = `80010${seq}8102${bits}0c19${addr}5a0a${iccidEf}`;
        expect(osn[0].raw.toString('hex')).toBe(`bf2f${(body.length / 2).toString(16)}${body}`);
        expect(verifyRaw(key, osn[0].raw, osn[1].value)).toBe(true);
        expect(osn[2].raw).toEqual(sgp26EuiccIdentity().euiccCertificate);
        expect(osn[3].raw).toEqual(sgp26EuiccIdentity().eumCertificate);
      }
      expect(euicc.listProfiles()).toEqual([]);
      expect(euicc.listNotifications().map((n) => [n.seqNumber, n.event])).toEqual([[2, 'enable'], [3, 'disable'], [4, 'delete']]);
    });

    it('refuses to delete an enabled profile and to act on an unknown ICCID (ES10c result codes)', () => {
      const euicc = newEuicc();
      download(euicc);
      expect(euicc.enableProfile(ICCID)).toEqual([]); // no notificationConfigurationInfo: nothing to send
      expect(() => euicc.deleteProfile(ICCID)).toThrow(expect.objectContaining({ resultCode: 2 }));
      expect(() => euicc.enableProfile('8900000000000000000')).toThrow(expect.objectContaining({ resultCode: 1 }));
    });

    it('the state survives a JSON round trip', () => {
      const state = emptyEuiccState();
      download(newEuicc(state));
      const again = newEuicc(JSON.parse(JSON.stringify(state)));
      expect(again.listProfiles()[0].iccid).toBe(ICCID);
      expect(download(again).result.errorReason).toBe(9);
    });
  });

  it('CancelSession signs {80 txId, 81 smdpOid, 82 reason} (SGP.22 §5.7.14)', () => {
    const euicc = newEuicc();
    const { smdp } = toPrepareDownload(euicc);
    const bf41 = euicc.cancelSession(smdp.transactionId, 4);
    const ok = children(children(readTlv(bf41))[0]);
    expect(ok[0].raw.toString('hex')).toBe(`301a 8010${smdp.transactionId.toString('hex')} 810388370a 820104`.replace(/ /g, ''));
    const key = parseCertificate(sgp26EuiccIdentity().euiccCertificate).publicKey;
    expect(verifyRaw(key, ok[0].raw, ok[1].value)).toBe(true);
    expect(euicc.cancelSession(smdp.transactionId, 4).toString('hex')).toBe('bf4103810105');
  });
});
