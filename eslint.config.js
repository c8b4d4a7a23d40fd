// Lint, and the layering rules of ARCHITECTURE.md as errors: an import across a layer is a red
// build, not a review comment. (The per-folder tsconfig `lib`/`types` enforce the same from the
// type side.)
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not available in this layer.' })) };
const noElectron = { name: 'electron', message: 'Only app/main/electron and app/main/preload may import electron.' };

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Node scripts outside the TypeScript projects.
    files: ['build/**/*.mjs', '*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['app/shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...noNode.paths, noElectron, { name: 'react', message: 'shared is UI-free.' }, { name: 'ws', message: 'shared is transport-free.' }],
        patterns: [{ group: ['**/main/**', '**/renderer/**', '../main', '../renderer'], message: 'shared imports only shared.' }],
      }],
    },
  },
  {
    files: ['app/renderer/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...noNode.paths, noElectron, { name: 'ws', message: 'The renderer uses the browser WebSocket.' }],
        patterns: [{ group: ['**/main/**', '../main'], message: 'The renderer reaches the main side only through the contract.' }],
      }],
    },
  },
  {
    files: ['app/main/**'],
    ignores: ['app/main/electron/**', 'app/main/preload/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [noElectron],
        patterns: [{ group: ['**/renderer/**'], message: 'The main side never imports renderer code.' }],
      }],
    },
  },
  {
    files: ['app/main/preload/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'A sandboxed preload has no Node built-ins.' })),
        patterns: [{ group: ['**/services/**', '**/transports/**', '**/renderer/**'], message: 'The preload only bridges channels.' }],
      }],
    },
  },
);
