import type { SessionChange } from './rsp-session.store';

/**
 * What the ES9+ download flow needs from the inventory (orders, profiles, the operator's outbox).
 * Implemented over the inventory services by InventoryDownloadAdapter; faked in unit tests.
 */
export interface ProfileMetadataInput {
  serviceProviderName: string;
  profileName: string;
  iconType?: 'jpg' | 'png';
  icon?: Buffer;
  /** test | provisioning | operational (SGP.22 §2.4.2 ProfileClass). */
  profileClass: 'test' | 'provisioning' | 'operational';
  /** PprIds bit names: pprUpdateControl, ppr1, ppr2. */
  pprIds?: string[];
}

export interface DownloadCandidate {
  orderId: string;
  profileId: string;
  operatorId: string;
  iccid: string;
  eid?: string;
  matchingId?: string;
  /** SHA-256 of the Confirmation Code, when the order has one. */
  ccHash?: Buffer;
  profileType: string;
  /** Size of the unprotected profile package, for the eUICC memory check. */
  packageSize?: number;
  metadata: ProfileMetadataInput;
  /** 'Released', or 'Downloaded' when the same eUICC comes back for a package it lost (a new binding). */
  state?: string;
}

/**
 * A profile's stored package columns as read with the session (issue 6: one statement fewer in
 * GetBoundProfilePackage): still encrypted at rest; only the inventory opens them.
 */
export interface StoredProfileColumns {
  iccid: string;
  ppkProtected?: Buffer;
  ppkKeysCiphertext?: Buffer;
  /** Only read when no protection is stored. */
  packageCiphertext?: Buffer;
  packageIv?: Buffer;
  packageTag?: Buffer;
}

export interface ProtectedProfile {
  ppk: { ppkEnc: Buffer; ppkCmac: Buffer; initialMacChainingValue: Buffer };
  segments: Buffer[];
}

/** Who a progress event is about, when the caller already knows it (saves reading the order again). */
export interface ProgressSubject {
  operatorId: string;
  iccid: string;
  eid?: string;
  profileType: string;
}

/** An ES2+.HandleDownloadProgressInfo event written together with a state change (same statement). */
export interface ProgressReport {
  notificationPointId: number;
  status: 'Executed-Success' | 'Failed';
  statusCodeData?: { subjectCode: string; reasonCode: string; message?: string };
  resultData?: Buffer;
  subject: ProgressSubject;
}

/** The order's state as read with the RSP session (RspSessionStore.findWithOrder). */
export interface OrderStatus {
  active: boolean;
  expiresAt?: Date;
  profileState?: string;
}

export type ProfileEvent = 'install' | 'enable' | 'disable' | 'delete';

export interface DownloadPort {
  /** SGP.22 §5.6.3 order lookup; throws RspError (8.2.6/3.8, 8.1.1/3.8, 8.2/1.2, 8.8.5/4.10, 8.8.5/6.4). */
  findOrderForDownload(q: { matchingId?: string; eid: string }): Promise<DownloadCandidate>;
  /**
   * `progress`: the operator's event, written atomically with the attempt. `claim`: the RSP session's step,
   * done first in the same statement; false (nothing counted) when it did not move the session.
   */
  beginDownloadAttempt(orderId: string, eid: string, progress?: ProgressReport, claim?: SessionChange): Promise<boolean>;
  /**
   * Pending (profile Released), its BPP already delivered (Downloaded), past its expiry, or closed (cancelled /
   * done). `known`: the order's state already read (with the session): no statement.
   */
  orderValidity(orderId: string, known?: OrderStatus | null): Promise<'valid' | 'bound' | 'expired' | 'closed'>;
  confirmationCodeHash(orderId: string): Promise<Buffer | undefined>;
  /** Counts a Confirmation Code attempt; throws 8.2.7/6.4 once the limit is exceeded. */
  checkConfirmationCode(orderId: string, matched: boolean): Promise<void>;
  /** `claim`: the RSP session's step, done first in the same statement; false (nothing done) when it did not move it. */
  markDownloaded(orderId: string, progress?: ProgressReport, claim?: SessionChange): Promise<boolean>;
  /** `sessionEnd`: written in the same statement when the change happens there (true); else the caller's job (false). */
  markInstalled(orderId: string, resultData: Buffer, progress?: ProgressReport, sessionEnd?: SessionChange): Promise<boolean>;
  markInstallationFailed(orderId: string, detail: { bppCommandId: number; errorReason: number; resultData: Buffer }): Promise<void>;
  applyProfileNotification(n: { iccid: string; eid: string; event: ProfileEvent; seqNumber: number }): Promise<void>;
  /** CancelSession (SGP.22 §5.6.5) with its CancelSessionReason. */
  cancelDownload(orderId: string, reason: number): Promise<void>;
  /**
   * The profile protected under its own PPK: the stored protection, else a fresh one, stored when `store` is
   * set (a profile bound a second time is protected once for all later bindings).
   */
  protectedProfile(profileId: string, options?: { store?: boolean; stored?: StoredProfileColumns }): Promise<ProtectedProfile>;
  /** The unprotected profile package (decrypted from storage; from `stored` when it holds it). */
  profilePackage(profileId: string, stored?: StoredProfileColumns): Promise<Buffer>;
  /** ES2+.HandleDownloadProgressInfo towards the operator (SGP.22 §5.3.5), through the outbox. */
  progress(
    orderId: string,
    notificationPointId: number,
    status: 'Executed-Success' | 'Failed',
    statusCodeData?: { subjectCode: string; reasonCode: string; message?: string },
    resultData?: Buffer,
    subject?: ProgressSubject,
  ): Promise<void>;
}
