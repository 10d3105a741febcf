import { ESLint } from 'eslint';

/**
 * Lints source text as if it sat at a given path, with the repository's eslint.config.mjs, and
 * prints each input's rule ids as JSON. Its own process because ESLint loads its config with a
 * dynamic import, which Jest's module sandbox refuses.
 *
 * stdin: `{ "allowDefaultProject": string[], "inputs": [{ "code", "lintedAs" }] }` (paths relative to the root).
 * stdout: `string[][]`, one list of rule ids per input (a parse error reads `unparsed: <message>`).
 */

type Request = {
  readonly allowDefaultProject: readonly string[];
  readonly inputs: ReadonlyArray<{ readonly code: string; readonly lintedAs: string }>;
};

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const main = async (): Promise<void> => {
  const request = JSON.parse(await readStdin()) as Request;
  const root = process.cwd();
  // The linted-as paths exist nowhere on disk: the type-aware rules get a program of each text alone.
  // A handful of fixtures in that default project are cheap; the cap guards real lint runs, not this one.
  const projectService = {
    allowDefaultProject: [...request.allowDefaultProject],
    defaultProject: 'tsconfig.json',
    maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: request.inputs.length,
  };
  const eslint = new ESLint({ cwd: root, overrideConfig: { languageOptions: { parserOptions: { projectService } } } });
  const ruleIds: string[][] = [];
  for (const [index, input] of request.inputs.entries()) {
    const [result] = await eslint.lintText(input.code, { filePath: `${root}/${input.lintedAs}` });
    ruleIds.push([...new Set((result?.messages ?? []).map((message) => message.ruleId ?? `unparsed: ${message.message}`))]);
    process.stderr.write(`linted ${index + 1}/${request.inputs.length}: ${input.lintedAs}\n`);
  }
  process.stdout.write(JSON.stringify(ruleIds));
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
