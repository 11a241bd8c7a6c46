/**
 * A minimal, in-memory SM-DP+ side for the test eUICC's unit tests (not production code): it signs with the
 * GSMA SGP.26 test CERT.DPauth / CERT.DPpb keys and binds a profile exactly as SGP.22 §5.6 / §5.5 say, using
 * the shared codecs (src/asn1/rsp), crypto and ES8+ builder. Each step can be tampered with by the caller.
 */
import { createPrivateKey, KeyObject, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tlv } from '../../asn1/tlv';
import { decodeAuthenticateServerResponse, decodePrepareDownloadResponse } from '../../asn1/rsp';
import { hashCc } from '../../crypto/cc';
import { signatureDo, signRaw } from '../../crypto/ecdsa';
import { ecka, generateOneTimeKeyPair } from '../../crypto/ecka';
import { deriveSessionKeys, eidToBytes } from '../../crypto/kdf';
import {
  buildBoundProfilePackage,
  encodeInitialiseSecureChannelRequest,
  initialiseSecureChannelSignedData,
} from '../../rsp/es8plus';
import { iccidToEf } from '../codec';

export const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures');
export const SGP26 = join(FIXTURES, 'sgp26');
export const fixture = (...p: string[]) => readFileSync(join(FIXTURES, ...p));

export interface Sgp26Set {
  ci: Buffer;
  dpAuth: Buffer;
  dpAuthKey: KeyObject;
  dpPb: Buffer;
  dpPbKey: KeyObject;
}

export function sgp26(curve: 'NIST' | 'BRP' = 'NIST'): Sgp26Set {
  const r = (p: string) => readFileSync(join(SGP26, p));
  return {
    ci: r(`ci/CERT_CI_ECDSA_${curve}.der`),
    dpAuth: r(`dpauth/CERT_S_SM_DPauth_ECDSA_${curve}.der`),
    dpAuthKey: createPrivateKey(r(`dpauth/SK_S_SM_DPauth_ECDSA_${curve}.pem`)),
    dpPb: r(`dppb/CERT_S_SM_DPpb_ECDSA_${curve}.der`),
    dpPbKey: createPrivateKey(r(`dppb/SK_S_SM_DPpb_ECDSA_${curve}.pem`)),
  };
}

/** The SGP.26 test eUICC (EID 89049032123451234512345678901235, NIST). */
export function sgp26EuiccIdentity() {
  const r = (p: string) => readFileSync(join(SGP26, p));
  return {
    eid: '89049032123451234512345678901235',
    euiccCertificate: r('euicc/CERT_EUICC_ECDSA_NIST.der'),
    eumCertificate: r('eum/CERT_EUM_ECDSA_NIST.der'),
    privateKey: createPrivateKey(r('euicc/SK_EUICC_ECDSA_NIST.pem')),
    trustedCis: [r('ci/CERT_CI_ECDSA_NIST.der'), r('ci/CERT_CI_ECDSA_BRP.der')],
  };
}

export interface MetadataParams {
  iccid: string;
  serviceProviderName?: string;
  profileName?: string;
  /** 0 test, 1 provisioning, omitted = operational. */
  profileClass?: number;
  /** notificationConfigurationInfo entries: bit list and address. */
  notifications?: Array<{ bits: number[]; address: string }>;
}

/** StoreMetadataRequest, hand-built (BF25 { 5A, 91, 92, [95], [B6 { 30 { 80 bits, 81 address } }] }). */
export function storeMetadata(p: MetadataParams): Buffer {
  const bits = (list: number[]) => {
    const max = Math.max(...list);
    const b = Buffer.alloc((max >> 3) + 1);
    for (const i of list) b[i >> 3] |= 0x80 >> (i & 7);
    return Buffer.concat([Buffer.from([7 - (max & 7)]), b]);
  };
  return tlv(0xbf25, [
    tlv(0x5a, iccidToEf(p.iccid)),
    tlv(0x91, Buffer.from(p.serviceProviderName ?? 'GSMA Test', 'utf8')),
    tlv(0x92, Buffer.from(p.profileName ?? 'TS.48 Generic Test Profile', 'utf8')),
    p.profileClass !== undefined ? tlv(0x95, Buffer.from([p.profileClass])) : undefined,
    p.notifications
      ? tlv(0xb6, p.notifications.map((n) => tlv(0x30, [tlv(0x80, bits(n.bits)), tlv(0x81, Buffer.from(n.address, 'utf8'))])))
      : undefined,
  ]);
}

export interface MiniSmdpOptions {
  serverAddress?: string;
  curve?: 'NIST' | 'BRP';
  /** CC the order requires (ccRequiredFlag TRUE). */
  confirmationCode?: string;
}

