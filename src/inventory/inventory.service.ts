/**
 * Profile inventory (issue 3 §2): import of unprotected profile packages, stored encrypted at rest; per
 * profile type the metadata shown to the eUICC; a profile's state and audit trail.
 *
 * The package content (Ki/OPc live in it) is never logged and never leaves this service except decrypted
 * for the download flow (`getProfilePackage`).
 */
import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RspError } from '../common/rsp-error';
import { buf, Db, inTransaction, sqlState, UNIQUE_VIOLATION } from './db';
import { inspectProfilePackage } from './profile-package';
import {
  NotificationConfig,
  pprBitsFromNames,
  pprNamesFromBits,
  ProfileTypeMetadata,
  validateMetadata,
} from './profile-metadata';
import { activeOrderOfProfile, AuditEvent, auditTrail, OrderRow, profileByIccid, ProfileRow } from './profile-store';
import { ProfileVault } from './profile-vault';
import { prepared } from '../database/prepared-statements';
import type { StoredProfileColumns } from '../rsp/download.port';

export interface ImportResult {
  profileId: string;
  iccid: string;
  profileType: string;
  majorVersion: number;
  minorVersion: number;
  warnings: string[];
}

export interface BatchImportItem {
  /** File name or index, echoed in the result. */
  name: string;
  der: Buffer;
}

export type BatchImportResult =
  | ({ name: string; ok: true } & ImportResult)
  | { name: string; ok: false; code: string; error: string };

export interface ProfileView {
  iccid: string;
  profileType: string;
  state: string;
  majorVersion?: number;
  minorVersion?: number;
  createdAt: Date;
  updatedAt: Date;
  order?: Pick<OrderRow, 'eid' | 'matchingId' | 'state' | 'expiresAt' | 'downloadAttempts' | 'ccAttempts' | 'releasedAt'> & {
    confirmationCodeRequired: boolean;
  };
  events: AuditEvent[];
}

/** The protected profile package the download flow stores once per profile ("protect once, bind cheaply"). */
export interface StoredProtectedProfile {
  ppk: { ppkEnc: Buffer; ppkCmac: Buffer; initialMacChainingValue: Buffer };
  segments: Buffer[];
}

export const ICCID_PATTERN = /^[0-9]{19,20}$/;

/** ICCID as given over ES2+ (19-20 digits, a trailing F padding allowed) → digits; else 1.6/2.1. */
export function normaliseIccid(iccid: unknown, what = 'iccid'): string {
  if (typeof iccid !== 'string') throw new RspError('1.6', '2.1', `Invalid parameter: ${what}`);
  const d = iccid.toUpperCase().replace(/F$/, '');
  if (!/^[0-9]{18,20}$/.test(d)) throw new RspError('1.6', '2.1', `Invalid parameter: ${what} must be 19-20 digits`);
  return d;
}

type Row = Record<string, unknown>;

@Injectable()
export class InventoryService {
  constructor(
    private readonly db: DataSource,
    @Inject(ProfileVault) private readonly vault: ProfileVault,
  ) {}

