import { DownloadOrderService, orderValidityOf } from '../inventory/download-order.service';
import { generateProfileProtectionKeys, protectProfileWithPpk } from './es8plus';
import {
  DownloadCandidate,
  DownloadPort,
  OrderStatus,
  ProfileEvent,
  ProgressReport,
  ProgressSubject,
  ProtectedProfile,
  StoredProfileColumns,
} from './download.port';
import type { SessionChange } from './rsp-session.store';

/** The ES9+ flow's DownloadPort over the inventory's DownloadOrderService. */
export class InventoryDownloadAdapter implements DownloadPort {
  constructor(private readonly orders: DownloadOrderService) {}

  findOrderForDownload(q: { matchingId?: string; eid: string }): Promise<DownloadCandidate> {
    return this.orders.findOrderForDownload(q);
  }
  async beginDownloadAttempt(orderId: string, eid: string, progress?: ProgressReport, claim?: SessionChange): Promise<boolean> {
    if (!claim) {
      await this.orders.beginDownloadAttempt(orderId, eid, progress);
      return true;
    }
    return (await this.orders.beginDownloadAttempt(orderId, eid, progress, claim)) !== undefined;
  }
  async orderValidity(orderId: string, known?: OrderStatus | null): Promise<'valid' | 'bound' | 'expired' | 'closed'> {
    if (known !== undefined) return orderValidityOf(known ?? undefined);
    return this.orders.orderValidity(orderId);
  }
  confirmationCodeHash(orderId: string): Promise<Buffer | undefined> {
    return this.orders.confirmationCodeHash(orderId);
  }
  async checkConfirmationCode(orderId: string, matched: boolean): Promise<void> {
    await this.orders.checkConfirmationCode(orderId, matched);
  }
  markDownloaded(orderId: string, progress?: ProgressReport, claim?: SessionChange): Promise<boolean> {
    return this.orders.markDownloaded(orderId, progress, claim);
  }
  markInstalled(orderId: string, resultData: Buffer, progress?: ProgressReport, sessionEnd?: SessionChange): Promise<boolean> {
    return this.orders.markInstalled(orderId, resultData, progress, sessionEnd);
  }
  async markInstallationFailed(orderId: string, detail: { bppCommandId: number; errorReason: number; resultData: Buffer }): Promise<void> {
    await this.orders.markInstallationFailed(orderId, detail);
  }
  applyProfileNotification(n: { iccid: string; eid: string; event: ProfileEvent; seqNumber: number }): Promise<void> {
    return this.orders.applyProfileNotification(n);
  }
  async cancelDownload(orderId: string, reason: number): Promise<void> {
    await this.orders.cancelDownload(orderId, reason);
  }

  /**
   * "Protect once, bind cheaply" (SGP.22 §2.5.3 ReplaceSessionKeys): a profile is protected under a random PPK;
   * the protection is stored (encrypted at rest) when the profile is bound a second time, and every later
   * binding re-uses it. The first binding — for most profiles the only one — does not store it (issue 6: a
   * 12 KB UPDATE and ≈ 14 KB of write-ahead log per download for a protection almost never used again).
   * Two processes racing to store both produce a valid protection; the last stored wins, and each BPP carries
   * the PPK it was built with, so both packages stay correct.
   */
  async protectedProfile(profileId: string, options: { store?: boolean; stored?: StoredProfileColumns } = {}): Promise<ProtectedProfile> {
    // Read with the session, or one statement: the stored protection, or the package to protect (issue 6).
    const found = options.stored
      ? this.orders.openStoredProfile(profileId, options.stored)
      : await this.orders.getProtectedProfileOrPackage(profileId);
    if ('protected' in found) return found.protected;
    const upp = found.package;
    const ppk = generateProfileProtectionKeys();
    const fresh = { ppk, segments: protectProfileWithPpk(upp, ppk) };
    if (options.store) await this.orders.storeProtectedProfile(profileId, fresh);
    return fresh;
  }
  async profilePackage(profileId: string, stored?: StoredProfileColumns): Promise<Buffer> {
    if (stored?.packageCiphertext) {
      const found = this.orders.openStoredProfile(profileId, stored, { package: true });
      if ('package' in found) return found.package;
    }
    return this.orders.getProfilePackage(profileId);
  }
  progress(
    orderId: string,
    notificationPointId: number,
    status: 'Executed-Success' | 'Failed',
    statusCodeData?: { subjectCode: string; reasonCode: string; message?: string },
    resultData?: Buffer,
    subject?: ProgressSubject,
  ): Promise<void> {
    return this.orders.reportProgress(orderId, notificationPointId, status, statusCodeData, resultData, subject);
  }
}
