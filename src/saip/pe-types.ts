/**
 * The ProfileElement CHOICE of the TCA eUICC Profile Package: Interoperable Format (PEDefinitions,
 * AUTOMATIC TAGS, EXTENSIBILITY IMPLIED; v2.3 as used by TS.48 v7, names and later additions from v3.3.1):
 *
 * ```asn1
 * ProfileElement ::= CHOICE {
 *   header ProfileHeader,                                   -- [0]  A0
 *   genericFileManagement PE-GenericFileManagement,         -- [1]  A1
 *   pinCodes PE-PINCodes, pukCodes PE-PUKCodes,             -- [2]  A2, [3] A3
 *   akaParameter PE-AKAParameter, cdmaParameter PE-CDMAParameter,   -- [4] A4, [5] A5
 *   securityDomain PE-SecurityDomain, rfm PE-RFM,           -- [6]  A6, [7] A7
 *   application PE-Application, nonStandard PE-NonStandard, -- [8]  A8, [9] A9
 *   end PE-End,                                             -- [10] AA
 *   rfu1 .. rfu5 PE-Dummy,                                  -- [11..15] AB..AF
 *   mf PE-MF, cd PE-CD, telecom PE-TELECOM, usim PE-USIM, opt-usim PE-OPT-USIM, isim PE-ISIM,
 *   opt-isim PE-OPT-ISIM, phonebook PE-PHONEBOOK, gsm-access PE-GSM-ACCESS, csim PE-CSIM,
 *   opt-csim PE-OPT-CSIM, eap PE-EAP,                       -- [16..27] B0..BB
 *   df-5gs PE-DF-5GS, df-saip PE-DF-SAIP, df-snpn PE-DF-SNPN, -- [28] BC, [29] BD, [30] BE
 *   df-5gprose PE-DF-5GPROSE, iot PE-IoT, opt-iot PE-OPT-IoT, -- [31] BF1F, [32] BF20, [33] BF21
 *   ... }
 * ```
 * A tag beyond this table (a newer version of the format) is kept as an `unknown` element, raw.
 */

export const PE_TYPE_NAMES = [
  'header', 'genericFileManagement', 'pinCodes', 'pukCodes', 'akaParameter', 'cdmaParameter', 'securityDomain',
  'rfm', 'application', 'nonStandard', 'end', 'rfu1', 'rfu2', 'rfu3', 'rfu4', 'rfu5',
  'mf', 'cd', 'telecom', 'usim', 'opt-usim', 'isim', 'opt-isim', 'phonebook', 'gsm-access', 'csim', 'opt-csim', 'eap',
  'df-5gs', 'df-saip', 'df-snpn', 'df-5gprose', 'iot', 'opt-iot',
] as const;

export type KnownPeType = (typeof PE_TYPE_NAMES)[number];
export type PeType = KnownPeType | 'unknown';

/**
 * Context-specific tag number of a BER tag as our TLV layer reports it (0x83 → 3, 0xA4 → 4, 0xBF1F → 31,
 * 0x9F20 → 32), or undefined when the tag is not context-specific.
 */
export function contextNumber(tag: number): number | undefined {
  if (tag <= 0xff) {
    if ((tag & 0xc0) !== 0x80 || (tag & 0x1f) === 0x1f) return undefined;
    return tag & 0x1f;
  }
  if (tag <= 0xffff) {
    const first = tag >> 8;
    if ((first & 0xc0) !== 0x80 || (first & 0x1f) !== 0x1f) return undefined;
    const n = tag & 0xff;
    return n & 0x80 ? undefined : n;
  }
  const first = Math.floor(tag / 0x10000) & 0xff;
  if ((first & 0xc0) !== 0x80 || (first & 0x1f) !== 0x1f) return undefined;
  const b1 = (tag >> 8) & 0xff;
  const b2 = tag & 0xff;
  if (!(b1 & 0x80) || b2 & 0x80) return undefined;
  return (b1 & 0x7f) * 128 + b2;
}

/** The tag a ProfileElement CHOICE alternative carries (constructed, context-specific). */
export function peTagFor(type: KnownPeType): number {
  const n = PE_TYPE_NAMES.indexOf(type);
  return n < 31 ? 0xa0 | n : 0xbf00 | n;
}

/** The CHOICE alternative name for a top-level tag; 'unknown' for a later extension; undefined when the tag is
 * not a constructed context tag at all (not a ProfileElement). */
export function peTypeForTag(tag: number): PeType | undefined {
  const n = contextNumber(tag);
  if (n === undefined) return undefined;
  const firstByte = tag <= 0xff ? tag : tag <= 0xffff ? tag >> 8 : Math.floor(tag / 0x10000) & 0xff;
  if (!(firstByte & 0x20)) return undefined;
  return n < PE_TYPE_NAMES.length ? PE_TYPE_NAMES[n] : 'unknown';
}

