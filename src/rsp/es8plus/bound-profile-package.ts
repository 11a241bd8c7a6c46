/**
 * The Bound Profile Package (SGP.22 §2.5.4, §5.5; digest §4.1–§4.6), built by the SM-DP+ and opened by the
 * (test) eUICC.
 *
 *   BoundProfilePackage ::= [54] SEQUENCE {                                   -- BF36
 *     initialiseSecureChannelRequest [35] InitialiseSecureChannelRequest,     -- BF23
 *     firstSequenceOf87 [0] SEQUENCE OF [7] OCTET STRING,                     -- A0 { 87 }   ConfigureISDP, enc+MAC
 *     sequenceOf88 [1] SEQUENCE OF [8] OCTET STRING,                          -- A1 { 88… }  StoreMetadata, MAC only
 *     secondSequenceOf87 [2] SEQUENCE OF [7] OCTET STRING OPTIONAL,           -- A2 { 87 }   ReplaceSessionKeys, enc+MAC
 *     sequenceOf86 [3] SEQUENCE OF [6] OCTET STRING }                         -- A3 { 86… }  profile segments, enc+MAC
 *
 * One BSP chain (S-ENC/S-MAC, counter from 1) covers A0, A1 and A2; with ReplaceSessionKeys the 86 segments are
 * protected under the PPKs (counter from 1 again) — and can therefore be computed once per profile — otherwise
 * they continue the session chain.
 */
import { Asn1Error, children, encodeLength, hexTag, readOne, tagBytes, Tlv } from '../../asn1/tlv';
import { BspError, BspSession, BspTag } from '../../crypto/bsp';
import { CryptoError } from '../../crypto/errors';
import { SessionKeys } from '../../crypto/kdf';
import { BppBuildError, BppCommandId, BppError, ErrorReason } from './bpp-error';
import {
  parseInitialiseSecureChannelRequest,
  ParsedInitialiseSecureChannel,
  smdpSignedData,
  TAG_INITIALISE_SECURE_CHANNEL,
} from './initialise-secure-channel';
import {
  encodeReplaceSessionKeysRequest,
  parseReplaceSessionKeysRequest,
  ppkAsSessionKeys,
  ProfileProtectionKeys,
} from './replace-session-keys';

export const TAG_BOUND_PROFILE_PACKAGE = 0xbf36;
export const TAG_CONFIGURE_ISDP = 0xbf24;
export const TAG_STORE_METADATA = 0xbf25;

/**
 * The 86 segments of a profile protected under its PPKs (SGP.22 §2.5.5). Depends only on the UPP and the PPKs:
 * compute once per profile, store with the (protected) PPKs, re-use for every binding.
 */
export function protectProfileWithPpk(upp: Buffer, ppk: ProfileProtectionKeys): Buffer[] {
  return new BspSession(ppkAsSessionKeys(ppk)).protectSegments(0x86, upp, true);
}

export interface BuildBoundProfilePackageParams {
  /** Encoded BF23 (encodeInitialiseSecureChannelRequest). */
  initialiseSecureChannelRequest: Buffer;
  /** From deriveSessionKeys(ShS, hostId, EID). */
  sessionKeys: SessionKeys;
  /** ConfigureISDPRequest, e.g. `BF24 00`. */
  configureIsdpRequest: Buffer;
  /** StoreMetadataRequest (BF25), byte-identical to the profileMetadata of AuthenticateClient (digest §9.7). */
  storeMetadataRequest: Buffer;
  /** With ReplaceSessionKeys: the PPKs the 86 segments are (or will be) protected with. */
  replaceSessionKeys?: ProfileProtectionKeys;
  /** The UPP, protected here (under the session keys, or under replaceSessionKeys when given). */
  upp?: Buffer;
  /** 86 segments already protected with replaceSessionKeys (protectProfileWithPpk). */
  ppkSegments?: Buffer[];
}

function expectTag(what: string, b: Buffer, tag: number): void {
  const tb = tagBytes(tag);
  if (!Buffer.isBuffer(b) || b.length < tb.length + 1 || !b.subarray(0, tb.length).equals(tb)) {
    throw new BppBuildError(`${what} must be a ${hexTag(tag)} TLV`);
  }
}

/** Collects buffers for a single final concatenation. */
class Parts {
  readonly list: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.list.push(b);
    this.length += b.length;
  }
  /** tag ‖ len ‖ items */
  sequence(tag: number, items: Buffer[]): void {
    let n = 0;
    for (const i of items) n += i.length;
    this.push(Buffer.concat([tagBytes(tag), encodeLength(n)]));
    for (const i of items) this.push(i);
  }
}

