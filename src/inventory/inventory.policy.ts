/**
 * Configurable order policies (issue 3: "order expiry and the retry limits are configurable policies").
 * Filled from AppConfig (ORDER_TTL_HOURS, MAX_DOWNLOAD_ATTEMPTS, MAX_CC_ATTEMPTS) by the module.
 */
export interface InventoryPolicy {
  /** A download order expires this long after DownloadOrder (SGP.22 §5.6.3: 8.8.5/4.10 once expired). */
  orderTtlHours: number;
  /** Download attempts allowed per order (8.8.5/6.4 beyond). */
  maxDownloadAttempts: number;
  /** Confirmation Code attempts allowed per order (8.2.7/6.4 beyond; the order then fails). */
  maxCcAttempts: number;
  /** After a failed installation (PIR errorResult): the profile goes to Error, or back to Released for a retry. */
  installFailure: 'error' | 'release';
}

export const DEFAULT_POLICY: InventoryPolicy = {
  orderTtlHours: 720,
  maxDownloadAttempts: 5,
  maxCcAttempts: 3,
  installFailure: 'error',
};

export function policyFromConfig(c: Partial<InventoryPolicy> & { installFailurePolicy?: string }): InventoryPolicy {
  return {
    orderTtlHours: c.orderTtlHours ?? DEFAULT_POLICY.orderTtlHours,
    maxDownloadAttempts: c.maxDownloadAttempts ?? DEFAULT_POLICY.maxDownloadAttempts,
    maxCcAttempts: c.maxCcAttempts ?? DEFAULT_POLICY.maxCcAttempts,
    installFailure: c.installFailurePolicy === 'release' || c.installFailure === 'release' ? 'release' : 'error',
  };
}

/** Injection token. */
export const INVENTORY_POLICY = Symbol('INVENTORY_POLICY');
