/**
 * The LPA (LPAd) of the test eUICC: runs a profile download (SGP.22 §3.1.3) between an SM-DP+ (ES9+) and a
 * TestEuicc (ES10b), delivers notifications (§3.5) and, on a refusal, cancels the session with the eUICC's
 * signed reason (§3.1.3.x, ES10b/ES9+ CancelSession).
 */
import { children, decodeIntegerValue, readTlv } from '../asn1/tlv';
import { parseRspCertificate } from '../pki/rsp-certificate';
import { ActivationCodeError, parseActivationCode } from '../rsp/activation-code';
import { CancelSessionReason, decodeServerSigned1, decodeSmdpSigned2, decodeStoreMetadata, StoreMetadata } from './codec';
import { Es9Error, Es9PlusClient } from './es9plus-client';
import { LoadResult, PendingNotificationRecord, TestEuicc } from './euicc';

/* ------------------------------------------------ LPA --------------------------------------------------------- */

export { parseActivationCode };

export class LpaError extends Error {
  constructor(
    readonly step: string,
    message: string,
    /** eUICC-side error code (AuthenticateErrorCode / DownloadErrorCode) when the eUICC refused. */
    readonly euiccErrorCode?: number,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'LpaError';
  }
}

export type StepObserver = (step: string, details: Record<string, unknown>) => void;

export interface LpaOptions {
  /** ES9+ client for an SM-DP+ address (FQDN[:port]) — the AC's address, or a notification address. */
  connect: (smdpAddress: string) => Es9PlusClient;
  /** Device TAC (4 bytes), default 35290611. */
  tac?: Buffer;
  /** Device IMEI (8 bytes). */
  imei?: Buffer;
}

export interface DownloadOptions {
  confirmationCode?: string;
  onStep?: StepObserver;
  /** End-user consent on the profile metadata (default: accept). Refusal → CancelSession endUserRejection(0). */
  confirm?: (metadata: StoreMetadata) => boolean | Promise<boolean>;
  /** Call GetBoundProfilePackage twice with the same PrepareDownloadResponse (exercises the server's retry path). */
  retryGetBoundProfilePackage?: boolean;
  /** Keep the PIR on the eUICC instead of sending it. */
  skipNotification?: boolean;
}

export interface DownloadResult {
  transactionId: string;
  success: boolean;
  iccid?: string;
  profileName?: string;
  serviceProviderName?: string;
  load: LoadResult;
  /** seqNumbers delivered (and removed from the eUICC). */
  notificationsSent: number[];
  /** Bytes of the BPP(s) received; two when retryGetBoundProfilePackage. */
  boundProfilePackages: Buffer[];
}

export interface NotificationDelivery {
  seqNumber: number;
  address: string;
  event: string;
  httpStatus?: number;
  error?: string;
}

function alt(bytes: Buffer): number {
  return children(readTlv(bytes))[0].tag;
}

/** The plaintext of the MAC-only 88 TLVs of a BPP: the StoreMetadataRequest the eUICC will be given. */
export function storeMetadataInBpp(bpp: Buffer): Buffer {
  const seq = children(readTlv(bpp)).find((t) => t.tag === 0xa1);
  if (!seq) throw new LpaError('getBoundProfilePackage', 'BPP without sequenceOf88');
  return Buffer.concat(children(seq).map((t) => t.value.subarray(0, t.value.length - 8)));
}

export class Lpa {
  constructor(
    readonly euicc: TestEuicc,
    private readonly options: LpaOptions,
  ) {}