/** SGP.22 §5.5 / §2.5.4: the BF36 the SM-DP+ returns from ES9+.GetBoundProfilePackage. */
export function buildBoundProfilePackage(p: BuildBoundProfilePackageParams): Buffer {
  expectTag('initialiseSecureChannelRequest', p.initialiseSecureChannelRequest, TAG_INITIALISE_SECURE_CHANNEL);
  expectTag('configureIsdpRequest', p.configureIsdpRequest, TAG_CONFIGURE_ISDP);
  expectTag('storeMetadataRequest', p.storeMetadataRequest, TAG_STORE_METADATA);
  if (p.ppkSegments && !p.replaceSessionKeys) throw new BppBuildError('ppkSegments need replaceSessionKeys');
  if ((p.upp === undefined) === (p.ppkSegments === undefined)) {
    throw new BppBuildError('give exactly one of upp and ppkSegments');
  }
  if (p.ppkSegments?.some((s) => s[0] !== 0x86)) throw new BppBuildError('ppkSegments must be 86 TLVs');

  const bsp = new BspSession(p.sessionKeys);
  const a0 = bsp.protectSegments(0x87, p.configureIsdpRequest, true);
  const a1 = bsp.protectSegments(0x88, p.storeMetadataRequest, false);
  let a2: Buffer[] | undefined;
  let a3: Buffer[];
  if (p.replaceSessionKeys) {
    a2 = bsp.protectSegments(0x87, encodeReplaceSessionKeysRequest(p.replaceSessionKeys), true);
    a3 = p.ppkSegments ?? protectProfileWithPpk(p.upp!, p.replaceSessionKeys);
  } else {
    a3 = bsp.protectSegments(0x86, p.upp!, true);
  }

  const body = new Parts();
  body.push(p.initialiseSecureChannelRequest);
  body.sequence(0xa0, a0);
  body.sequence(0xa1, a1);
  if (a2) body.sequence(0xa2, a2);
  body.sequence(0xa3, a3);
  const header = Buffer.concat([tagBytes(TAG_BOUND_PROFILE_PACKAGE), encodeLength(body.length)]);
  return Buffer.concat([header, ...body.list], header.length + body.length);
}

export interface OpenBoundProfilePackageOptions {
  /** The eUICC's otPK.EUICC.ECKA: fills `initialiseSecureChannel.euiccOtpk` and `.signedData`. */
  euiccOtpk?: Buffer;
  /** Reject protected TLVs over 1020 bytes (SGP.22 §2.5.3). Default true. */
  enforceMaxLength?: boolean;
}

export interface OpenedBoundProfilePackage {
  initialiseSecureChannel: ParsedInitialiseSecureChannel;
  /** ConfigureISDPRequest (BF24 …), decrypted. */
  configureIsdp: Buffer;
  /** StoreMetadataRequest (BF25 …) as received. */
  storeMetadata: Buffer;
  replaceSessionKeys?: ProfileProtectionKeys;
  /** The unprotected profile package (concatenated 86 segments). */
  upp: Buffer;
}

/**
 * Derives the session keys for a received InitialiseSecureChannelRequest. The eUICC checks the transactionId
 * and smdpSign here and throws BppError(initialiseSecureChannel, invalidTransactionId | invalidSignature).
 */
export type DeriveBppKeys = (isc: ParsedInitialiseSecureChannel) => SessionKeys;

function bspFailure(command: BppCommandId, e: unknown): unknown {
  if (e instanceof BspError) {
    const reason = e.kind === 'mac' ? ErrorReason.scp03tSecurityError : ErrorReason.scp03tStructureError;
    return new BppError(command, reason, e.message);
  }
  return e;
}

