// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      'test/fixtures/**',
      'media/**',
      '.vscode-test/**',
      'test-results/**',
      'packages/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // eval and friends never touch endpoint responses or webview messages.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: [
      'src/extension.ts',
      'src/editors/**',
      'src/views/**',
      'src/commands/**',
      'src/ui/**',
      'src/vscode/**',
    ],
    rules: {
      // The pipeline stages stay free of VS Code so they run under plain mocha and in the CLI.
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'Only the extension layer imports vscode.' }] },
      ],
    },
  },
);
