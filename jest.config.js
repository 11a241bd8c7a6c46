/** Jest 30 + ts-jest. Unit tests sit beside the code (src/**\/*.spec.ts); integration and
 * end-to-end tests in test/ (*.e2e-spec.ts, *.int-spec.ts).
 * Transpile-only (tsconfig.jest.json sets isolatedModules): type errors are `npm run typecheck`'s job.
 * ESM-only dependencies that Node 20 loads with require(esm) but Jest cannot (content-disposition, used by
 * @fastify/static for the /docs UI) are transpiled to CommonJS as well. */
const ESM_ONLY = ['content-disposition'];

module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['js', 'json', 'ts'],
  testRegex: '(src|test)/.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json', diagnostics: false }],
    [`node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', isolatedModules: true }, diagnostics: false }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  testTimeout: 60000,
};
