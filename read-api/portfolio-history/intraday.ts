import type { Holdings } from '../../domain/portfolio/equity';
import { equityAt, type CandleCloses } from '../../projections/equity/prices';
import type { HoldingsChange } from './query';

/** The 1-day chart's step: one point at the end of each 5-minute interval of the regular session (78 on a full day). */
export const INTRADAY_STEP_MS = 300_000;

export type EquityPoint = { readonly atMs: number; readonly equity: string };

const NOTHING: Holdings = { cash: '0.00', positions: [] };

/**
 * The intraday equity curve: the start-of-day holdings, replayed with the day's changes (fills, transfers),
 * each 5-minute instant priced with the candles' last close before it (else the account's last fill, else
 * cost). `base` is the equity at the open. Pure: the route loads the rows and candles.
 */
export const intradayCurve = (input: {
  readonly start: Holdings | undefined;
  readonly startFills: ReadonlyMap<string, string>;
  readonly changes: readonly HoldingsChange[];
  readonly closes: ReadonlyMap<string, CandleCloses>;
  readonly openMs: number;
  readonly endMs: number;
}): { readonly base: EquityPoint; readonly points: EquityPoint[] } => {
  let holdings = input.start ?? NOTHING;
  const lastFills = new Map(input.startFills);
  const valueAt = (atMs: number): EquityPoint => ({ atMs, equity: equityAt(holdings, atMs, { closes: input.closes, lastFills }).equity });
  const base = valueAt(input.openMs);
  const points: EquityPoint[] = [];
  let next = 0;
  for (let atMs = input.openMs + INTRADAY_STEP_MS; atMs <= input.endMs; atMs += INTRADAY_STEP_MS) {
    for (; next < input.changes.length && input.changes[next]!.atMs <= atMs; next += 1) {
      const change = input.changes[next]!;
      holdings = change.holdings;
      if (change.fillSymbol !== null && change.fillPrice !== null) lastFills.set(change.fillSymbol, change.fillPrice);
    }
    points.push(valueAt(atMs));
  }
  return { base, points };
};
