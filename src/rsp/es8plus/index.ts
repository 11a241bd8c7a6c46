/** ES8+ (SM-DP+ ↔ eUICC, through the LPA): InitialiseSecureChannel, ReplaceSessionKeys and the Bound Profile Package. */
export * from './bpp-error';
export * from './initialise-secure-channel';
export * from './replace-session-keys';
export * from './bound-profile-package';
