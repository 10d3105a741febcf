import { runOperatorCli } from './operator/cli';

/** `npm run verify-audit`: recomputes every account's hash chain; exit 0 and a summary when untampered, exit 1 naming the first broken row. */
runOperatorCli('verify-audit').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
