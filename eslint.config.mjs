// ESLint (flat config): typescript-eslint's `recommended` set (not the type-checked one: lint stays fast,
// `npm run typecheck` does the types), value-import cycles in lib/, and no console in lib/ outside the
// logger. Formatting is prettier's (`npm run format`), so no formatting rule here.
import { defineConfig } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX, createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'build/**',
      'prebuilds/**',
      'coverage/**',
      'docs/api/**',
      'bench/results/**',
      'bench/.peers/**',
      'native/**',
    ],
  },
  {
    files: [
      'lib/**/*.ts',
      'client/**/*.ts',
      'test/**/*.{ts,js}',
      'bench/**/*.mjs',
      'scripts/**/*.{js,mjs}',
      'examples/**/*.{ts,js}',
      '*.{js,mjs}',
    ],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `any` appears only at deliberate boundaries (app.state's user bag, the hook map, redis's listener
      // signatures, tests reading loose JSON); strict tsc covers the rest.
      '@typescript-eslint/no-explicit-any': 'off',
      // The code base matches byte ranges on purpose (/[^\x00-\xff]/ Latin-1 checks, JSON escaping).
      'no-control-regex': 'off',
    },
  },
  // CommonJS sources: require() is how they import.
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Jest's globals in the jest suites only (the .js files in test/ run under plain node, one is a jest stand-in).
  {
    files: ['test/**/*.ts'],
    languageOptions: { globals: { ...globals.jest } },
  },
  {
    files: ['examples/demo/static/**'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },
  // lib/: no value-import cycle (`import type` and `import { type X }` are erased, so they may loop).
  {
    files: ['lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      // Without these, import-x reads no .ts dependency and so finds no cycle at all.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json', '.node'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  // lib/: log lines go through the logger (settings.logger or its console fallback), nowhere else.
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/logger.ts', 'lib/base/logger.ts'],
    rules: { 'no-console': 'error' },
  },
  // client/ (krozen/client) runs in browsers too: it reports through its 'error' event, never the console.
  {
    files: ['client/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
