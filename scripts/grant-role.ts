import { runOperatorCli } from './operator/cli';

/** `npm run grant-role -- <email> compliance`: the role shows in the user's tokens from their next log-in or refresh. */
runOperatorCli('grant-role').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
