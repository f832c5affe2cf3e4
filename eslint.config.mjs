// ESLint (typescript-eslint) for every workspace's sources and tests. `npm run lint` runs it with
// the circular-import check (dpdm) and the dead-export check (knip); `npm test` runs lint first.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', 'bench/results/**', '**/coverage/**', 'deploy/tasks/**', '**/*.d.ts', '**/test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', globalThis: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly', exports: 'writable', global: 'readonly', setImmediate: 'readonly', clearImmediate: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly' } },
    rules: {
      // Unused names are errors, except a deliberately ignored argument or caught error (`_x`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Registries, proxies and test doubles need `any` at their seams; it stays visible in review.
      '@typescript-eslint/no-explicit-any': 'off',
      // Deliberate synchronous requires: the lazy Redis backend (engine/load-redis.ts) and the codecs
      // (codec/value-codec.ts, codec/params.ts), so importing core loads none of them.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^\\.\\./distributed/', '^@graflow/store$', '^msgpackr$'] }],
    },
  },
  {
    // Plain JavaScript: fixtures, task modules and build scripts are CommonJS.
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests may require modules and declare loose fixtures.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