/**
 * Component names of the file-system PEs, by position (= automatic context tag). Each is a
 * `SEQUENCE { <x>-header PEHeader, templateID OBJECT IDENTIFIER, <files> File … }`.
 * Template OIDs 2.23.143.1.2.x (TCA Interoperable Profile Annex A).
 */
export const FILE_SYSTEM_PE_FIELDS: Partial<Record<KnownPeType, readonly string[]>> = {
  mf: ['mf-header', 'templateID', 'mf', 'ef-pl', 'ef-iccid', 'ef-dir', 'ef-arr', 'ef-umpc'],
  cd: ['cd-header', 'templateID', 'df-cd', 'ef-launchpad', 'ef-icon'],
  telecom: [
    'telecom-header', 'templateID', 'df-telecom', 'ef-arr', 'ef-rma', 'ef-sume', 'ef-ice-dn', 'ef-ice-ff', 'ef-psismsc',
    'df-graphics', 'ef-img', 'ef-iidf', 'ef-ice-graphics', 'ef-launch-scws', 'ef-icon', 'df-phonebook', 'ef-pbr',
    'ef-ext1', 'ef-aas', 'ef-gas', 'ef-psc', 'ef-cc', 'ef-puid', 'ef-iap', 'ef-adn', 'ef-pbc', 'ef-anr', 'ef-puri',
    'ef-email', 'ef-sne', 'ef-uid', 'ef-grp', 'ef-ccp1', 'df-multimedia', 'ef-mml', 'ef-mmdf', 'df-mmss', 'ef-mlpl',
    'ef-mspl', 'ef-mmssmode', 'df-mcs', 'ef-mst', 'ef-mcs-config', 'df-v2x', 'ef-vst', 'ef-v2x-config', 'ef-v2xp-pc5',
    'ef-v2xp-Uu',
  ],
  usim: [
    'usim-header', 'templateID', 'adf-usim', 'ef-imsi', 'ef-arr', 'ef-keys', 'ef-keysPS', 'ef-hpplmn', 'ef-ust',
    'ef-fdn', 'ef-sms', 'ef-smsp', 'ef-smss', 'ef-spn', 'ef-est', 'ef-start-hfn', 'ef-threshold', 'ef-psloci',
    'ef-acc', 'ef-fplmn', 'ef-loci', 'ef-ad', 'ef-ecc', 'ef-netpar', 'ef-epsloci', 'ef-epsnsc',
  ],
  'opt-usim': [
    'optusim-header', 'templateID', 'ef-li', 'ef-acmax', 'ef-acm', 'ef-gid1', 'ef-gid2', 'ef-msisdn', 'ef-puct',
    'ef-cbmi', 'ef-cbmid', 'ef-sdn', 'ef-ext2', 'ef-ext3', 'ef-cbmir', 'ef-plmnwact', 'ef-oplmnwact', 'ef-hplmnwact',
    'ef-dck', 'ef-cnl', 'ef-smsr', 'ef-bdn', 'ef-ext5', 'ef-ccp2', 'ef-ext4', 'ef-acl', 'ef-cmi', 'ef-ici', 'ef-oci',
    'ef-ict', 'ef-oct', 'ef-vgcs', 'ef-vgcss', 'ef-vbs', 'ef-vbss', 'ef-emlpp', 'ef-aaem', 'ef-hiddenkey', 'ef-pnn',
    'ef-opl', 'ef-mbdn', 'ef-ext6', 'ef-mbi', 'ef-mwis', 'ef-cfis', 'ef-ext7', 'ef-spdi', 'ef-mmsn', 'ef-ext8',
    'ef-mmsicp', 'ef-mmsup', 'ef-mmsucp', 'ef-nia', 'ef-vgcsca', 'ef-vbsca', 'ef-gbabp', 'ef-msk', 'ef-muk',
    'ef-ehplmn', 'ef-gbanl', 'ef-ehplmnpi', 'ef-lrplmnsi', 'ef-nafkca', 'ef-spni', 'ef-pnni', 'ef-ncp-ip', 'ef-ufc',
    'ef-nasconfig', 'ef-uicciari', 'ef-pws', 'ef-fdnuri', 'ef-bdnuri', 'ef-sdnuri', 'ef-ial', 'ef-ips', 'ef-ipd',
    'ef-epdgid', 'ef-epdgselection', 'ef-epdgidem', 'ef-epdgselectionem', 'ef-frompreferred', 'ef-imsconfigdata',
    'ef-3gpppsdataoff', 'ef-3gpppsdataoffservicelist', 'ef-xcapconfigdata', 'ef-earfcnlist', 'ef-mudmidconfigdata',
    'ef-eaka',
  ],
  phonebook: [
    'phonebook-header', 'templateID', 'df-phonebook', 'ef-pbr', 'ef-ext1', 'ef-aas', 'ef-gas', 'ef-psc', 'ef-cc',
    'ef-puid', 'ef-iap', 'ef-adn', 'ef-pbc', 'ef-anr', 'ef-puri', 'ef-email', 'ef-sne', 'ef-uid', 'ef-grp', 'ef-ccp1',
  ],
  'gsm-access': ['gsm-access-header', 'templateID', 'df-gsm-access', 'ef-kc', 'ef-kcgprs', 'ef-cpbcch', 'ef-invscan'],
  'df-5gs': [
    'df-5gs-header', 'templateID', 'df-df-5gs', 'ef-5gs3gpploci', 'ef-5gsn3gpploci', 'ef-5gs3gppnsc',
    'ef-5gsn3gppnsc', 'ef-5gauthkeys', 'ef-uac-aic', 'ef-suci-calc-info', 'ef-opl5g', 'ef-supinai',
    'ef-routing-indicator', 'ef-ursp', 'ef-tn3gppsnn', 'ef-cag', 'ef-sor-cmci', 'ef-dri', 'ef-5gsedrx',
    'ef-5gnswo-conf', 'ef-mchpplmn', 'ef-kausf-derivation',
  ],
  'df-saip': ['df-saip-header', 'templateID', 'df-df-saip', 'ef-suci-calc-info-usim'],
  'df-snpn': ['df-snpn-header', 'templateID', 'df-df-snpn', 'ef-pws-snpn'],
  'df-5gprose': [
    'df-5g-prose-header', 'templateID', 'df-df-5g-prose', 'ef-5g-prose-st', 'ef-5g-prose-dd', 'ef-5g-prose-dc',
    'ef-5g-prose-u2nru', 'ef-5g-prose-ru', 'ef-5g-prose-uir',
  ],
  isim: ['isim-header', 'templateID', 'adf-isim', 'ef-impi', 'ef-impu', 'ef-domain', 'ef-ist', 'ef-ad', 'ef-arr'],
  'opt-isim': [
    'optisim-header', 'templateID', 'ef-pcscf', 'ef-sms', 'ef-smsp', 'ef-smss', 'ef-smsr', 'ef-gbabp', 'ef-gbanl',
    'ef-nafkca', 'ef-uicciari', 'ef-frompreferred', 'ef-imsconfigdata', 'ef-xcapconfigdata', 'ef-webrtcuri',
    'ef-mudmidconfigdata',
  ],
  csim: [
    'csim-header', 'templateID', 'adf-csim', 'ef-arr', 'ef-call-count', 'ef-imsi-m', 'ef-imsi-t', 'ef-tmsi', 'ef-ah',
    'ef-aop', 'ef-aloc', 'ef-cdmahome', 'ef-znregi', 'ef-snregi', 'ef-distregi', 'ef-accolc', 'ef-term', 'ef-acp',
    'ef-prl', 'ef-ruimid', 'ef-csim-st', 'ef-spc', 'ef-otapaspc', 'ef-namlock', 'ef-ota', 'ef-sp', 'ef-esn-meid-me',
    'ef-li', 'ef-usgind', 'ef-ad', 'ef-max-prl', 'ef-spcs', 'ef-mecrp', 'ef-home-tag', 'ef-group-tag',
    'ef-specific-tag', 'ef-call-prompt',
  ],
  'opt-csim': [
    'optcsim-header', 'templateID', 'ef-ssci', 'ef-fdn', 'ef-sms', 'ef-smsp', 'ef-smss', 'ef-ssfc', 'ef-spn', 'ef-mdn',
    'ef-ecc', 'ef-me3gpdopc', 'ef-3gpdopm', 'ef-sipcap', 'ef-mipcap', 'ef-sipupp', 'ef-mipupp', 'ef-sipsp',
    'ef-mipsp', 'ef-sippapss', 'ef-puzl', 'ef-maxpuzl', 'ef-hrpdcap', 'ef-hrpdupp', 'ef-csspr', 'ef-atc', 'ef-eprl',
    'ef-bcsmscfg', 'ef-bcsmspref', 'ef-bcsmstable', 'ef-bcsmsp', 'ef-bakpara', 'ef-upbakpara', 'ef-mmsn', 'ef-ext8',
    'ef-mmsicp', 'ef-mmsup', 'ef-mmsucp', 'ef-auth-capability', 'ef-3gcik', 'ef-dck', 'ef-gid1', 'ef-gid2',
    'ef-cdmacnl', 'ef-sf-euimid', 'ef-est', 'ef-hidden-key', 'ef-lcsver', 'ef-lcscp', 'ef-sdn', 'ef-ext2', 'ef-ext3',
    'ef-ici', 'ef-oci', 'ef-ext5', 'ef-ccp2', 'ef-applabels', 'ef-model', 'ef-rc', 'ef-smscap', 'ef-mipflags',
    'ef-3gpduppext', 'ef-ipv6cap', 'ef-tcpconfig', 'ef-dgc', 'ef-wapbrowsercp', 'ef-wapbrowserbm', 'ef-mmsconfig',
    'ef-jdl',
  ],
  eap: ['eap-header', 'templateID', 'df-eap', 'ef-eapkeys', 'ef-eapstatus', 'ef-puid', 'ef-ps', 'ef-curid', 'ef-reid', 'ef-realm'],
  iot: [
    'iot-header', 'templateID', 'mf', 'ef-pl', 'ef-iccid', 'ef-dir', 'ef-arr', 'ef-umpc', 'adf-usim', 'ef-imsi',
    'ef-arr-usim', 'ef-keys', 'ef-keysPS', 'ef-hpplmn', 'ef-ust', 'ef-start-hfn', 'ef-threshold', 'ef-psloci', 'ef-acc',
    'ef-fplmn', 'ef-loci', 'ef-ad', 'ef-ecc', 'ef-netpar',
  ],
  'opt-iot': [
    'optiot-header', 'templateID', 'ef-fdn', 'ef-sms', 'ef-smsp', 'ef-smss', 'ef-spn', 'ef-est', 'ef-oplmnwact',
    'ef-hplmnwact', 'ef-ehplmn', 'ef-epsloci', 'ef-epsnsc', 'df-df-5gs', 'ef-5gs3gpploci', 'ef-5gsn3gpploci',
    'ef-5gs3gppnsc', 'ef-5gsn3gppnsc', 'ef-5gauthkeys', 'ef-uac-aic', 'ef-suci-calc-info', 'ef-opl5g', 'ef-supi-nai',
    'ef-routing-indicator', 'ef-ursp', 'ef-tn3gppsnn', 'df-df-saip', 'ef-suci-calc-info-usim',
  ],
};

