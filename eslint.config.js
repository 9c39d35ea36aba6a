import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/**
 * Code is organised by the context it runs in (lib/shared, lib/content, lib/background): content
 * code must not import background code and the reverse; both may import lib/shared and model/.
 * A pattern covers the `@/` alias and relative paths.
 */
const restrictImports = (patterns, paths = []) => ({ 'no-restricted-imports': ['error', { patterns, paths }] });
const fromBackground = { group: ['@/lib/background/**', '**/lib/background/**', '../background/**', '@/entrypoints/background*'], message: 'Only the background imports lib/background: ask it through lib/shared/messaging instead.' };
const tooHeavy = 'Too heavy for the content script (120 KB budget, .size-limit.json): use zod/mini and plain DOM.';
const fromContent = { group: ['@/lib/content/**', '**/lib/content/**', '../content/**', '@/entrypoints/spotify.content/**'], message: 'Only the content script imports lib/content; share through lib/shared instead.' };

export default tseslint.config(
  { ignores: ['.output/**', '.wxt/**', 'node_modules/**', 'public/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // React code only: Playwright fixtures also call a function named `use`.
    files: ['components/**/*.tsx', 'entrypoints/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    // The content script loads on every Spotify page: no background code, no TF.js, no React,
    // and zod only as zod/mini (the page-layer size budget, see .size-limit.json).
    files: ['lib/content/**/*.ts', 'entrypoints/spotify.content/**/*.{ts,tsx}'],
    rules: restrictImports(
      [fromBackground, { group: ['@tensorflow/*', 'react', 'react-dom', 'react-dom/*', '@/components/**', '@/model/classifier', '@/model/metadata', '@/model/features'], message: tooHeavy }],
      [{ name: 'zod', message: tooHeavy }],
    ),
  },
  {
    files: ['lib/background/**/*.ts', 'entrypoints/background.ts'],
    rules: restrictImports([fromContent]),
  },
  {
    // Shared code and the extension pages (popup, options) talk to the background only by messages.
    files: ['lib/shared/**/*.ts', 'components/**/*.{ts,tsx}', 'entrypoints/popup/**/*.{ts,tsx}', 'entrypoints/options/**/*.{ts,tsx}'],
    rules: restrictImports([fromBackground, fromContent]),
  },
  {
    // WXT auto-imports these globals in entrypoints (see .wxt/types/imports.d.ts).
    files: ['entrypoints/**/*.{ts,tsx}'],
    languageOptions: { globals: { defineBackground: 'readonly', defineContentScript: 'readonly', browser: 'readonly' } },
  },
);
