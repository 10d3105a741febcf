import pino from 'pino';
import { createLogger } from '../infrastructure/logging';
import { replayAccount } from '../projections/replay/replay';
import { openReadSide } from './open-read-side';

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * `npm run replay -- <accountId> [--as-of <ISO time>]`: prints the account's events one by one, each
 * with the state after it (cash buckets, positions, open orders), then the state as of that instant.
 * One JSON object per line, so it can be read by eye or by `jq`.
 */
const main = async () => {
  // Logs go to stderr: stdout carries the command's own output.
  const logger = createLogger({ name: 'replay', level: process.env.LOG_LEVEL ?? 'info', destination: pino.destination(2) });
  const [accountId, flag, asOf] = process.argv.slice(2);
  const asOfMs = flag === '--as-of' && asOf !== undefined ? Date.parse(asOf) : undefined;
  if (accountId === undefined || !ACCOUNT_ID.test(accountId) || (flag !== undefined && (flag !== '--as-of' || asOfMs === undefined || Number.isNaN(asOfMs)))) {
    process.stderr.write('usage: npm run replay -- <accountId> [--as-of <ISO time, e.g. 2026-11-24T15:00:00Z>]\n');
    process.exit(2);
  }
  const side = await openReadSide();
  try {
    const replay = await replayAccount(side.store, accountId, asOfMs);
    for (const step of replay.steps) process.stdout.write(`${JSON.stringify({ event: { position: step.position, type: step.type, recorded_at: step.recordedAt, actor: step.actor, correlation_id: step.correlationId, causation_id: step.causationId, data: step.data }, state_after: step.after })}\n`);
    process.stdout.write(`${JSON.stringify({ account_id: accountId, as_of: replay.asOf, events: replay.steps.length, state: replay.stateAsOf })}\n`);
    logger.info({ accountId, events: replay.steps.length, asOf: replay.asOf }, 'replay done');
  } finally {
    await side.close();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