  /** SGP.22 §3.1.3 Profile Download and Installation, Activation Code use case. */
  async download(activationCode: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
    const step: StepObserver = (name, details) => opts.onStep?.(name, details);
    let ac;
    try {
      ac = parseActivationCode(activationCode);
    } catch (e) {
      if (e instanceof ActivationCodeError) throw new LpaError('activationCode', e.message);
      throw e;
    }
    if (ac.confirmationCodeRequired && opts.confirmationCode === undefined) {
      throw new LpaError('activationCode', 'the activation code requires a Confirmation Code');
    }
    const client = this.options.connect(ac.smdpAddress);
    const euicc = this.euicc;

    const euiccChallenge = euicc.getEuiccChallenge();
    const euiccInfo1 = euicc.getEuiccInfo1();
    step('ES10b.GetEUICCChallenge', { euiccChallenge: euiccChallenge.toString('hex') });

    const ia = await client.initiateAuthentication({ euiccChallenge, euiccInfo1, smdpAddress: ac.smdpAddress });
    const txId = ia.transactionId;
    step('ES9+.InitiateAuthentication', { status: 'Executed-Success', transactionId: txId });

    // LPAd checks (SGP.22 §3.1.3.1 / §5.6.1): serverAddress is the address used; the AC's SM-DP+ OID, if any,
    // is the one in CERT.DPauth.
    const signed1 = decodeServerSigned1(ia.serverSigned1);
    if (signed1.serverAddress.toLowerCase() !== ac.smdpAddress.toLowerCase()) {
      throw new LpaError('initiateAuthentication', `serverAddress ${signed1.serverAddress} ≠ ${ac.smdpAddress}`);
    }
    if (signed1.transactionId.toString('hex').toLowerCase() !== txId.toLowerCase()) {
      throw new LpaError('initiateAuthentication', `transactionId ${txId} ≠ serverSigned1's ${signed1.transactionId.toString('hex')}`);
    }
    if (ac.smdpOid) {
      const oid = parseRspCertificate(ia.serverCertificate).smdpOid;
      if (oid !== ac.smdpOid) throw new LpaError('initiateAuthentication', `SM-DP+ OID ${oid} ≠ activation code's ${ac.smdpOid}`);
    }

    const bf38 = euicc.authenticateServer({
      serverSigned1: ia.serverSigned1,
      serverSignature1: ia.serverSignature1,
      euiccCiPKIdToBeUsed: ia.euiccCiPKIdToBeUsed,
      serverCertificate: ia.serverCertificate,
      ctxParams: { matchingId: ac.matchingId, tac: this.options.tac, imei: this.options.imei },
    });
    const authOk = alt(bf38) === 0xa0;
    const authError = authOk ? undefined : errorCodeOf(bf38);
    step('ES10b.AuthenticateServer', { status: authOk ? 'ok' : `authenticateResponseError ${authError}` });

    // The LPAd forwards the eUICC's answer, error included: the SM-DP+ then ends the session (SGP.22 §3.1.3.1).
    let acr;
    try {
      acr = await client.authenticateClient({ transactionId: txId, authenticateServerResponse: bf38 });
    } catch (e) {
      if (!authOk) throw new LpaError('authenticateServer', `the eUICC refused the SM-DP+ (AuthenticateErrorCode ${authError})`, authError, e);
      throw e;
    }
    if (!authOk) throw new LpaError('authenticateServer', `the eUICC refused the SM-DP+ (AuthenticateErrorCode ${authError})`, authError);
    const meta = decodeStoreMetadata(acr.profileMetadata);
    const signed2 = decodeSmdpSigned2(acr.smdpSigned2);
    step('ES9+.AuthenticateClient', {
      status: 'Executed-Success',
      transactionId: txId,
      iccid: meta.iccid,
      profileName: meta.profileName,
      serviceProviderName: meta.serviceProviderName,
      ccRequired: signed2.ccRequiredFlag,
    });

    const cancel = async (reason: number, why: string, code?: number): Promise<never> => {
      const tx = euicc.currentTransactionId;
      if (tx) {
        const bf41 = euicc.cancelSession(tx, reason);
        step('ES10b.CancelSession', { reason });
        await client.cancelSession({ transactionId: txId, cancelSessionResponse: bf41 }).catch((e) => {
          step('ES9+.CancelSession', { status: 'Failed', error: (e as Error).message });
        });
        step('ES9+.CancelSession', { status: 'done', transactionId: txId });
      }
      throw new LpaError('cancelSession', why, code);
    };

    if (opts.confirm && !(await opts.confirm(meta))) {
      await cancel(CancelSessionReason.endUserRejection, 'the end user rejected the profile');
    }
    if (signed2.ccRequiredFlag && opts.confirmationCode === undefined) {
      await cancel(CancelSessionReason.endUserRejection, 'the SM-DP+ requires a Confirmation Code and none was given');
    }

    const bf21 = euicc.prepareDownload({
      smdpSigned2: acr.smdpSigned2,
      smdpSignature2: acr.smdpSignature2,
      smdpCertificate: acr.smdpCertificate,
      confirmationCode: signed2.ccRequiredFlag ? opts.confirmationCode : undefined,
      profileMetadata: acr.profileMetadata,
    });
    const pdOk = alt(bf21) === 0xa0;
    const pdError = pdOk ? undefined : errorCodeOf(bf21);
    step('ES10b.PrepareDownload', { status: pdOk ? 'ok' : `downloadResponseError ${pdError}` });

    let bpp: Buffer;
    const boundProfilePackages: Buffer[] = [];
    try {
      bpp = (await client.getBoundProfilePackage({ transactionId: txId, prepareDownloadResponse: bf21 })).boundProfilePackage;
    } catch (e) {
      if (!pdOk) throw new LpaError('prepareDownload', `the eUICC refused CERT.DPpb/smdpSignature2 (DownloadErrorCode ${pdError})`, pdError, e);
      throw e;
    }
    if (!pdOk) throw new LpaError('prepareDownload', `the eUICC refused (DownloadErrorCode ${pdError})`, pdError);
    boundProfilePackages.push(bpp);
    step('ES9+.GetBoundProfilePackage', { status: 'Executed-Success', transactionId: txId, bytes: bpp.length });
    if (opts.retryGetBoundProfilePackage) {
      const again = (await client.getBoundProfilePackage({ transactionId: txId, prepareDownloadResponse: bf21 })).boundProfilePackage;
      boundProfilePackages.push(again);
      step('ES9+.GetBoundProfilePackage (retry)', { status: 'Executed-Success', bytes: again.length, identical: again.equals(bpp) });
      bpp = again;
    }

    // SGP.22 v2.5 §3.1.3.3 / digest §9.7: the StoreMetadata in the BPP must be the profileMetadata shown.
    let inBpp: Buffer | undefined;
    try {
      inBpp = storeMetadataInBpp(bpp);
    } catch {
      inBpp = undefined; // malformed BPP: let the eUICC report it in the PIR
    }
    if (inBpp && !inBpp.equals(acr.profileMetadata)) {
      await cancel(CancelSessionReason.metadataMismatch, 'StoreMetadata in the BPP differs from the profileMetadata shown');
    }

    const load = euicc.loadBoundProfilePackage(bpp);
    step('ES10b.LoadBoundProfilePackage', {
      status: load.success ? 'installed' : `error bppCommandId ${load.bppCommandId} errorReason ${load.errorReason}`,
      iccid: load.iccid,
      message: load.message,
    });

    const notificationsSent: number[] = [];
    if (!opts.skipNotification) {
      const status = await client.handleNotification(load.profileInstallationResult);
      euicc.removeNotification(load.seqNumber);
      notificationsSent.push(load.seqNumber);
      step('ES9+.HandleNotification', { status: `HTTP ${status}`, seqNumber: load.seqNumber });
    }
    return {
      transactionId: txId,
      success: load.success,
      iccid: load.iccid,
      profileName: load.profileName,
      serviceProviderName: meta.serviceProviderName,
      load,
      notificationsSent,
      boundProfilePackages,
    };
  }

