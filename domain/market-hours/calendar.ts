import { InvariantViolation } from '../invariant';
import { easternOf, instantOfEastern, nextDate, type CivilDate } from './eastern-time';
import { isEarlyClose, isHoliday, isWeekend } from './nyse-holidays';

/** Trading sessions of the US equity market, in minutes after Eastern midnight. */
export const PRE_MARKET_OPEN_MINUTE = 4 * 60;
export const REGULAR_OPEN_MINUTE = 9 * 60 + 30;
export const REGULAR_CLOSE_MINUTE = 16 * 60;
export const EARLY_CLOSE_MINUTE = 13 * 60;
export const AFTER_HOURS_CLOSE_MINUTE = 20 * 60;
/** On an early-close day the after-hours session runs four hours past the 1 pm close, to 5 pm. */
export const EARLY_AFTER_HOURS_CLOSE_MINUTE = 17 * 60;
/** Bounds the search for the next trading day: no run of closed days is this long. */
const CLOSED_DAYS_IN_A_ROW_MAX = 10;

export type MarketSession = 'pre_market' | 'regular' | 'after_hours' | 'closed';

/** What the trading plane asks of the clock's meaning. Time is always an argument. */
export interface MarketHours {
  readonly name: 'calendar' | 'always';
  sessionAt(atMs: number): MarketSession;
  /**
   * When a DAY order placed at `placedAtMs` expires: the close of the session it can last trade in
   * (the regular close, or the after-hours close for an extended-hours order) of the trading day it
   * belongs to; an order placed after that close belongs to the next trading day.
   */
  dayOrderExpiresAtMs(placedAtMs: number, extendedHours: boolean): number;
}

const isTradingDay = (date: CivilDate): boolean => !isWeekend(date) && !isHoliday(date);

const closesOf = (date: CivilDate) => ({
  regular: isEarlyClose(date) ? EARLY_CLOSE_MINUTE : REGULAR_CLOSE_MINUTE,
  afterHours: isEarlyClose(date) ? EARLY_AFTER_HOURS_CLOSE_MINUTE : AFTER_HOURS_CLOSE_MINUTE,
});

/** The US equity calendar: regular 9:30–16:00 ET, pre-market 4:00–9:30, after hours 16:00–20:00, NYSE holidays and early closes. */
export const usEquityCalendar: MarketHours = {
  name: 'calendar',
  sessionAt: (atMs) => {
    const { date, minuteOfDay } = easternOf(atMs);
    if (!isTradingDay(date)) return 'closed';
    const closes = closesOf(date);
    if (minuteOfDay < PRE_MARKET_OPEN_MINUTE) return 'closed';
    if (minuteOfDay < REGULAR_OPEN_MINUTE) return 'pre_market';
    if (minuteOfDay < closes.regular) return 'regular';
    if (minuteOfDay < closes.afterHours) return 'after_hours';
    return 'closed';
  },
  dayOrderExpiresAtMs: (placedAtMs, extendedHours) => {
    const placed = easternOf(placedAtMs);
    let date = placed.date;
    for (let day = 0; day < CLOSED_DAYS_IN_A_ROW_MAX; day += 1) {
      if (isTradingDay(date)) {
        const closes = closesOf(date);
        const closeMinute = extendedHours ? closes.afterHours : closes.regular;
        const closeMs = instantOfEastern(date, closeMinute);
        if (closeMs > placedAtMs) return closeMs;
      }
      date = nextDate(date);
    }
    throw new InvariantViolation(`no trading day within ${CLOSED_DAYS_IN_A_ROW_MAX} days of ${placedAtMs}`);
  },
};

/** Every moment is the regular session and DAY orders never expire: embedded mode, so a new user sees fills at any hour. */
export const alwaysOpen: MarketHours = {
  name: 'always',
  sessionAt: () => 'regular',
  dayOrderExpiresAtMs: () => Number.POSITIVE_INFINITY,
};

export const marketHoursNamed = (name: 'calendar' | 'always'): MarketHours => (name === 'calendar' ? usEquityCalendar : alwaysOpen);
