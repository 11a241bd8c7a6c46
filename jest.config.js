/** Jest 30 + ts-jest. Unit tests sit beside the code (src/**\/*.spec.ts); integration and
 * end-to-end tests in test/ (*.e2e-spec.ts, *.int-spec.ts). */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(src|test)/.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  testTimeout: 60000,
};