  /**
   * SGP.22 §3.5: delivers every pending notification to its notificationAddress (ES9+.HandleNotification) and
   * removes it from the eUICC after a 2xx (as lpac does).
   */
  async sendPendingNotifications(onStep?: StepObserver): Promise<NotificationDelivery[]> {
    const out: NotificationDelivery[] = [];
    for (const n of this.euicc.listNotifications()) out.push(await this.sendNotification(n, onStep));
    return out;
  }

  async sendNotification(n: PendingNotificationRecord, onStep?: StepObserver): Promise<NotificationDelivery> {
    const d: NotificationDelivery = { seqNumber: n.seqNumber, address: n.notificationAddress, event: n.event };
    try {
      d.httpStatus = await this.options.connect(n.notificationAddress).handleNotification(Buffer.from(n.pendingNotification, 'base64'));
      this.euicc.removeNotification(n.seqNumber);
    } catch (e) {
      d.error = e instanceof Es9Error || e instanceof Error ? e.message : String(e);
    }
    onStep?.('ES9+.HandleNotification', { ...d });
    return d;
  }
}

/** The INTEGER error code of a BF38/BF21 A1 alternative ({80 txId, 02 code}). */
function errorCodeOf(bytes: Buffer): number | undefined {
  try {
    const a1 = children(readTlv(bytes))[0];
    const code = children(a1).find((t) => t.tag === 0x02);
    return code ? decodeIntegerValue(code.value) : undefined;
  } catch {
    return undefined;
  }
}
