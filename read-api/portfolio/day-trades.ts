import type { FillDay } from './query';

/** FINRA's pattern day trader rule: at most this many day trades in a rolling window of business days, under $25,000 equity. */
export const PDT_DAY_TRADES_MAX = 3;
export const PDT_WINDOW_BUSINESS_DAYS = 5;
const DAY_MS = 86_400_000;

const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);
const isWeekend = (day: number): boolean => {
  const weekday = new Date(day * DAY_MS).getUTCDay();
  return weekday === 0 || weekday === 6;
};

/** Midnight (UTC) opening the window: today and the business days before it, PDT_WINDOW_BUSINESS_DAYS in all. */
export const dayTradeWindowStartMs = (nowMs: number): number => {
  let day = dayOf(nowMs);
  let counted = isWeekend(day) ? 0 : 1;
  while (counted < PDT_WINDOW_BUSINESS_DAYS) {
    day -= 1;
    if (!isWeekend(day)) counted += 1;
  }
  return day * DAY_MS;
};

/**
 * Day trades are counted as days on which a symbol was both bought and sold (one per symbol and day,
 * the conservative reading). Days are UTC days for now; the exchange calendar is not modelled yet.
 */
export const dayTradesRemaining = (fills: readonly FillDay[]): number => {
  const sides = new Map<string, Set<string>>();
  for (const fill of fills) {
    const key = `${dayOf(fill.atMs)}:${fill.symbol}`;
    const seen = sides.get(key) ?? new Set<string>();
    seen.add(fill.side);
    sides.set(key, seen);
  }
  const dayTrades = [...sides.values()].filter((seen) => seen.has('buy') && seen.has('sell')).length;
  return Math.max(0, PDT_DAY_TRADES_MAX - dayTrades);
};
