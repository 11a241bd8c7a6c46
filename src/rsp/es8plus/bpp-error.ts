/**
 * ES8+ failure codes as the eUICC reports them in ProfileInstallationResult (SGP.22 §5.5, §5.7.6):
 *
 *   ErrorResult ::= SEQUENCE { bppCommandId BppCommandId, errorReason ErrorReason, simaResponse OCTET STRING OPTIONAL }
 *   BppCommandId ::= INTEGER { initialiseSecureChannel(0), configureISDP(1), storeMetadata(2), storeMetadata2(3),
 *                              replaceSessionKeys(4), loadProfileElements(5) }
 *   ErrorReason ::= INTEGER { incorrectInputValues(1), invalidSignature(2), invalidTransactionId(3),
 *     unsupportedCrtValues(4), unsupportedRemoteOperationType(5), unsupportedProfileClass(6), scp03tStructureError(7),
 *     scp03tSecurityError(8), installFailedDueToIccidAlreadyExistsOnEuicc(9),
 *     installFailedDueToInsufficientMemoryForProfile(10), installFailedDueToInterruption(11),
 *     installFailedDueToPEProcessingError(12), installFailedDueToDataMismatch(13),
 *     testProfileInstallFailedDueToInvalidNaaKey(14), pprNotAllowed(15),
 *     installFailedDueToInsufficientMinimumSecurityLevel(31), installFailedDueToServerAddressAbsentInEuiccAllowList(32),
 *     installFailedDueToUnknownError(127) }
 */
import { BppCommandId, ErrorReason } from '../../asn1/rsp/notification';

// One table of the codes: the ASN.1 module's (src/asn1/rsp/notification.ts).
export { BppCommandId, ErrorReason };
export type BppCommandId = (typeof BppCommandId)[keyof typeof BppCommandId];
export type ErrorReason = (typeof ErrorReason)[keyof typeof ErrorReason];

/**
 * The eUICC-side failure of one BPP step: carries exactly what goes into
 * `ProfileInstallationResultData.finalResult.errorResult`.
 */
export class BppError extends Error {
  constructor(
    readonly bppCommandId: BppCommandId,
    readonly errorReason: ErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'BppError';
  }
}

/** A BPP the SM-DP+ was asked to build from inconsistent inputs (a programming error, never client input). */
export class BppBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BppBuildError';
  }
}
