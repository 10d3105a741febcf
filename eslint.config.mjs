import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: "CallExpression[callee.name='parseFloat']", message: 'Money is never a float: use big.js.' }],
    },
  },
  {
    // Tests read JSON response bodies field by field; typing each shape would say nothing the assertions don't.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['../infrastructure/*', '../commands/*', '../projections/*', 'pg', 'ioredis', 'nats', 'express'] }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Time is an argument in domain/.' }, { object: 'Math', property: 'random', message: 'No randomness in domain/.' }],
    },
  },
);