function unprotectAll(
  bsp: BspSession,
  container: Tlv,
  tag: BspTag,
  encrypted: boolean,
  command: BppCommandId,
  options: OpenBoundProfilePackageOptions,
): Buffer {
  try {
    const items = children(container);
    if (items.length === 0) throw new BspError('structure', `${hexTag(container.tag)} is empty`);
    const out: Buffer[] = [];
    for (const item of items) {
      if (item.tag !== tag) {
        throw new BspError('structure', `${hexTag(container.tag)} holds ${hexTag(item.tag)}, expected ${hexTag(tag)}`);
      }
      out.push(bsp.unprotect(item, encrypted, { enforceMaxLength: options.enforceMaxLength }));
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  } catch (e) {
    if (e instanceof Asn1Error) throw new BppError(command, ErrorReason.scp03tStructureError, e.message);
    throw bspFailure(command, e);
  }
}

function checkCommand(b: Buffer, tag: number, command: BppCommandId, what: string): void {
  try {
    const t = readOne(b, tag, what);
    if (t.raw.length !== b.length) throw new Asn1Error(`${what}: trailing bytes`);
  } catch (e) {
    if (e instanceof Asn1Error) throw new BppError(command, ErrorReason.incorrectInputValues, e.message);
    throw e;
  }
}

/**
 * The eUICC side (ES10b.LoadBoundProfilePackage as a whole, SGP.22 §5.7.6): parses BF36, derives keys via
 * `deriveKeys`, verifies every MAC in chain order and returns the decrypted commands and the UPP. Every failure
 * is a BppError naming the step (BppCommandId) and the ErrorReason for ProfileInstallationResult.
 */
export function openBoundProfilePackage(
  bpp: Buffer,
  deriveKeys: DeriveBppKeys,
  options: OpenBoundProfilePackageOptions = {},
): OpenedBoundProfilePackage {
  let items: Tlv[];
  try {
    const outer = readOne(bpp, TAG_BOUND_PROFILE_PACKAGE, 'BoundProfilePackage');
    items = children(outer);
  } catch (e) {
    if (e instanceof Asn1Error) {
      throw new BppError(BppCommandId.initialiseSecureChannel, ErrorReason.incorrectInputValues, e.message);
    }
    throw e;
  }
  const [isc, a0, a1] = items;
  const a2 = items.length === 5 ? items[3] : undefined;
  const a3 = items[items.length - 1];
  if (
    items.length < 4 ||
    items.length > 5 ||
    isc.tag !== TAG_INITIALISE_SECURE_CHANNEL ||
    a0.tag !== 0xa0 ||
    a1.tag !== 0xa1 ||
    (a2 && a2.tag !== 0xa2) ||
    a3.tag !== 0xa3
  ) {
    throw new BppError(
      BppCommandId.initialiseSecureChannel,
      ErrorReason.incorrectInputValues,
      `BoundProfilePackage holds ${items.map((i) => hexTag(i.tag)).join(',')}, expected BF23,A0,A1,[A2],A3`,
    );
  }

  const initialiseSecureChannel = parseInitialiseSecureChannelRequest(isc);
  if (options.euiccOtpk) {
    initialiseSecureChannel.euiccOtpk = options.euiccOtpk;
    initialiseSecureChannel.signedData = smdpSignedData(initialiseSecureChannel, options.euiccOtpk);
  }
  let keys: SessionKeys;
  try {
    keys = deriveKeys(initialiseSecureChannel);
  } catch (e) {
    if (e instanceof BppError) throw e;
    if (e instanceof CryptoError) {
      throw new BppError(BppCommandId.initialiseSecureChannel, ErrorReason.incorrectInputValues, e.message);
    }
    throw e;
  }
  let bsp: BspSession;
  try {
    bsp = new BspSession(keys);
  } catch (e) {
    throw bspFailure(BppCommandId.initialiseSecureChannel, e);
  }

  const configureIsdp = unprotectAll(bsp, a0, 0x87, true, BppCommandId.configureISDP, options);
  checkCommand(configureIsdp, TAG_CONFIGURE_ISDP, BppCommandId.configureISDP, 'ConfigureISDPRequest');
  const storeMetadata = unprotectAll(bsp, a1, 0x88, false, BppCommandId.storeMetadata, options);
  checkCommand(storeMetadata, TAG_STORE_METADATA, BppCommandId.storeMetadata, 'StoreMetadataRequest');
  let replaceSessionKeys: ProfileProtectionKeys | undefined;
  if (a2) {
    const rsk = unprotectAll(bsp, a2, 0x87, true, BppCommandId.replaceSessionKeys, options);
    checkCommand(rsk, 0xbf26, BppCommandId.replaceSessionKeys, 'ReplaceSessionKeysRequest');
    replaceSessionKeys = parseReplaceSessionKeysRequest(rsk);
    bsp.replaceSessionKeys(ppkAsSessionKeys(replaceSessionKeys));
  }
  const upp = unprotectAll(bsp, a3, 0x86, true, BppCommandId.loadProfileElements, options);
  return { initialiseSecureChannel, configureIsdp, storeMetadata, replaceSessionKeys, upp };
}
