import { isoDate, lastClosedTradingDay } from '../../domain/market-hours/trading-days';
import type { Logger } from '../../infrastructure/logging';
import { isDayTaken, takeDailySnapshots, type SnapshotDeps } from './daily-equity';

/** How often the scheduler looks for a close whose snapshot is due. */
export const SNAPSHOT_CHECK_INTERVAL_MS = 60_000;

export type EquitySnapshotScheduler = { stop(): Promise<void> };

/**
 * Takes the daily equity snapshot of the last closed trading day (US equity calendar), once: each check
 * looks for the day in `days_taken`. Run at the close it prices with the live quotes; a process started
 * later takes the missed last close from candles. Older missed days are the backfill's (`backfillSnapshots`).
 */
export const startEquitySnapshots = (
  deps: Omit<SnapshotDeps, 'nowMs'> & { readonly logger: Logger; readonly nowMs?: () => number; readonly intervalMs?: number },
): EquitySnapshotScheduler => {
  const nowMs = deps.nowMs ?? (() => Date.now());
  let running: Promise<void> = Promise.resolve();
  const check = async (): Promise<void> => {
    const now = nowMs();
    const day = lastClosedTradingDay(now);
    if (await isDayTaken(deps.db, day)) return;
    const outcome = await takeDailySnapshots({ ...deps, nowMs: now }, day);
    if (outcome.kind === 'taken') deps.logger.info({ day: isoDate(day), accounts: outcome.accounts, written: outcome.written }, 'daily equity snapshot taken');
    else deps.logger.warn({ day: isoDate(day), equityPosition: outcome.position.toString() }, 'daily equity snapshot waits: the equity model is behind');
  };
  const tick = () => {
    running = running.then(check).catch((error: unknown) => deps.logger.error({ err: error }, 'daily equity snapshot failed; retried at the next check'));
  };
  tick();
  const timer = setInterval(tick, deps.intervalMs ?? SNAPSHOT_CHECK_INTERVAL_MS);
  timer.unref();
  return { stop: async () => { clearInterval(timer); await running; } };
};
