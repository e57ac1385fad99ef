// eslint (make lint): the recommended JavaScript rules everywhere and
// typescript-eslint's recommended rules on TypeScript, nothing turned off;
// Node's globals, and CommonJS for the plain .js scripts.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['build/', 'node_modules/', 'nri/', 'charts/'] },
  js.configs.recommended,
  { files: ['**/*.ts'], extends: [tseslint.configs.recommended] },
  { files: ['**/*.js', '**/*.mjs', '**/*.cjs', 'bin/vaoci'], languageOptions: { globals: globals.node } },
  { files: ['**/*.js', '**/*.cjs', 'bin/vaoci'], languageOptions: { sourceType: 'commonjs' } },
);
