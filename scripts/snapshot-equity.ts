import pino from 'pino';
import type { CivilDate } from '../domain/market-hours/eastern-time';
import { createLogger } from '../infrastructure/logging';
import { createPgCandleStore, ensureCandleSchema } from '../infrastructure/market/candle-store-pg';
import { backfillSnapshots } from '../projections/equity-snapshots/backfill';
import { openReadSide } from './open-read-side';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const dateArg = (raw: string | undefined): CivilDate | undefined => {
  const match = raw === undefined ? null : ISO_DATE.exec(raw);
  if (match === null) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  return check.getUTCMonth() + 1 === date.month && check.getUTCDate() === date.day ? date : undefined;
};

/**
 * `npm run snapshot-equity -- <from YYYY-MM-DD> [<to YYYY-MM-DD>]`: takes the close-of-day equity snapshots
 * of the trading days in the range that are missing (the equity model must be caught up: projections running,
 * or `npm start` stopped after it ran), priced from the candles in `DATABASE_URL`, else each account's last fill.
 */
const main = async () => {
  const logger = createLogger({ name: 'snapshot-equity', level: process.env.LOG_LEVEL ?? 'info', destination: pino.destination(2) });
  const [fromRaw, toRaw] = process.argv.slice(2);
  const from = dateArg(fromRaw);
  const to = toRaw === undefined ? from : dateArg(toRaw);
  if (from === undefined || to === undefined) {
    process.stderr.write('usage: npm run snapshot-equity -- <from YYYY-MM-DD> [<to YYYY-MM-DD>]\n');
    process.exit(2);
  }
  const side = await openReadSide();
  try {
    const sql = { query: async (text: string, params?: unknown[]) => side.db.query<unknown>({ text }, params) };
    await ensureCandleSchema(sql);
    const result = await backfillSnapshots({ db: side.db, store: side.store, candles: createPgCandleStore(sql), nowMs: Date.now() }, from, to,
      (day, written) => process.stdout.write(`${JSON.stringify({ day, written })}\n`));
    logger.info({ days: result.days, written: result.written }, 'equity snapshots backfilled');
  } finally {
    await side.close();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
