/**
 * Helpers for the ES9+ error-case suites: raw ES9+ calls over HTTPS with exact status-code assertions, a
 * step-by-step session driver around the test eUICC (so a test can stop, tamper or replay at any step),
 * crafted eUICC identities under the development EUMs (expired, foreign, out-of-range…), byte-level tampering
 * with the shared codecs, and a seeded mutator for bounded fuzzing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import {
  decodeAuthenticateServerResponse,
  decodeCancelSessionResponse,
  decodePrepareDownloadResponse,
  encodeAuthenticateServerResponse,
  encodeCancelSessionResponse,
  encodeEuiccSigned1,
  encodeEUICCSigned2,
  encodePrepareDownloadResponse,
  EUICCInfo2,
} from '../../src/asn1/rsp';
import { signRaw } from '../../src/crypto/ecdsa';
import { generateOneTimeKeyPair } from '../../src/crypto/ecka';
import { EuiccIdentity, LoadResult, TestEuicc } from '../../src/euicc/euicc';
import { loadPrivateKeyFile } from '../../src/pki/key-files';
import { Issued, issueEuicc, issueEum, IssueOverrides, makeEid } from '../../src/pki/dev-pki';
import { parseRspCertificate, pemToDerList } from '../../src/pki/rsp-certificate';
import type { TestApp } from '../support/app';
import type { TestResponse } from '../support/http';

export const ES9 = '/gsma/rsp2/es9plus/';
export const ES9_FUNCTIONS = [
  'initiateAuthentication',
  'authenticateClient',
  'getBoundProfilePackage',
  'handleNotification',
  'cancelSession',
] as const;
export type Es9Function = (typeof ES9_FUNCTIONS)[number];

const b64 = (b: Buffer) => b.toString('base64');

/* ------------------------------------------------ raw calls ------------------------------------------------- */

/** POSTs `body` (object → JSON; string/Buffer as is) to an ES9+ function. */
export function post(t: TestApp, fn: Es9Function, body: unknown, headers?: Record<string, string>): Promise<TestResponse> {
  return t.request(ES9 + fn, { method: 'POST', body, headers });
}

/**
 * 'subject/reason' of a function that failed the SGP.22 way (HTTP 200, status Failed, statusCodeData, no
 * output fields, SGP.22 §6.5.1.4); throws with the response otherwise.
 */
