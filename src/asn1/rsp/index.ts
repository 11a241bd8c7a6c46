/** SGP.22 message codecs (one file per message family). */
export * from './common';
export * from './iccid';
export * from './euicc-info';
export * from './authentication';
export * from './prepare-download';
export * from './profile-metadata';
export * from './notification';
export * from './cancel-session';