/** One download session, server side. */
export class MiniSmdp {
  readonly set: Sgp26Set;
  readonly serverAddress: string;
  transactionId = randomBytes(16);
  serverChallenge = randomBytes(16);
  euiccSignature1?: Buffer;
  smdpSignature2?: Buffer;
  euiccOtpk?: Buffer;
  eid?: string;

  constructor(readonly options: MiniSmdpOptions = {}) {
    this.set = sgp26(options.curve ?? 'NIST');
    this.serverAddress = options.serverAddress ?? 'testsmdpplus1.example.com';
  }

  /** SGP.22 §5.6.1: serverSigned1 + serverSignature1 over its DER. */
  initiateAuthentication(euiccChallenge: Buffer, tamper?: { signature?: boolean; challenge?: Buffer }) {
    const serverSigned1 = tlv(0x30, [
      tlv(0x80, this.transactionId),
      tlv(0x81, tamper?.challenge ?? euiccChallenge),
      tlv(0x83, Buffer.from(this.serverAddress, 'utf8')),
      tlv(0x84, this.serverChallenge),
    ]);
    const sig = signRaw(this.set.dpAuthKey, serverSigned1);
    if (tamper?.signature) sig[10] ^= 0x01;
    const ski = this.ciSki();
    return {
      serverSigned1,
      serverSignature1: signatureDo(sig),
      euiccCiPKIdToBeUsed: tlv(0x04, ski),
      serverCertificate: this.set.dpAuth,
    };
  }

  ciSki(): Buffer {
    // SKI of the SGP.26 CIs (digest §2.1.4).
    return Buffer.from(
      (this.options.curve ?? 'NIST') === 'NIST'
        ? 'f54172bdf98a95d65cbeb88a38a1c11d800a85c3'
        : 'c0bc70ba36929d43b467ff57570530e57ab8fcd8',
      'hex',
    );
  }

  /** SGP.22 §5.6.3 (the parts the test needs): reads BF38, returns smdpSigned2 signed over ‖ euiccSignature1 DO. */
  authenticateClient(bf38: Buffer, bppEuiccOtpk?: Buffer) {
    const r = decodeAuthenticateServerResponse(bf38);
    if (!r.ok) throw new Error(`authenticateResponseError ${r.error.authenticateErrorCode}`);
    this.euiccSignature1 = r.ok.euiccSignature1;
    const smdpSigned2 = tlv(0x30, [
      tlv(0x80, this.transactionId),
      tlv(0x01, Buffer.from([this.options.confirmationCode !== undefined ? 0xff : 0x00])),
      bppEuiccOtpk ? tlv(0x5f49, bppEuiccOtpk) : undefined,
    ]);
    const sig = signRaw(this.set.dpPbKey, Buffer.concat([smdpSigned2, r.ok.euiccSignature1Raw]));
    this.smdpSignature2 = sig;
    return { smdpSigned2, smdpSignature2: signatureDo(sig), smdpCertificate: this.set.dpPb, authenticateResponse: r.ok };
  }

  /** The expected hashCc for the order's Confirmation Code. */
  expectedHashCc(): Buffer | undefined {
    return this.options.confirmationCode === undefined ? undefined : hashCc(this.options.confirmationCode, this.transactionId);
  }

  /** SGP.22 §5.6.2 + §5.5: ECKA, KDF, BSP — the BF36 for this eUICC. */
  getBoundProfilePackage(bf21: Buffer, eid: string, metadata: Buffer, upp: Buffer, opts: { ppk?: boolean; hostId?: Buffer } = {}) {
    const r = decodePrepareDownloadResponse(bf21);
    if (!r.ok) throw new Error(`downloadResponseError ${r.error.downloadErrorCode}`);
    const euiccOtpk = r.ok.euiccSigned2.euiccOtpk;
    this.euiccOtpk = euiccOtpk;
    const otk = generateOneTimeKeyPair(this.options.curve === 'BRP' ? 'brainpoolP256r1' : 'prime256v1');
    const hostId = opts.hostId ?? Buffer.from('0102030405060708', 'hex');
    const signed = initialiseSecureChannelSignedData({ transactionId: this.transactionId, hostId, smdpOtpk: otk.publicKey, euiccOtpk });
    const isc = encodeInitialiseSecureChannelRequest({
      transactionId: this.transactionId,
      hostId,
      smdpOtpk: otk.publicKey,
      smdpSign: signRaw(this.set.dpPbKey, signed),
    });
    const keys = deriveSessionKeys(ecka(otk.privateKey, euiccOtpk), hostId, eidToBytes(eid));
    return buildBoundProfilePackage({
      initialiseSecureChannelRequest: isc,
      sessionKeys: keys,
      configureIsdpRequest: Buffer.from('bf2400', 'hex'),
      storeMetadataRequest: metadata,
      upp,
      replaceSessionKeys: opts.ppk
        ? { initialMacChainingValue: randomBytes(16), ppkEnc: randomBytes(16), ppkCmac: randomBytes(16) }
        : undefined,
    });
  }
}
