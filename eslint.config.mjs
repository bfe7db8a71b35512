import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import reactHooks from 'eslint-plugin-react-hooks';

// Production code: apps use libs, libs use libs, nothing uses apps, and the
// test helpers (scope:testing) are out of reach.
// Each service's library may use the shared libs and nothing of another service.
const SERVICES = ['intake', 'dispatch', 'collaboration', 'escalation', 'assessment', 'notification', 'gateway'];
const productionConstraints = [
  ...SERVICES.map((s) => ({ sourceTag: `scope:${s}`, onlyDependOnLibsWithTags: ['scope:shared', `scope:${s}`] })),
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:testing', onlyDependOnLibsWithTags: ['scope:shared'] },
];
const boundaries = (depConstraints) => [
  'error',
  { enforceBuildableLibDependency: false, banTransitiveDependencies: false, allow: [], depConstraints },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.duban/**', '.nx/**', 'coverage/**', 'load-tests/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    plugins: { '@nx': nx },
    rules: {
      // Apps may import libs, libs never import apps, no deep imports into another package,
      // and each scope only reaches what it is allowed to (ADR 0002).
      '@nx/enforce-module-boundaries': boundaries(productionConstraints),
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@duban/*/*'], message: 'Import a package by its name only; deep imports bypass its public API.' },
            { group: ['../../libs/*', '../../apps/*', '../../../libs/*'], message: 'Import other packages by name (@duban/...).' },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The console runs in browsers: React's rules of hooks, and no Node modules in what it ships.
    files: ['apps/console/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'The console runs in browsers.' }, { group: ['@duban/*/*'], message: 'Import a package by its name only.' }] }],
    },
  },
  {
    // Tests may also use the test helpers.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.int-helper.ts', '**/*.e2e-spec.ts', '**/*.e2e-helper.ts'],
    rules: {
      '@nx/enforce-module-boundaries': boundaries(
        productionConstraints.map((c) =>
          c.sourceTag.startsWith('scope:') ? { ...c, onlyDependOnLibsWithTags: [...c.onlyDependOnLibsWithTags, 'scope:testing'] } : c,
        ),
      ),
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', fetch: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