  /**
   * Imports one unprotected profile package for an operator. Refuses a malformed package (1.6/2.1, the
   * message says why) and a duplicate ICCID (8.2.1/3.3, "duplicate ICCID …").
   */
  async importProfile(operatorId: string, der: Buffer, opts: { profileType?: string; actor?: string } = {}): Promise<ImportResult> {
    const info = inspectProfilePackage(der);
    const profileType = (opts.profileType ?? info.profileType ?? 'default').trim();
    if (!profileType || profileType.length > 128) throw new RspError('1.6', '2.1', 'Invalid parameter: profileType');
    const duplicate = () =>
      new RspError('8.2.1', '3.3', `Duplicate ICCID ${info.iccid}: a profile with this ICCID is already in the inventory`, info.iccid);
    // Checked first for a clean answer; the unique index still decides a race.
    const [exists] = await this.db.query(`SELECT 1 FROM profiles WHERE iccid = $1`, [info.iccid]);
    if (exists) throw duplicate();
    const sealed = this.vault.seal(der, `profile:${info.iccid}`);
    try {
      return await inTransaction(this.db, async (m) => {
        await m.query(
          `INSERT INTO profile_types (operator_id, name, service_provider_name, profile_name)
           SELECT $1, $2, o.name, $2 FROM operators o WHERE o.id = $1
           ON CONFLICT (operator_id, name) DO NOTHING`,
          [operatorId, profileType],
        );
        const [r] = await m.query(
          `INSERT INTO profiles (operator_id, iccid, profile_type, major_version, minor_version,
                                 package_ciphertext, package_iv, package_tag, package_sha256, package_size)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id::text AS id`,
          [
            operatorId,
            info.iccid,
            profileType,
            info.majorVersion,
            info.minorVersion,
            sealed.ciphertext,
            sealed.iv,
            sealed.tag,
            createHash('sha256').update(der).digest(),
            der.length,
          ],
        );
        await m.query(
          `INSERT INTO profile_events (profile_id, to_state, actor, detail) VALUES ($1, 'Available', $2, $3)`,
          [r.id, opts.actor ?? 'import', JSON.stringify({ import: { profileType, size: der.length } })],
        );
        return {
          profileId: String(r.id),
          iccid: info.iccid,
          profileType,
          majorVersion: info.majorVersion,
          minorVersion: info.minorVersion,
          warnings: info.warnings,
        };
      });
    } catch (e) {
      if (sqlState(e) === UNIQUE_VIOLATION) throw duplicate();
      throw e;
    }
  }

  async countProfiles(operatorId: string): Promise<number> {
    const [r] = await this.db.query(`SELECT count(*)::int AS n FROM profiles WHERE operator_id = $1`, [operatorId]);
    return Number(r.n);
  }

  /** Imports several packages; each one succeeds or fails on its own. */
  async importProfiles(operatorId: string, items: BatchImportItem[], opts: { profileType?: string; actor?: string } = {}): Promise<BatchImportResult[]> {
    const out: BatchImportResult[] = [];
    for (const it of items) {
      try {
        out.push({ name: it.name, ok: true, ...(await this.importProfile(operatorId, it.der, opts)) });
      } catch (e) {
        if (!(e instanceof RspError)) throw e;
        out.push({ name: it.name, ok: false, code: e.code, error: e.message });
      }
    }
    return out;
  }

  /** Creates or replaces the metadata of one of the operator's profile types. */
  async setProfileTypeMetadata(operatorId: string, name: string, input: Partial<ProfileTypeMetadata>): Promise<ProfileTypeMetadata> {
    const m = validateMetadata(input);
    if (!name || name.length > 128) throw new RspError('1.6', '2.1', 'Invalid parameter: profile type name');
    await this.db.query(
      `INSERT INTO profile_types (operator_id, name, service_provider_name, profile_name, icon_type, icon, profile_class,
                                  ppr_ids, notification_config)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (operator_id, name) DO UPDATE SET service_provider_name = EXCLUDED.service_provider_name,
         profile_name = EXCLUDED.profile_name, icon_type = EXCLUDED.icon_type, icon = EXCLUDED.icon,
         profile_class = EXCLUDED.profile_class, ppr_ids = EXCLUDED.ppr_ids,
         notification_config = EXCLUDED.notification_config, updated_at = now()`,
      [
        operatorId,
        name,
        m.serviceProviderName,
        m.profileName,
        m.iconType === undefined ? null : m.iconType === 'png' ? 1 : 0,
        m.icon ?? null,
        m.profileClass,
        pprBitsFromNames(m.pprIds ?? []),
        m.notificationConfig ? JSON.stringify(m.notificationConfig) : null,
      ],
    );
    return m;
  }

  async getProfileTypeMetadata(operatorId: string, name: string, db: Db = this.db): Promise<ProfileTypeMetadata | undefined> {
    const [r] = await db.query(`SELECT * FROM profile_types WHERE operator_id = $1 AND name = $2`, [operatorId, name]);
    return r ? metadataFromRow(r) : undefined;
  }

