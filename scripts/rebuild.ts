import { runOperatorCli } from './operator/cli';

/** `npm run rebuild -- <projection>`: builds the read model again from position 0 into fresh tables while the platform runs, then swaps them in atomically (projections/rebuild/rebuild.ts). */
runOperatorCli('rebuild').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
