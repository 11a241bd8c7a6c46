/** Profile packages (TCA eUICC Profile Package: Interoperable Format): decode, validate, personalise. Pure. */
export { SaipError } from './errors';
export {
  iccidToEfFormat, iccidFromEfFormat, iccidToHeaderFormat, iccidFromHeaderFormat, imsiToEfFormat, imsiFromEfFormat,
  accForImsi, luhnCheckDigit, luhnValid, generateTestIccids,
} from './bcd';
export * from './pe-types';
export {
  decodeProfilePackage, encodeProfilePackage, readProfileHeader, findFiles, wholeContent,
} from './profile-package';
export type {
  ProfilePackage, ProfileElement, ProfileHeader, ProfileFile, FileContent, Fcp, PeHeader, PinCode, PukCode, AkaParameter,
  SecurityDomain, SdKey, ApplicationInstance, Located,
} from './profile-package';
export { validateProfilePackage, validateDecodedPackage, summarizeProfilePackage } from './validate';
export type { ProfileSummary, ProfileValidationResult } from './validate';
export { compilePersonalisationTemplate, personaliseBatch } from './personalise';
export type { PersonalisationData, PersonalisationTemplate, PatchSite, SecurityDomainKeyValue } from './personalise';
export { readPersonalisationCsv } from './personalisation-input';
export type { PersonalisationRow } from './personalisation-input';
export { checkStoreMetadataConsistency, storeMetadataIccidFor } from './store-metadata';
export type { MetadataConsistency } from './store-metadata';