  async listProfileTypes(operatorId: string): Promise<Array<{ name: string; available: number; total: number }>> {
    const rows: Row[] = await this.db.query(
      `SELECT t.name,
              (SELECT count(*) FROM profiles p WHERE p.operator_id = t.operator_id AND p.profile_type = t.name AND p.state = 'Available')::int AS available,
              (SELECT count(*) FROM profiles p WHERE p.operator_id = t.operator_id AND p.profile_type = t.name)::int AS total
         FROM profile_types t WHERE t.operator_id = $1 ORDER BY t.name`,
      [operatorId],
    );
    return rows.map((r) => ({ name: String(r.name), available: Number(r.available), total: Number(r.total) }));
  }

  /**
   * A profile's state, current order and audit trail, for its owner only: another operator's profile gives
   * 8.2.1/1.2, an unknown one 8.2.1/3.9 (digest §3.3).
   */
  async getProfile(operatorId: string, iccidInput: string): Promise<ProfileView> {
    const iccid = normaliseIccid(iccidInput);
    const p = await this.ownedProfile(this.db, operatorId, iccid);
    const o = await activeOrderOfProfile(this.db, p.id);
    return {
      iccid: p.iccid,
      profileType: p.profileType,
      state: p.state,
      majorVersion: p.majorVersion,
      minorVersion: p.minorVersion,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      order: o && {
        eid: o.eid,
        matchingId: o.matchingId,
        state: o.state,
        expiresAt: o.expiresAt,
        downloadAttempts: o.downloadAttempts,
        ccAttempts: o.ccAttempts,
        releasedAt: o.releasedAt,
        confirmationCodeRequired: !!o.ccHash,
      },
      events: await auditTrail(this.db, p.id),
    };
  }

  /** The operator's profile, or 8.2.1/3.9 (unknown) / 8.2.1/1.2 (another operator's). */
  async ownedProfile(db: Db, operatorId: string, iccid: string, lock = false): Promise<ProfileRow> {
    const p = await profileByIccid(db, iccid, lock);
    if (!p) throw new RspError('8.2.1', '3.9', `ICCID ${iccid} unknown`, iccid);
    if (p.operatorId !== operatorId) throw new RspError('8.2.1', '1.2', 'Function caller is not allowed to perform this function on the target Profile', iccid);
    return p;
  }

  /** The unprotected profile package, decrypted (for the download flow only). */
  async getProfilePackage(profileId: string): Promise<Buffer> {
    const [r] = await this.db.query(
      `SELECT iccid, package_ciphertext, package_iv, package_tag FROM profiles WHERE id = $1`,
      [profileId],
    );
    if (!r) throw new RspError('8.2.1', '3.9', 'Profile unknown');
    return this.openPackage({
      iccid: String(r.iccid),
      packageCiphertext: buf(r.package_ciphertext),
      packageIv: buf(r.package_iv),
      packageTag: buf(r.package_tag),
    });
  }

