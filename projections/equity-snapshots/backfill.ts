import type { CivilDate } from '../../domain/market-hours/eastern-time';
import { isoDate, tradingDaysBetween } from '../../domain/market-hours/trading-days';
import { takeDailySnapshots, type SnapshotDeps } from './daily-equity';

/** A backfill covers at most this many trading days per call (about ten years). */
export const BACKFILL_DAYS_MAX = 2_600;

/**
 * Snapshots for past trading days from the equity model (events) and the candles: the days' rows not
 * written yet are written, the others kept. Dropping `rm_equity_snapshots.daily_equity` first and
 * backfilling rebuilds the snapshots from scratch (quotes are gone by then, so candles price every day).
 */
export const backfillSnapshots = async (
  deps: Omit<SnapshotDeps, 'quotes'>, from: CivilDate, to: CivilDate, onDay?: (day: string, written: number) => void,
): Promise<{ readonly days: number; readonly written: number }> => {
  let written = 0;
  const days = tradingDaysBetween(from, to, BACKFILL_DAYS_MAX);
  for (const day of days) {
    const outcome = await takeDailySnapshots(deps, day);
    if (outcome.kind === 'behind') throw new Error(`the equity model is behind (at ${outcome.position}): start the projections and try again`);
    written += outcome.written;
    onDay?.(isoDate(day), outcome.written);
  }
  return { days: days.length, written };
};