/** Template OIDs (TCA Interoperable Profile Annex A), arc 2.23.143.1.2. */
export const TEMPLATE_OID_ARC = '2.23.143.1.2';

/**
 * ServicesList (ProfileHeader.eUICC-Mandatory-services): `SEQUENCE { contactless NULL OPTIONAL, usim …, … }`,
 * every component a NULL whose automatic context tag is its position.
 */
export const SERVICE_NAMES = [
  'contactless', 'usim', 'isim', 'csim', 'milenage', 'tuak128', 'cave', 'gba-usim', 'gba-isim', 'mbms', 'eap',
  'javacard', 'multos', 'multiple-usim', 'multiple-isim', 'multiple-csim', 'tuak256', 'usim-test-algorithm', 'ber-tlv',
  'dfLink', 'cat-tp', 'get-identity', 'profile-a-x25519', 'profile-b-p256', 'suciCalculatorApi', 'dns-resolution',
  'scp11ac', 'scp11c-authorization-mechanism', 's16mode', 'eaka',
] as const;

/** PINKeyReferenceValue (PEDefinitions). */
export const PIN_KEY_REFERENCES: Readonly<Record<number, string>> = {
  1: 'pinAppl1', 2: 'pinAppl2', 3: 'pinAppl3', 4: 'pinAppl4', 5: 'pinAppl5', 6: 'pinAppl6', 7: 'pinAppl7', 8: 'pinAppl8',
  10: 'adm1', 11: 'adm2', 12: 'adm3', 13: 'adm4', 14: 'adm5',
  129: 'secondPINAppl1', 130: 'secondPINAppl2', 131: 'secondPINAppl3', 132: 'secondPINAppl4', 133: 'secondPINAppl5',
  134: 'secondPINAppl6', 135: 'secondPINAppl7', 136: 'secondPINAppl8',
  138: 'adm6', 139: 'adm7', 140: 'adm8', 141: 'adm9', 142: 'adm10',
};

/** PUKKeyReferenceValue (PEDefinitions). */
export const PUK_KEY_REFERENCES: Readonly<Record<number, string>> = {
  1: 'pukAppl1', 2: 'pukAppl2', 3: 'pukAppl3', 4: 'pukAppl4', 5: 'pukAppl5', 6: 'pukAppl6', 7: 'pukAppl7', 8: 'pukAppl8',
  129: 'secondPUKAppl1', 130: 'secondPUKAppl2', 131: 'secondPUKAppl3', 132: 'secondPUKAppl4', 133: 'secondPUKAppl5',
  134: 'secondPUKAppl6', 135: 'secondPUKAppl7', 136: 'secondPUKAppl8',
};

/** AlgoParameter.algorithmID. */
export const ALGORITHM_IDS: Readonly<Record<number, string>> = { 1: 'milenage', 2: 'tuak', 3: 'usim-test-algorithm' };
