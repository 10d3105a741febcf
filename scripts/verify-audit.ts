import pino from 'pino';
import { createLogger } from '../infrastructure/logging';
import { verifyAuditLog } from '../projections/audit/verify';
import { openReadSide } from './open-read-side';

/**
 * `npm run verify-audit`: recomputes every account's hash chain in the audit log. Exit 0 and a summary
 * when it is untampered; exit 1 naming the first broken row (account, seq, position, why) otherwise.
 */
const main = async () => {
  // Logs go to stderr: stdout carries the command's own output.
  const logger = createLogger({ name: 'verify-audit', level: process.env.LOG_LEVEL ?? 'info', destination: pino.destination(2) });
  const side = await openReadSide();
  try {
    const result = await verifyAuditLog(side.db, (rows) => process.stderr.write(`\rverified ${rows.toLocaleString('en-US')} rows`));
    process.stderr.write('\n');
    if (result.broken === null) {
      logger.info({ rows: result.rows, accounts: result.accounts }, 'audit log verified: every chain holds');
      process.stdout.write(`audit log untampered: ${result.rows} rows over ${result.accounts} accounts\n`);
      return;
    }
    logger.error({ broken: result.broken }, 'audit log broken');
    process.stdout.write(`audit log BROKEN at account ${result.broken.accountId} seq ${result.broken.seq} (position ${result.broken.position}): ${result.broken.reason}\n`);
    process.exitCode = 1;
  } finally {
    await side.close();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
