import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The fence in eslint.config.mjs holds: each fixture in test/lint-fixtures/ breaks one rule and is
 * linted as if it sat in the folder the rule guards, and lint must fail with that rule's name (and
 * no other, so a fixture cannot pass by tripping some unrelated rule). Fixtures that keep the rules
 * are linted too, so a fence that refused everything would fail here as well.
 */

const ROOT = join(__dirname, '..');
const FIXTURE_FILE = 'lint-fence-fixture';

type Case = { readonly fixture: string; readonly lintedAs: string; readonly rule: string | null };

const cases: readonly Case[] = [
  { fixture: 'domain-imports-infrastructure', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'domain-imports-top-level', lintedAs: `domain/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'domain-imports-through-a-sibling', lintedAs: `domain/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'domain-imports-node', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'domain-imports-package', lintedAs: `domain/market/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'domain-imports-fast-check', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'domain-imports-fast-check', lintedAs: `domain/account/${FIXTURE_FILE}.test.ts`, rule: null },
  { fixture: 'domain-imports-fast-check', lintedAs: `domain/account/${FIXTURE_FILE}/test-builders.ts`, rule: null },
  { fixture: 'domain-number-call', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-syntax' },
  { fixture: 'domain-parse-float', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-syntax' },
  { fixture: 'domain-number-parse-float', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-properties' },
  { fixture: 'domain-date-now', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-properties' },
  { fixture: 'domain-math-random', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-properties' },
  { fixture: 'domain-process', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: 'no-restricted-globals' },
  { fixture: 'domain-clean', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: null },
  { fixture: 'streaming-imports-event-store', lintedAs: `streaming/node/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'read-api-imports-commands', lintedAs: `read-api/market/${FIXTURE_FILE}.ts`, rule: 'no-restricted-imports' },
  { fixture: 'floating-promise', lintedAs: `commands/orders/${FIXTURE_FILE}.ts`, rule: '@typescript-eslint/no-floating-promises' },
  { fixture: 'misused-promise', lintedAs: `fix-gateway/engine/${FIXTURE_FILE}.ts`, rule: '@typescript-eslint/no-misused-promises' },
  { fixture: 'switch-not-exhaustive', lintedAs: `streaming/market/${FIXTURE_FILE}.ts`, rule: '@typescript-eslint/switch-exhaustiveness-check' },
  { fixture: 'strict-boolean', lintedAs: `domain/account/${FIXTURE_FILE}.ts`, rule: '@typescript-eslint/strict-boolean-expressions' },
];

const ALLOW_DEFAULT_PROJECT = [`*/${FIXTURE_FILE}.ts`, `*/*/${FIXTURE_FILE}.ts`, `*/*/${FIXTURE_FILE}.test.ts`, `*/*/${FIXTURE_FILE}/test-builders.ts`];

// One run builds TypeScript programs and loads typescript-eslint; on a loaded 2-core machine that takes tens of seconds.
const LINT_TIMEOUT_MS = 300_000;

/** Rule ids each case breaks, from one ESLint run over all of them (test/support/lint-as.ts). */
const lintAll = (): Promise<string[][]> =>
  new Promise((resolve, reject) => {
    const inputs = cases.map((c) => ({ code: readFileSync(join(ROOT, 'test/lint-fixtures', `${c.fixture}.ts`), 'utf8'), lintedAs: c.lintedAs }));
    const child = execFile(join(ROOT, 'node_modules/.bin/tsx'), ['test/support/lint-as.ts'], { cwd: ROOT, maxBuffer: 1 << 20, timeout: LINT_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error) { reject(new Error(`lint-as failed: ${error.message}\n${stderr}`)); return; }
        resolve(JSON.parse(stdout) as string[][]);
      });
    child.stdin?.end(JSON.stringify({ allowDefaultProject: ALLOW_DEFAULT_PROJECT, inputs }));
  });

describe('the lint fence', () => {
  let broken: string[][] = [];
  beforeAll(async () => { broken = await lintAll(); }, LINT_TIMEOUT_MS);
  const rulesBroken = (c: Case): string[] | undefined => broken[cases.indexOf(c)];

  it.each(cases.filter((c) => c.rule !== null))('$fixture linted as $lintedAs fails with $rule', (c) => {
    expect(rulesBroken(c)).toEqual([c.rule]);
  });

  it.each(cases.filter((c) => c.rule === null))('$fixture linted as $lintedAs passes', (c) => {
    expect(rulesBroken(c)).toEqual([]);
  });
});
