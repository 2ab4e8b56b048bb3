// ESLint flat config: typescript-eslint's type-aware rules for src/, and the vitest rules that
// catch tests that cannot fail (no assertion, expect() without a matcher, assertions in catch).
import js from '@eslint/js';
import vitest from '@vitest/eslint-plugin';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, bottom to top, and what each may import (ARCHITECTURE.md draws it):
 * config -> exchange -> {harness, generate} -> {check, deploy} -> flows -> cli.
 */
const LAYERS = {
  errors: [],
  util: ['errors'],
  config: ['errors', 'util'],
  exchange: ['config', 'errors', 'util'],
  harness: ['exchange', 'config', 'errors', 'util'],
  render: ['errors', 'util'],
  generate: ['render', 'exchange', 'config', 'errors', 'util'],
  apex: ['errors', 'util'],
  check: ['errors', 'util'],
  deploy: ['generate', 'render', 'exchange', 'config', 'errors', 'util'],
  // The two top layers may use everything below them.
  flows: '*',
  cli: '*',
};
const ORDER = Object.keys(LAYERS);
const layerZones = Object.entries(LAYERS).flatMap(([layer, allowed]) =>
  ORDER.filter(
    (other) =>
      other !== layer &&
      (allowed === '*' ? ORDER.indexOf(other) > ORDER.indexOf(layer) : !allowed.includes(other)),
  ).map((other) => ({
    target: `./src/${layer}`,
    from: `./src/${other}`,
    message: `src/${layer} sits below src/${other} and may not import it (see ARCHITECTURE.md).`,
  })),
);

/** Imports point down the layers, and no module imports itself back through a cycle. */
export const importRules = {
  plugins: { 'import-x': importX },
  settings: {
    'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
    'import-x/extensions': ['.ts', '.js'],
  },
  rules: {
    'import-x/no-restricted-paths': ['error', { zones: layerZones }],
    'import-x/no-cycle': ['error', { ignoreExternal: true }],
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'coverage/', 'force-app/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  { files: ['src/**/*.ts'], ...importRules },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['test/**/*.ts'],
    plugins: { vitest },
    rules: {
      ...vitest.configs.recommended.rules,
      'vitest/expect-expect': ['error', { assertFunctionNames: ['expect', 'expect*', 'assert*'] }],
      'vitest/valid-expect': 'error',
      'vitest/no-conditional-expect': 'error',
      'vitest/no-standalone-expect': 'error',
    },
  },
);
