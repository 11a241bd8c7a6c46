/**
 * ES8+.ReplaceSessionKeys (SGP.22 §5.5.4, §2.5.5; digest §4.1).
 *
 *   ReplaceSessionKeysRequest ::= [38] SEQUENCE {          -- BF26
 *     initialMacChainingValue OCTET STRING,                 -- 80 10
 *     ppkEnc OCTET STRING,                                  -- 81 10
 *     ppkCmac OCTET STRING }                                -- 82 10
 *
 * Sent inside the BPP's secondSequenceOf87 (encrypted under the session keys); the 86 segments that follow are
 * protected with PPK-ENC/PPK-CMAC, the block counter restarting at 1 with the given initial MCV. This lets the
 * SM-DP+ protect a profile once and re-bind it cheaply to each eUICC.
 */
import { randomBytes } from 'node:crypto';
import { Asn1Error, children, hexTag, readOne, Tlv, tlv } from '../../asn1/tlv';
import { SessionKeys } from '../../crypto/kdf';
import { BppBuildError, BppCommandId, BppError, ErrorReason } from './bpp-error';

export const TAG_REPLACE_SESSION_KEYS = 0xbf26;

/** The Profile Protection Keys of one protected profile (secret: store encrypted or in an HSM). */
export interface ProfileProtectionKeys {
  initialMacChainingValue: Buffer;
  ppkEnc: Buffer;
  ppkCmac: Buffer;
}

/** Fresh random PPKs (16 bytes each). `random` is injectable for deterministic tests. */
export function generateProfileProtectionKeys(random: (n: number) => Buffer = randomBytes): ProfileProtectionKeys {
  return { initialMacChainingValue: random(16), ppkEnc: random(16), ppkCmac: random(16) };
}

/** PPK → the key set a BspSession takes. */
export function ppkAsSessionKeys(ppk: ProfileProtectionKeys): SessionKeys {
  return { sEnc: ppk.ppkEnc, sMac: ppk.ppkCmac, initialMacChainingValue: ppk.initialMacChainingValue };
}

export function encodeReplaceSessionKeysRequest(ppk: ProfileProtectionKeys): Buffer {
  for (const [name, v] of Object.entries({
    initialMacChainingValue: ppk.initialMacChainingValue,
    ppkEnc: ppk.ppkEnc,
    ppkCmac: ppk.ppkCmac,
  })) {
    if (!Buffer.isBuffer(v) || v.length !== 16) throw new BppBuildError(`${name} must be 16 bytes`);
  }
  return tlv(TAG_REPLACE_SESSION_KEYS, [
    tlv(0x80, ppk.initialMacChainingValue),
    tlv(0x81, ppk.ppkEnc),
    tlv(0x82, ppk.ppkCmac),
  ]);
}

/** Decodes BF26; failures are BppError(replaceSessionKeys, incorrectInputValues). */
export function parseReplaceSessionKeysRequest(input: Buffer | Tlv): ProfileProtectionKeys {
  try {
    const t = Buffer.isBuffer(input) ? readOne(input, TAG_REPLACE_SESSION_KEYS, 'ReplaceSessionKeysRequest') : input;
    if (t.tag !== TAG_REPLACE_SESSION_KEYS) throw new Asn1Error(`expected BF26, got ${hexTag(t.tag)}`);
    const c = children(t);
    if (c.length < 3 || c[0].tag !== 0x80 || c[1].tag !== 0x81 || c[2].tag !== 0x82) {
      throw new Asn1Error('expected 80, 81, 82');
    }
    if (c.slice(0, 3).some((x) => x.value.length !== 16)) throw new Asn1Error('keys and MCV must be 16 bytes');
    return {
      initialMacChainingValue: Buffer.from(c[0].value),
      ppkEnc: Buffer.from(c[1].value),
      ppkCmac: Buffer.from(c[2].value),
    };
  } catch (e) {
    if (e instanceof Asn1Error) {
      throw new BppError(
        BppCommandId.replaceSessionKeys,
        ErrorReason.incorrectInputValues,
        `ReplaceSessionKeys: ${e.message}`,
      );
    }
    throw e;
  }
}
