/**
 * Profile Metadata — SGP.22 §5.5.3 (ES8+.StoreMetadata), §5.6.3 (profileMetadata of AuthenticateClient),
 * digest §4.1. The same bytes go to the LPA in AuthenticateClient and into the BPP's 88 segments (digest §9.7):
 * encode once, keep the Buffer.
 *
 * ```asn1
 * StoreMetadataRequest ::= [37] SEQUENCE {                          -- BF25
 *   iccid Iccid,                                                    -- 5A 0A (EF.ICCID coding, nibble-swapped)
 *   serviceProviderName [17] UTF8String (SIZE(0..32)),              -- 91
 *   profileName [18] UTF8String (SIZE(0..64)),                      -- 92
 *   iconType [19] IconType OPTIONAL,                                -- 93  jpg(0) png(1)
 *   icon [20] OCTET STRING (SIZE(0..1024)) OPTIONAL,                -- 94  (only with iconType)
 *   profileClass [21] ProfileClass DEFAULT operational,             -- 95  test(0) provisioning(1) operational(2)
 *   notificationConfigurationInfo [22] SEQUENCE OF NotificationConfigurationInformation OPTIONAL,  -- B6
 *   profileOwner [23] OperatorId OPTIONAL,                          -- B7
 *   profilePolicyRules [25] PprIds OPTIONAL,                        -- 99
 *   ... }                     -- v2.5 serviceSpecificData [34]/[35] (BF22/BF23), Android BF76: kept raw
 * NotificationConfigurationInformation ::= SEQUENCE {              -- 30 (automatic tags)
 *   profileManagementOperation NotificationEvent,                   -- 80 BIT STRING
 *   notificationAddress UTF8String }                                -- 81 FQDN
 * OperatorId ::= SEQUENCE {                                         -- automatic tags
 *   mccMnc OCTET STRING (SIZE(3)),                                  -- 80 (3GPP TS 24.008)
 *   gid1 OCTET STRING OPTIONAL,                                     -- 81
 *   gid2 OCTET STRING OPTIONAL }                                    -- 82
 * PprIds ::= BIT STRING {pprUpdateControl(0), ppr1(1), ppr2(2)}
 * ```
 */
import { Asn1Error, encodeIntegerValue, tlv } from '../tlv';
import {
  TAG_ICCID,
  TAG_SEQUENCE,
  bytesOf,
  iccidOf,
  decodeTop,
  encodeNamedBits,
  integer,
  kids,
  mandatory,
  namedBits,
  octets,
  opt,
  req,
  unknownRaw,
  utf8,
  within,
} from './common';
import { PPR_IDS_BITS } from './euicc-info';
import { iccidToEf } from './iccid';
import { NOTIFICATION_EVENT_BITS } from './notification';

export const TAG_STORE_METADATA = 0xbf25;

export const IconType = { jpg: 0, png: 1 } as const;
export const ProfileClass = { test: 0, provisioning: 1, operational: 2 } as const;

export interface NotificationConfigurationInformation {
  /** NotificationEvent names: notificationInstall, notificationEnable, notificationDisable, notificationDelete. */
  profileManagementOperation: string[];
  notificationAddress: string;
}

export interface OperatorId {
  /** 3 bytes, 3GPP TS 24.008 coding (see mccMncToBytes). */
  mccMnc: Buffer;
  gid1?: Buffer;
  gid2?: Buffer;
}

export interface StoreMetadataRequest {
  /** ICCID digits (19–20, as in ES2+), coded nibble-swapped in tag 5A. */
  iccid: string;
  serviceProviderName: string;
  profileName: string;
  iconType?: number;
  icon?: Buffer;
  /** ProfileClass value; absent = operational(2) (DER omits the DEFAULT). */
  profileClass?: number;
  notificationConfigurationInfo?: NotificationConfigurationInformation[];
  profileOwner?: OperatorId;
  /** PprIds names: pprUpdateControl, ppr1, ppr2. */
  profilePolicyRules?: string[];
  /** Unknown components, raw TLVs, appended after the known ones. */
  extensions?: Buffer[];
}

export interface DecodedStoreMetadataRequest extends StoreMetadataRequest {
  /** The BF25 TLV as received. */
  raw: Buffer;
  /** Always set on decode (DEFAULT applied). */
  profileClass: number;
  extensions: Buffer[];
}

const utf8Bytes = (s: string, what: string, max: number): Buffer => {
  const b = Buffer.from(mandatory(s, what), 'utf8');
  if (b.length > max) throw new Asn1Error(`${what}: ${b.length} bytes, at most ${max} allowed`);
  return b;
};

