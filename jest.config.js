/** Jest 30 + ts-jest. Unit tests sit beside the code (src/**\/*.spec.ts); integration and
 * end-to-end tests in test/ (*.e2e-spec.ts, *.int-spec.ts).
 * Transpile-only (tsconfig.jest.json sets isolatedModules): type errors are `npm run typecheck`'s job. */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(src|test)/.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }] },
  testTimeout: 60000,
};
