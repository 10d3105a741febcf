import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The fence around the folders (ARCHITECTURE.md, "Folders"). `test/lint-fence.test.ts`
 * lints a fixture that breaks each rule and expects the rule's name, so a rule that
 * stops holding fails the suite.
 */

const PARSE_FLOAT = { selector: "CallExpression[callee.name='parseFloat']", message: 'Money is never a float: use big.js.' };

// domain/ may import only itself and these packages (plus fast-check in test builders).
const DOMAIN_PACKAGES = ['big.js', 'fp-ts', 'io-ts'];
const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A pattern names an import path, not the file it resolves to, so "outside domain/" depends on
 * how deep the importing file sits: a file `depth` folders below domain/ leaves it with
 * `depth + 1` steps up. One block per depth says exactly that; deeper files are refused outright.
 */
const DOMAIN_DEPTH_MAX = 3;
const domainImports = (depth, packages) => ({
  patterns: [
    {
      regex: `^(?!\\.{1,2}/|${packages.map((name) => `${escapeRegex(name)}(/|$)`).join('|')})`,
      message: `domain/ is pure: it imports only domain/ and ${packages.join(', ')}.`,
    },
    { regex: `^(\\.\\./){${depth + 1},}`, message: 'domain/ imports nothing outside domain/.' },
    // `./account/../../infrastructure` would walk past the step count above.
    { regex: '(^|/)(?!\\.\\.(/|$))[^/]+/(.*/)?\\.\\.(/|$)', message: 'domain/ writes import paths without a step up in their middle.' },
  ],
});
const depthGlob = (depth) => `domain/${'*/'.repeat(depth)}*.ts`;
const isTestFile = (glob) => [glob.replace(/\*\.ts$/, '*.test.ts'), glob.replace(/\*\.ts$/, 'test-builders.ts')];

const domainBlocks = Array.from({ length: DOMAIN_DEPTH_MAX + 1 }, (_, depth) => [
  { files: [depthGlob(depth)], rules: { 'no-restricted-imports': ['error', domainImports(depth, DOMAIN_PACKAGES)] } },
  // fast-check builds test data; production code in domain/ never draws random values.
  { files: isTestFile(depthGlob(depth)), rules: { 'no-restricted-imports': ['error', domainImports(depth, [...DOMAIN_PACKAGES, 'fast-check'])] } },
]).flat();
const tooDeep = {
  files: [`domain/${'*/'.repeat(DOMAIN_DEPTH_MAX + 1)}**/*.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '.', message: `domain/ is at most ${DOMAIN_DEPTH_MAX} folders deep: raise DOMAIN_DEPTH_MAX in eslint.config.mjs.` }] }] },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '*.js', '*.mjs', 'test/lint-fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', PARSE_FLOAT],
      // The type-aware rules that catch real bugs here: a promise nobody awaits loses its error,
      // an async callback where a sync one is expected (an express handler, an event listener)
      // rejects into nowhere, and a union member added later must reach every switch over it.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // A truthiness test on a string, number or nullable is where `0`, `''` and `undefined` get confused: in
    // the trading plane that is money, a quantity or a limit. (Elsewhere it would flood tests and adapters
    // with rewrites that catch nothing.)
    files: ['domain/**/*.ts', 'commands/**/*.ts', 'app/**/*.ts'],
    rules: { '@typescript-eslint/strict-boolean-expressions': ['error', { allowString: false, allowNumber: false, allowNullableObject: true }] },
  },
  {
    // Tests read JSON response bodies field by field; typing each shape would say nothing the assertions don't.
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        PARSE_FLOAT,
        { selector: "CallExpression[callee.name='Number'], NewExpression[callee.name='Number']", message: 'No float parsing in domain/: decimals are big.js, integers are parsed by their codec.' },
        { selector: 'ImportExpression', message: 'domain/ loads no modules at run time.' },
        { selector: "CallExpression[callee.name='require']", message: 'domain/ loads no modules at run time.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0], CallExpression[callee.name='Date']", message: 'Time is an argument in domain/.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time is an argument in domain/.' },
        { object: 'Math', property: 'random', message: 'No randomness in domain/.' },
        { object: 'Number', property: 'parseFloat', message: 'Money is never a float: use big.js.' },
      ],
    },
  },
  ...domainBlocks,
  tooDeep,
  {
    // Runtime globals that read the clock, draw randomness or reach the process; tests may read their own settings.
    files: ['domain/**/*.ts'],
    ignores: ['domain/**/*.test.ts'],
    rules: { 'no-restricted-globals': ['error', 'process', 'crypto', 'performance', 'fetch', 'setTimeout', 'setInterval', 'setImmediate'] },
  },
  {
    // The market data plane never waits on the event store (ARCHITECTURE.md, "The two planes").
    files: ['streaming/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '(^|/)infrastructure/event-store(/|$)|^@eventstore/', message: 'streaming/ never reads or writes the event store.' }],
      }],
    },
  },
  {
    // The read side answers from read models; deciding and appending is the command side's.
    files: ['read-api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ regex: '(^|/)commands(/|$)', message: 'read-api/ reads read models and ports, never the command side.' }],
      }],
    },
  },
);