/** DER StoreMetadataRequest (canonical order of the ASN.1; profileClass operational omitted). */
export function encodeStoreMetadataRequest(m: StoreMetadataRequest): Buffer {
  return within('StoreMetadataRequest', () => {
    if (m.icon !== undefined && m.iconType === undefined) throw new Asn1Error('icon requires iconType');
    return tlv(TAG_STORE_METADATA, [
      tlv(TAG_ICCID, iccidToEf(mandatory(m.iccid, 'iccid'))),
      tlv(0x91, utf8Bytes(m.serviceProviderName, 'serviceProviderName', 32)),
      tlv(0x92, utf8Bytes(m.profileName, 'profileName', 64)),
      m.iconType === undefined ? undefined : tlv(0x93, encodeIntegerValue(m.iconType)),
      m.icon === undefined ? undefined : tlv(0x94, bytesOf(m.icon, 'icon', [0, 1024])),
      m.profileClass === undefined || m.profileClass === ProfileClass.operational
        ? undefined
        : tlv(0x95, encodeIntegerValue(m.profileClass)),
      m.notificationConfigurationInfo === undefined
        ? undefined
        : tlv(
            0xb6,
            m.notificationConfigurationInfo.map((n, i) =>
              within(`notificationConfigurationInfo[${i}]`, () =>
                tlv(TAG_SEQUENCE, [
                  encodeNamedBits(0x80, n.profileManagementOperation, NOTIFICATION_EVENT_BITS, 'profileManagementOperation'),
                  tlv(0x81, Buffer.from(mandatory(n.notificationAddress, 'notificationAddress'), 'utf8')),
                ]),
              ),
            ),
          ),
      m.profileOwner === undefined
        ? undefined
        : within('profileOwner', () =>
            tlv(0xb7, [
              tlv(0x80, bytesOf(mandatory(m.profileOwner!.mccMnc, 'mccMnc'), 'mccMnc', 3)),
              m.profileOwner!.gid1 === undefined ? undefined : tlv(0x81, bytesOf(m.profileOwner!.gid1, 'gid1')),
              m.profileOwner!.gid2 === undefined ? undefined : tlv(0x82, bytesOf(m.profileOwner!.gid2, 'gid2')),
            ]),
          ),
      m.profilePolicyRules === undefined
        ? undefined
        : encodeNamedBits(0x99, m.profilePolicyRules, PPR_IDS_BITS, 'profilePolicyRules'),
      ...(m.extensions ?? []),
    ]);
  });
}

const KNOWN = [TAG_ICCID, 0x91, 0x92, 0x93, 0x94, 0x95, 0xb6, 0xb7, 0x99];

export function decodeStoreMetadataRequest(input: Buffer): DecodedStoreMetadataRequest {
  return decodeTop(input, TAG_STORE_METADATA, 'StoreMetadataRequest', (t) => {
    const c = kids(t, 'StoreMetadataRequest');
    const out: DecodedStoreMetadataRequest = {
      raw: Buffer.from(t.raw),
      iccid: iccidOf(req(c, TAG_ICCID, 'iccid')),
      serviceProviderName: utf8(req(c, 0x91, 'serviceProviderName'), 'serviceProviderName', 32),
      profileName: utf8(req(c, 0x92, 'profileName'), 'profileName', 64),
      profileClass: ProfileClass.operational,
      extensions: unknownRaw(c, KNOWN),
    };
    const iconType = opt(c, 0x93);
    if (iconType) out.iconType = integer(iconType, 'iconType');
    const icon = opt(c, 0x94);
    if (icon) out.icon = octets(icon, 'icon', [0, 1024]);
    const pc = opt(c, 0x95);
    if (pc) out.profileClass = integer(pc, 'profileClass');
    const nci = opt(c, 0xb6);
    if (nci) {
      out.notificationConfigurationInfo = kids(nci, 'notificationConfigurationInfo').map((e, i) => {
        const what = `notificationConfigurationInfo[${i}]`;
        return within(what, () => {
          if (e.tag !== TAG_SEQUENCE) throw new Asn1Error(`expected tag 30, got ${e.tag.toString(16).toUpperCase()}`);
          const n = kids(e, what);
          return {
            profileManagementOperation: namedBits(
              req(n, 0x80, 'profileManagementOperation'),
              'profileManagementOperation',
              NOTIFICATION_EVENT_BITS,
            ),
            notificationAddress: utf8(req(n, 0x81, 'notificationAddress'), 'notificationAddress'),
          };
        });
      });
    }
    const owner = opt(c, 0xb7);
    if (owner) {
      out.profileOwner = within('profileOwner', () => {
        const o = kids(owner, 'profileOwner');
        const r: OperatorId = { mccMnc: octets(req(o, 0x80, 'mccMnc'), 'mccMnc', 3) };
        const g1 = opt(o, 0x81);
        const g2 = opt(o, 0x82);
        if (g1) r.gid1 = octets(g1, 'gid1');
        if (g2) r.gid2 = octets(g2, 'gid2');
        return r;
      });
    }
    const ppr = opt(c, 0x99);
    if (ppr) out.profilePolicyRules = namedBits(ppr, 'profilePolicyRules', PPR_IDS_BITS);
    return out;
  });
}
