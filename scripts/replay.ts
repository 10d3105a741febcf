import { runOperatorCli } from './operator/cli';

/** `npm run replay -- <accountId> [--as-of <ISO time>]`: the account's events one by one, each with the state after it, then the state as of that instant; one JSON object per line. */
runOperatorCli('replay').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