export function codeOf(res: TestResponse): string {
  const fes = res.json?.header?.functionExecutionStatus;
  if (res.status !== 200 || fes?.status !== 'Failed' || !fes.statusCodeData) {
    throw new Error(`expected HTTP 200 + Failed, got HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  }
  const keys = Object.keys(res.json).filter((k) => k !== 'header');
  if (keys.length > 0) throw new Error(`a Failed response carries output fields: ${keys.join(', ')}`);
  return `${fes.statusCodeData.subjectCode}/${fes.statusCodeData.reasonCode}`;
}

/** The JSON of an Executed-Success response; throws with the status otherwise. */
export function okOf(res: TestResponse): Record<string, string> {
  const fes = res.json?.header?.functionExecutionStatus;
  if (res.status !== 200 || fes?.status !== 'Executed-Success') {
    throw new Error(`expected HTTP 200 + Executed-Success, got HTTP ${res.status}: ${res.text.slice(0, 300)}`);
  }
  return res.json;
}

export async function failCode(t: TestApp, fn: Es9Function, body: unknown): Promise<string> {
  return codeOf(await post(t, fn, body));
}

/* ------------------------------------------------ a session, step by step ----------------------------------- */

export interface Initiated {
  transactionId: string;
  serverSigned1: Buffer;
  serverSignature1: Buffer;
  euiccCiPKIdToBeUsed: Buffer;
  serverCertificate: Buffer;
}

export interface Authenticated {
  profileMetadata: Buffer;
  smdpSigned2: Buffer;
  smdpSignature2: Buffer;
  smdpCertificate: Buffer;
}

/**
 * One RSP session between the app and a TestEuicc, one ES9+/ES10b step per method, each step's output kept
 * so that a test can replay or tamper with it. Success steps assert Executed-Success.
 */
export class Flow {
  ia!: Initiated;
  bf38?: Buffer;
  acr?: Authenticated;
  bf21?: Buffer;
  bpp?: Buffer;

  constructor(
    readonly t: TestApp,
    readonly euicc: TestEuicc,
    readonly smdpAddress = 'localhost',
  ) {}

  get txId(): string {
    return this.ia.transactionId;
  }

  get txBytes(): Buffer {
    return Buffer.from(this.ia.transactionId, 'hex');
  }

  /** ES10b.GetEUICCChallenge + GetEUICCInfo1 + ES9+.InitiateAuthentication (raw response). */
  async initiateRaw(over: { smdpAddress?: string; euiccInfo1?: Buffer; euiccChallenge?: Buffer } = {}): Promise<TestResponse> {
    const euiccChallenge = this.euicc.getEuiccChallenge();
    return post(this.t, 'initiateAuthentication', {
      euiccChallenge: b64(over.euiccChallenge ?? euiccChallenge),
      euiccInfo1: b64(over.euiccInfo1 ?? this.euicc.getEuiccInfo1()),
      smdpAddress: over.smdpAddress ?? this.smdpAddress,
    });
  }

  async initiate(over: { smdpAddress?: string; euiccInfo1?: Buffer } = {}): Promise<this> {
    const r = okOf(await this.initiateRaw(over));
    this.ia = {
      transactionId: r.transactionId,
      serverSigned1: Buffer.from(r.serverSigned1, 'base64'),
      serverSignature1: Buffer.from(r.serverSignature1, 'base64'),
      euiccCiPKIdToBeUsed: Buffer.from(r.euiccCiPKIdToBeUsed, 'base64'),
      serverCertificate: Buffer.from(r.serverCertificate, 'base64'),
    };
    return this;
  }

  /** ES10b.AuthenticateServer on the test eUICC: the BF38 (A0 or A1). */
  authenticateServer(matchingId?: string): Buffer {
    this.bf38 = this.euicc.authenticateServer({ ...this.ia, ctxParams: { matchingId } });
    return this.bf38;
  }

  authenticateClientRaw(bf38: Buffer | undefined = this.bf38, transactionId = this.txId): Promise<TestResponse> {
    return post(this.t, 'authenticateClient', { transactionId, authenticateServerResponse: b64(bf38!) });
  }

  /** AuthenticateServer + ES9+.AuthenticateClient, asserting success. */
  async authenticate(matchingId?: string): Promise<this> {
    if (!this.ia) await this.initiate();
    const r = okOf(await this.authenticateClientRaw(this.authenticateServer(matchingId)));
    this.acr = {
      profileMetadata: Buffer.from(r.profileMetadata, 'base64'),
      smdpSigned2: Buffer.from(r.smdpSigned2, 'base64'),
      smdpSignature2: Buffer.from(r.smdpSignature2, 'base64'),
      smdpCertificate: Buffer.from(r.smdpCertificate, 'base64'),
    };
    return this;
  }

  /** ES10b.PrepareDownload on the test eUICC: the BF21. */
  prepareDownload(confirmationCode?: string): Buffer {
    this.bf21 = this.euicc.prepareDownload({ ...this.acr!, confirmationCode, profileMetadata: this.acr!.profileMetadata });
    return this.bf21;
  }

  getBoundProfilePackageRaw(bf21: Buffer | undefined = this.bf21, transactionId = this.txId): Promise<TestResponse> {
    return post(this.t, 'getBoundProfilePackage', { transactionId, prepareDownloadResponse: b64(bf21!) });
  }

  async getBoundProfilePackage(confirmationCode?: string): Promise<this> {
    const r = okOf(await this.getBoundProfilePackageRaw(this.prepareDownload(confirmationCode)));
    this.bpp = Buffer.from(r.boundProfilePackage, 'base64');
    return this;
  }

  /** ES10b.LoadBoundProfilePackage: the signed PIR (not yet sent). */
  load(): LoadResult {
    return this.euicc.loadBoundProfilePackage(this.bpp!);
  }

  cancelSessionRaw(bf41: Buffer, transactionId = this.txId): Promise<TestResponse> {
    return post(this.t, 'cancelSession', { transactionId, cancelSessionResponse: b64(bf41) });
  }
}

/** POSTs a PendingNotification; returns the HTTP status (must be 204 whatever the content). */
export async function notify(t: TestApp, pendingNotification: Buffer | string): Promise<TestResponse> {
  return post(t, 'handleNotification', {
    pendingNotification: Buffer.isBuffer(pendingNotification) ? b64(pendingNotification) : pendingNotification,
  });
}

/* ------------------------------------------------ crafted identities ---------------------------------------- */

export interface DevIssuers {
  nist: { ci: Issued; eum: Issued };
  brp: { ci: Issued; eum: Issued };
  /** CERT.CI of both development hierarchies (what test eUICCs trust). */
  trustedCis: Buffer[];
}

function readCertDer(file: string): Buffer {
  return pemToDerList(readFileSync(file, 'latin1'))[0];
}

/** The development CIs and EUMs of the app's certs folder, with their private keys. */
export function devIssuers(certsDir: string): DevIssuers {
  const load = (name: 'nist' | 'brp') => ({
    ci: {
      cert: parseRspCertificate(readCertDer(join(certsDir, 'ci', `${name}.pem`))),
      privateKey: loadPrivateKeyFile(join(certsDir, 'private', `ci-${name}.key.pem`)),
    },
    eum: {
      cert: parseRspCertificate(readCertDer(join(certsDir, 'private', `eum-${name}.pem`))),
      privateKey: loadPrivateKeyFile(join(certsDir, 'private', `eum-${name}.key.pem`)),
    },
  });
  const nist = load('nist');
  const brp = load('brp');
  return { nist, brp, trustedCis: [nist.ci.cert.der, brp.ci.cert.der] };
}

let minted = 0;

/**
 * A test eUICC whose certificates the test chooses: `eum` (default the development NIST EUM) issues a
 * CERT.EUICC with `euicc` overrides for a fresh EID in the EUM's range (or `eid`).
 */
export function craftedEuicc(
  issuers: DevIssuers,
  opts: { eum?: Issued; euicc?: IssueOverrides; eid?: string; euiccInfo2?: Partial<EUICCInfo2>; svn?: string } = {},
): { euicc: TestEuicc; identity: EuiccIdentity; privateKey: KeyObject } {
  const eum = opts.eum ?? issuers.nist.eum;
  const prefix = eum.cert.permittedEidPrefixes[0] ?? issuers.nist.eum.cert.permittedEidPrefixes[0];
  const eid = opts.eid ?? makeEid(prefix, 700000 + (process.pid % 1000) * 100 + ++minted);
  const issued = issueEuicc(eum, { now: new Date(), eid, ...opts.euicc });
  const identity: EuiccIdentity = {
    eid,
    euiccCertificate: issued.cert.der,
    eumCertificate: eum.cert.der,
    privateKey: issued.privateKey,
    trustedCis: issuers.trustedCis,
    svn: opts.svn,
    euiccInfo2: opts.euiccInfo2,
  };
  return { euicc: new TestEuicc(identity), identity, privateKey: issued.privateKey };
}

/** An EUM under `ci` with overrides, permitted for the development NIST EID range. */
export function craftedEum(issuers: DevIssuers, ci: Issued, o: IssueOverrides = {}): Issued {
  return issueEum(ci, { now: new Date(), eidPrefixes: issuers.nist.eum.cert.permittedEidPrefixes, ...o });
}

/* ------------------------------------------------ tampering ------------------------------------------------- */

/** Flips one bit of a Buffer copy at `index` (negative: from the end). */
export function flip(b: Buffer, index: number, mask = 0x01): Buffer {
  const c = Buffer.from(b);
  const i = index < 0 ? c.length + index : index;
  c[i] ^= mask;
  return c;
}

/** BF38 with euiccSignature1 altered (one bit of s), everything else as the eUICC produced it. */
export function tamperEuiccSignature1(bf38: Buffer): Buffer {
  const ok = decodeAuthenticateServerResponse(bf38).ok!;
  return encodeAuthenticateServerResponse({
    ok: {
      euiccSigned1: ok.euiccSigned1Raw,
      euiccSignature1: flip(ok.euiccSignature1, -1),
      euiccCertificate: ok.euiccCertificate,
      eumCertificate: ok.eumCertificate,
    },
  });
}

/**
 * BF38 rebuilt from the eUICC's with euiccSigned1 fields changed and signed again with SK.EUICC — a correctly
 * signed answer to another server challenge (or transaction, or address).
 */
export function resignedBf38(
  bf38: Buffer,
  privateKey: KeyObject,
  change: { serverChallenge?: Buffer; transactionId?: Buffer; serverAddress?: string },
): Buffer {
  const ok = decodeAuthenticateServerResponse(bf38).ok!;
  const s = ok.euiccSigned1;
  const euiccSigned1 = encodeEuiccSigned1({
    transactionId: change.transactionId ?? s.transactionId,
    serverAddress: change.serverAddress ?? s.serverAddress,
    serverChallenge: change.serverChallenge ?? s.serverChallenge,
    euiccInfo2: s.euiccInfo2.raw,
    ctxParams1: s.ctxParams1.raw,
  });
  return encodeAuthenticateServerResponse({
    ok: {
      euiccSigned1,
      euiccSignature1: signRaw(privateKey, euiccSigned1),
      euiccCertificate: ok.euiccCertificate,
      eumCertificate: ok.eumCertificate,
    },
  });
}

/** BF21 with euiccSignature2 altered. */
export function tamperEuiccSignature2(bf21: Buffer): Buffer {
  const ok = decodePrepareDownloadResponse(bf21).ok!;
  return encodePrepareDownloadResponse({ ok: { euiccSigned2: ok.euiccSigned2Raw, euiccSignature2: flip(ok.euiccSignature2, -1) } });
}

/**
 * A correctly signed BF21 A0 built by hand: euiccSigned2 {transactionId, fresh otPK.EUICC, hashCc?} and
 * euiccSignature2 over euiccSigned2 ‖ smdpSignature2 DO (SGP.22 §5.7.5), e.g. without the hashCc the
 * TestEuicc would insist on.
 */
export function handmadeBf21(
  o: { transactionId: Buffer; smdpSignature2: Buffer; privateKey: KeyObject; curve?: 'prime256v1' | 'brainpoolP256r1'; hashCc?: Buffer },
): Buffer {
  const otk = generateOneTimeKeyPair(o.curve ?? 'prime256v1');
  const euiccSigned2 = encodeEUICCSigned2({ transactionId: o.transactionId, euiccOtpk: otk.publicKey, hashCc: o.hashCc });
  const euiccSignature2 = signRaw(o.privateKey, Buffer.concat([euiccSigned2, o.smdpSignature2]));
  return encodePrepareDownloadResponse({ ok: { euiccSigned2, euiccSignature2 } });
}

/** BF41 with euiccCancelSessionSignature altered. */
export function tamperCancelSignature(bf41: Buffer): Buffer {
  const ok = decodeCancelSessionResponse(bf41).ok!;
  return encodeCancelSessionResponse({
    ok: { euiccCancelSessionSigned: ok.euiccCancelSessionSignedRaw, euiccCancelSessionSignature: flip(ok.euiccCancelSessionSignature, -1) },
  });
}

/* ------------------------------------------------ seeded fuzzing -------------------------------------------- */

/** mulberry32: a small deterministic PRNG in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One random structural mutation: bit flip, byte set, truncation, insertion, deletion, duplication, or an
 * absurd BER length (84 FF FF FF FF / 80 / 82 FF FF) written at a random offset.
 */
export function mutate(input: Buffer, rnd: () => number): Buffer {
  const n = input.length;
  const at = (max = n) => Math.floor(rnd() * Math.max(1, max));
  const bytes = (k: number) => Buffer.from(Array.from({ length: k }, () => at(256)));
  switch (at(8)) {
    case 0:
      return flip(input, at(), 1 << at(8));
    case 1: {
      const c = Buffer.from(input);
      c[at()] = at(256);
      return c;
    }
    case 2:
      return input.subarray(0, at());
    case 3: {
      const p = at(n + 1);
      return Buffer.concat([input.subarray(0, p), bytes(1 + at(8)), input.subarray(p)]);
    }
    case 4: {
      const p = at();
      return Buffer.concat([input.subarray(0, p), input.subarray(Math.min(n, p + 1 + at(16)))]);
    }
    case 5: {
      const p = at();
      const q = Math.min(n, p + 1 + at(32));
      return Buffer.concat([input.subarray(0, q), input.subarray(p, q), input.subarray(q)]);
    }
    case 6: {
      const lengths = [Buffer.from('84ffffffff', 'hex'), Buffer.from('80', 'hex'), Buffer.from('82ffff', 'hex'), Buffer.from('8100', 'hex')];
      const p = at();
      const l = lengths[at(lengths.length)];
      return Buffer.concat([input.subarray(0, p), l, input.subarray(Math.min(n, p + l.length))]);
    }
    default: {
      // Two mutations at once.
      return mutate(mutate(input, rnd), rnd);
    }
  }
}
