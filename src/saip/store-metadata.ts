/**
 * Consistency between a bound profile package's StoreMetadataRequest and the profile package it carries
 * (digest §4.6; SGP.22 §5.5.3 / §2.5.3): the eUICC refuses the installation with
 * installFailedDueToDataMismatch(13) when they disagree.
 *
 * ```asn1
 * StoreMetadataRequest ::= [37] SEQUENCE {   -- BF25
 *   iccid Iccid,                             -- 5A 0A, EF.ICCID coding (nibble-swapped BCD, F-padded)
 *   serviceProviderName [17] UTF8String, profileName [18] UTF8String, … }
 * ```
 * whereas ProfileHeader.iccid is plain BCD (89000123456789012341 ↔ 5A 0A 98 00 10 32 54 76 98 10 32 14).
 */
import { Tlv, children, readTlv } from '../asn1/tlv';
import { iccidFromEfFormat, iccidToEfFormat } from './bcd';
import { SaipError } from './errors';
import { readProfileHeader } from './profile-package';

/** The `Iccid` value (10 bytes, EF coding) a StoreMetadataRequest must carry for this profile package. */
export function storeMetadataIccidFor(profilePackage: Buffer): Buffer {
  return iccidToEfFormat(readProfileHeader(profilePackage).iccid);
}

export interface MetadataConsistency {
  ok: boolean;
  errors: string[];
  metadataIccid?: string;
  profileIccid?: string;
}

/**
 * Checks a StoreMetadataRequest (BF25 TLV) against the profile package: same ICCID, metadata in EF coding.
 * Never throws for bad input.
 */
export function checkStoreMetadataConsistency(storeMetadataRequest: Buffer, profilePackage: Buffer): MetadataConsistency {
  const errors: string[] = [];
  let profileIccid: string | undefined;
  let metadataIccid: string | undefined;
  try {
    profileIccid = readProfileHeader(profilePackage).iccid;
  } catch (e) {
    errors.push(`profile package: ${(e as Error).message}`);
  }
  let iccidTlv: Tlv | undefined;
  try {
    const smr = readTlv(storeMetadataRequest, 0);
    if (smr.tag !== 0xbf25) throw new SaipError(`expected StoreMetadataRequest (BF25), got tag ${smr.tag.toString(16).toUpperCase()}`);
    iccidTlv = children(smr).find((c) => c.tag === 0x5a);
    if (!iccidTlv) errors.push('StoreMetadataRequest: iccid (5A) is missing');
  } catch (e) {
    errors.push(`StoreMetadataRequest: ${(e as Error).message}`);
  }
  if (iccidTlv) {
    if (iccidTlv.value.length !== 10) errors.push(`StoreMetadataRequest: iccid is ${iccidTlv.value.length} bytes, expected 10`);
    else {
      try {
        metadataIccid = iccidFromEfFormat(iccidTlv.value);
      } catch (e) {
        errors.push(`StoreMetadataRequest: ${(e as Error).message}`);
      }
    }
  }
  if (metadataIccid !== undefined && profileIccid !== undefined && metadataIccid !== profileIccid) {
    const plain = iccidTlv!.value.toString('hex').toUpperCase();
    const hint = plain.replace(/F+$/, '') === profileIccid ? ' (the metadata carries the header coding; it must be nibble-swapped)' : '';
    errors.push(
      `ICCID mismatch (installFailedDueToDataMismatch): StoreMetadataRequest ${plain} (= ${metadataIccid}) vs ProfileHeader ${profileIccid}${hint}`,
    );
  }
  return { ok: errors.length === 0, errors, metadataIccid, profileIccid };
}
