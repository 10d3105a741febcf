import { nthWeekday, weekdayOf, type CivilDate } from './eastern-time';

/**
 * NYSE full holidays and 1 pm early closes, by rule rather than a table, so every year is covered.
 * A holiday on a Saturday is observed the Friday before and on a Sunday the Monday after; New
 * Year's Day on a Saturday is not observed at all (the exchange does not close on December 31).
 */

const SUNDAY = 0;
const MONDAY = 1;
const THURSDAY = 4;
const FRIDAY = 5;
const SATURDAY = 6;
const JUNETEENTH_FIRST_YEAR = 2022;

const key = (month: number, day: number): string => `${month}-${day}`;

const observed = (year: number, month: number, day: number): string | null => {
  const weekday = weekdayOf({ year, month, day });
  if (weekday === SATURDAY) {
    if (month === 1 && day === 1) return null;
    const friday = new Date(Date.UTC(year, month - 1, day - 1));
    return key(friday.getUTCMonth() + 1, friday.getUTCDate());
  }
  if (weekday === SUNDAY) {
    const monday = new Date(Date.UTC(year, month - 1, day + 1));
    return key(monday.getUTCMonth() + 1, monday.getUTCDate());
  }
  return key(month, day);
};

/** Easter Sunday (Gregorian computus, the anonymous algorithm), for Good Friday. */
const easterSunday = (year: number): { month: number; day: number } => {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return { month, day };
};

const holidaysOf = (year: number): ReadonlySet<string> => {
  const easter = easterSunday(year);
  const goodFriday = new Date(Date.UTC(year, easter.month - 1, easter.day - 2));
  const days = [
    observed(year, 1, 1),
    key(1, nthWeekday(year, 1, MONDAY, 3)), // Martin Luther King Jr. Day
    key(2, nthWeekday(year, 2, MONDAY, 3)), // Washington's Birthday
    key(goodFriday.getUTCMonth() + 1, goodFriday.getUTCDate()),
    key(5, nthWeekday(year, 5, MONDAY, -1)), // Memorial Day
    year >= JUNETEENTH_FIRST_YEAR ? observed(year, 6, 19) : null,
    observed(year, 7, 4),
    key(9, nthWeekday(year, 9, MONDAY, 1)), // Labor Day
    key(11, nthWeekday(year, 11, THURSDAY, 4)), // Thanksgiving
    observed(year, 12, 25),
  ];
  return new Set(days.filter((d): d is string => d !== null));
};

export const isWeekend = (date: CivilDate): boolean => {
  const weekday = weekdayOf(date);
  return weekday === SATURDAY || weekday === SUNDAY;
};

export const isHoliday = (date: CivilDate): boolean => holidaysOf(date.year).has(key(date.month, date.day));

/** The day before Independence Day and Christmas (when those are Monday to Thursday) and the day after Thanksgiving. */
export const isEarlyClose = (date: CivilDate): boolean => {
  const weekday = weekdayOf(date);
  const beforeHoliday = (date.month === 7 && date.day === 3) || (date.month === 12 && date.day === 24);
  if (beforeHoliday) return weekday >= MONDAY && weekday <= THURSDAY;
  return date.month === 11 && weekday === FRIDAY && date.day === nthWeekday(date.year, 11, THURSDAY, 4) + 1;
};
