/**
 * US Eastern time without a time-zone database: since 2007 daylight time starts on the second Sunday
 * of March at 2:00 local and ends on the first Sunday of November at 2:00 local. `Date` is used only
 * as a calendar calculator on explicit UTC instants, never as a clock.
 */

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const EST_OFFSET_HOURS = -5;
const EDT_OFFSET_HOURS = -4;
const DST_SWITCH_LOCAL_HOUR = 2;

export type CivilDate = { readonly year: number; readonly month: number; readonly day: number };

/** 0 = Sunday … 6 = Saturday. */
export const weekdayOf = (date: CivilDate): number => new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();

/** The day of `month` that is the `nth` (1-based) `weekday` of it; nth = -1 is the last. */
export const nthWeekday = (year: number, month: number, weekday: number, nth: number): number => {
  if (nth > 0) {
    const first = weekdayOf({ year, month, day: 1 });
    return 1 + ((weekday - first + 7) % 7) + (nth - 1) * 7;
  }
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = weekdayOf({ year, month, day: lastDay });
  return lastDay - ((last - weekday + 7) % 7);
};

const utcOfLocal = (date: CivilDate, hour: number, offsetHours: number): number =>
  Date.UTC(date.year, date.month - 1, date.day, hour) - offsetHours * HOUR_MS;

const daylightSpanUtc = (year: number): { startMs: number; endMs: number } => ({
  startMs: utcOfLocal({ year, month: 3, day: nthWeekday(year, 3, 0, 2) }, DST_SWITCH_LOCAL_HOUR, EST_OFFSET_HOURS),
  endMs: utcOfLocal({ year, month: 11, day: nthWeekday(year, 11, 0, 1) }, DST_SWITCH_LOCAL_HOUR, EDT_OFFSET_HOURS),
});

const offsetHoursAt = (utcMs: number): number => {
  const { startMs, endMs } = daylightSpanUtc(new Date(utcMs).getUTCFullYear());
  return utcMs >= startMs && utcMs < endMs ? EDT_OFFSET_HOURS : EST_OFFSET_HOURS;
};

/** The Eastern civil date of an instant and the minutes since its local midnight. */
export const easternOf = (utcMs: number): { readonly date: CivilDate; readonly minuteOfDay: number } => {
  const local = new Date(utcMs + offsetHoursAt(utcMs) * HOUR_MS);
  return {
    date: { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() },
    minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
};

/**
 * The instant of a local Eastern wall time on `date`. Market times (4:00 to 20:00) never fall in the
 * 2:00 switch hour, so the date's offset at noon is the one in force.
 */
export const instantOfEastern = (date: CivilDate, minuteOfDay: number): number => {
  const noonGuess = Date.UTC(date.year, date.month - 1, date.day, 12) - EST_OFFSET_HOURS * HOUR_MS;
  const offsetHours = offsetHoursAt(noonGuess);
  return Date.UTC(date.year, date.month - 1, date.day) + minuteOfDay * 60_000 - offsetHours * HOUR_MS;
};

export const nextDate = (date: CivilDate): CivilDate => {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day) + DAY_MS);
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
};
