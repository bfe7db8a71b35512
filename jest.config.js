// One runner, three layers (docs/testing.md): unit specs next to the code,
// integration specs (*.int-spec.ts) against the real local stack, and the
// end-to-end suite in apps/e2e against the running platform.
// ts-jest in transpile-only mode (type-checking is `npm run typecheck`); it
// emits decorator metadata as tsc does. @swc/jest was dropped: its native
// binaries' lockfile entries break `npm ci` on the package mirror (ADR 0002).
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }];
// @keycloak/keycloak-admin-client and its dependencies are ES modules only: Node 20.19+ loads them
// with require() at run time, jest's own module loader does not, so they are turned into CommonJS
// for the tests (ADR 0002).
const ESM_ONLY = ['@keycloak/keycloak-admin-client', 'url-join', 'url-template', 'camelize-ts'];
const esmToCjs = ['babel-jest', { babelrc: false, configFile: false, plugins: ['@babel/plugin-transform-modules-commonjs'] }];
const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest, '/node_modules/.+\\.js$': esmToCjs },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleNameMapper: { '^@duban/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/', '<rootDir>/.duban/'],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/libs/testing/src/global-setup.js',
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/apps/e2e/src/**/*.e2e-spec.ts'] },
  ],
};