  /** Stores the once-protected profile package and its keys, encrypted at rest. */
  async storeProtectedProfile(profileId: string, p: StoredProtectedProfile): Promise<void> {
    const framed = Buffer.concat(
      p.segments.flatMap((s) => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(s.length);
        return [len, s];
      }),
    );
    const keys = Buffer.from(
      JSON.stringify({
        ppkEnc: p.ppk.ppkEnc.toString('base64'),
        ppkCmac: p.ppk.ppkCmac.toString('base64'),
        initialMacChainingValue: p.ppk.initialMacChainingValue.toString('base64'),
      }),
    );
    await this.db.query(`UPDATE profiles SET ppk_protected = $2, ppk_keys_ciphertext = $3, updated_at = now() WHERE id = $1`, [
      profileId,
      this.vault.sealBlob(framed, `ppk-segments:${profileId}`),
      this.vault.sealBlob(keys, `ppk-keys:${profileId}`),
    ]);
  }

  /** The stored protected profile package, or undefined when none was stored yet. */
  async getProtectedProfile(profileId: string): Promise<StoredProtectedProfile | undefined> {
    const [r] = await this.db.query(`SELECT ppk_protected, ppk_keys_ciphertext FROM profiles WHERE id = $1`, [profileId]);
    if (!r || r.ppk_protected == null || r.ppk_keys_ciphertext == null) return undefined;
    return this.openProtected(profileId, r);
  }

  /**
   * The stored protected profile package or, when none was stored yet, the unprotected package (decrypted) to
   * protect — one statement (issue 6: the first binding of a profile read them one after the other).
   */
  async getProtectedProfileOrPackage(profileId: string): Promise<{ protected: StoredProtectedProfile } | { package: Buffer }> {
    const [r] = await this.db.query(
      prepared(`SELECT ppk_protected, ppk_keys_ciphertext, iccid,
              CASE WHEN ppk_protected IS NULL OR ppk_keys_ciphertext IS NULL THEN package_ciphertext END AS package_ciphertext,
              package_iv, package_tag
         FROM profiles WHERE id = $1`),
      [profileId],
    );
    if (!r) throw new RspError('8.2.1', '3.9', 'Profile unknown');
    return this.openStoredProfile(profileId, {
      iccid: String(r.iccid),
      ppkProtected: buf(r.ppk_protected),
      ppkKeysCiphertext: buf(r.ppk_keys_ciphertext),
      packageCiphertext: buf(r.package_ciphertext),
      packageIv: buf(r.package_iv),
      packageTag: buf(r.package_tag),
    });
  }

  /**
   * Opens a profile's stored columns (read elsewhere, e.g. with the RSP session): the stored protection when
   * there is one (unless `want.package`), else the decrypted package.
   */
  openStoredProfile(
    profileId: string,
    c: StoredProfileColumns,
    want: { package?: boolean } = {},
  ): { protected: StoredProtectedProfile } | { package: Buffer } {
    if (!want.package && c.ppkProtected && c.ppkKeysCiphertext) {
      return { protected: this.openProtected(profileId, { ppk_protected: c.ppkProtected, ppk_keys_ciphertext: c.ppkKeysCiphertext }) };
    }
    return { package: this.openPackage(c) };
  }

  /** The unprotected package from its stored columns (AES-256-GCM, bound to the ICCID). */
  private openPackage(c: StoredProfileColumns): Buffer {
    if (!c.packageCiphertext || !c.packageIv || !c.packageTag) throw new RspError('8.2.1', '3.9', 'Profile package unavailable');
    return this.vault.open({ ciphertext: c.packageCiphertext, iv: c.packageIv, tag: c.packageTag }, `profile:${c.iccid}`);
  }

  private openProtected(profileId: string, r: { ppk_protected: unknown; ppk_keys_ciphertext: unknown }): StoredProtectedProfile {
    const framed = this.vault.openBlob(buf(r.ppk_protected)!, `ppk-segments:${profileId}`);
    const segments: Buffer[] = [];
    for (let p = 0; p < framed.length; ) {
      const n = framed.readUInt32BE(p);
      segments.push(framed.subarray(p + 4, p + 4 + n));
      p += 4 + n;
    }
    const k = JSON.parse(this.vault.openBlob(buf(r.ppk_keys_ciphertext)!, `ppk-keys:${profileId}`).toString());
    return {
      ppk: {
        ppkEnc: Buffer.from(k.ppkEnc, 'base64'),
        ppkCmac: Buffer.from(k.ppkCmac, 'base64'),
        initialMacChainingValue: Buffer.from(k.initialMacChainingValue, 'base64'),
      },
      segments,
    };
  }
}

export function metadataFromRow(r: Row): ProfileTypeMetadata {
  const iconType = r.icon_type == null ? undefined : Number(r.icon_type) === 1 ? 'png' : 'jpg';
  const nc = r.notification_config;
  return {
    serviceProviderName: String(r.service_provider_name),
    profileName: String(r.profile_name),
    iconType,
    icon: buf(r.icon),
    profileClass: r.profile_class as ProfileTypeMetadata['profileClass'],
    pprIds: pprNamesFromBits(Number(r.ppr_ids)),
    notificationConfig: nc == null ? undefined : ((typeof nc === 'string' ? JSON.parse(nc) : nc) as NotificationConfig[]),
  };
}
