import { EARLY_CLOSE_MINUTE, REGULAR_CLOSE_MINUTE, REGULAR_OPEN_MINUTE } from './calendar';
import { DAY_MS, easternOf, instantOfEastern, type CivilDate } from './eastern-time';
import { isEarlyClose, isHoliday, isWeekend } from './nyse-holidays';

/** Bounds every walk over days: no run of closed days is this long. */
const CLOSED_DAYS_IN_A_ROW_MAX = 10;

export const isTradingDay = (date: CivilDate): boolean => !isWeekend(date) && !isHoliday(date);

export const regularOpenMs = (date: CivilDate): number => instantOfEastern(date, REGULAR_OPEN_MINUTE);

/** 16:00 Eastern, or 13:00 on an early-close day: the instant a day's closing prices and equity refer to. */
export const regularCloseMs = (date: CivilDate): number => instantOfEastern(date, isEarlyClose(date) ? EARLY_CLOSE_MINUTE : REGULAR_CLOSE_MINUTE);

export const previousDate = (date: CivilDate): CivilDate => {
  const previous = new Date(Date.UTC(date.year, date.month - 1, date.day) - DAY_MS);
  return { year: previous.getUTCFullYear(), month: previous.getUTCMonth() + 1, day: previous.getUTCDate() };
};

export const isoDate = (date: CivilDate): string =>
  `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;

/** The latest trading day, on or before `date`. */
const tradingDayOnOrBefore = (date: CivilDate): CivilDate => {
  let day = date;
  for (let step = 0; step < CLOSED_DAYS_IN_A_ROW_MAX; step += 1) {
    if (isTradingDay(day)) return day;
    day = previousDate(day);
  }
  throw new Error(`no trading day within ${CLOSED_DAYS_IN_A_ROW_MAX} days before ${isoDate(date)}`);
};

/** The latest trading day whose regular close is at or before `nowMs`: the day a close-of-day snapshot is due for. */
export const lastClosedTradingDay = (nowMs: number): CivilDate => {
  const today = tradingDayOnOrBefore(easternOf(nowMs).date);
  return regularCloseMs(today) <= nowMs ? today : tradingDayOnOrBefore(previousDate(today));
};

/** The trading day a 1-day chart shows at `nowMs`: today from its regular open on, else the last one before. */
export const chartTradingDay = (nowMs: number): CivilDate => {
  const today = tradingDayOnOrBefore(easternOf(nowMs).date);
  return regularOpenMs(today) <= nowMs ? today : tradingDayOnOrBefore(previousDate(today));
};

/** Trading days from `from` to `to`, both included, oldest first. */
export const tradingDaysBetween = (from: CivilDate, to: CivilDate, daysMax: number): CivilDate[] => {
  const days: CivilDate[] = [];
  let day = to;
  for (let step = 0; step < daysMax * 2 + CLOSED_DAYS_IN_A_ROW_MAX && isoDate(day) >= isoDate(from); step += 1) {
    if (isTradingDay(day)) days.push(day);
    day = previousDate(day);
  }
  return days.reverse().slice(-daysMax);
};
