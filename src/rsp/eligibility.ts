import { RspError } from '../common/rsp-error';
import { DownloadCandidate } from './download.port';

/** What the eligibility check reads from EUICCInfo2 (SGP.22 §4.3 / §5.6.3), already decoded. */
export interface EligibilityInput {
  /** RspCapability named bits set (e.g. 'testProfileSupport'). */
  rspCapability: string[];
  /** forbiddenProfilePolicyRules named bits set (pprUpdateControl, ppr1, ppr2). */
  forbiddenProfilePolicyRules: string[];
  /** Free non-volatile memory from extCardResource (tag 82), when the eUICC reports it. */
  freeNonVolatileMemory?: number;
}

/**
 * SGP.22 §5.6.3 eligibility check, as far as the SM-DP+ can judge it:
 * - a Test Profile only to an eUICC announcing testProfileSupport (RspCapability, SGP.22 §4.3);
 * - no Profile Policy Rule the eUICC forbids (forbiddenProfilePolicyRules) → 8.2.5/4.3;
 * - enough free memory for the package → 8.1/4.8.
 */
export function checkEligibility(candidate: DownloadCandidate, info: EligibilityInput): void {
  if (candidate.metadata.profileClass === 'test' && !info.rspCapability.includes('testProfileSupport')) {
    throw new RspError('8.2.5', '4.3', 'No eligible Profile for this eUICC/Device: the eUICC does not support Test Profiles');
  }
  const forbidden = (candidate.metadata.pprIds ?? []).filter((p) => info.forbiddenProfilePolicyRules.includes(p));
  if (forbidden.length > 0) {
    throw new RspError('8.2.5', '4.3', `No eligible Profile for this eUICC/Device: the eUICC forbids ${forbidden.join(', ')}`);
  }
  if (
    info.freeNonVolatileMemory !== undefined &&
    candidate.packageSize !== undefined &&
    info.freeNonVolatileMemory < candidate.packageSize
  ) {
    throw new RspError('8.1', '4.8', 'eUICC does not have sufficient space for this Profile');
  }
}
