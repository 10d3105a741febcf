import { chartTradingDay, isoDate, lastClosedTradingDay, regularCloseMs, regularOpenMs, tradingDaysBetween } from './trading-days';

const utc = (month: number, day: number, hour: number, minute = 0) => Date.UTC(2026, month - 1, day, hour, minute);
const date = (month: number, day: number) => ({ year: 2026, month, day });

describe('trading days (US equity calendar)', () => {
  it('opens at 9:30 and closes at 16:00 Eastern, 13:00 on an early close, across the daylight saving switch', () => {
    expect(regularOpenMs(date(11, 24))).toBe(utc(11, 24, 14, 30)); // EST
    expect(regularCloseMs(date(11, 24))).toBe(utc(11, 24, 21));
    expect(regularCloseMs(date(10, 30))).toBe(utc(10, 30, 20)); // EDT
    expect(regularCloseMs(date(11, 27))).toBe(utc(11, 27, 18)); // the day after Thanksgiving
  });

  it('names the day a close-of-day snapshot is due for, and the day a 1-day chart shows', () => {
    expect(isoDate(lastClosedTradingDay(utc(11, 24, 20, 59)))).toBe('2026-11-23');
    expect(isoDate(lastClosedTradingDay(utc(11, 24, 21)))).toBe('2026-11-24');
    expect(isoDate(lastClosedTradingDay(utc(11, 26, 22)))).toBe('2026-11-25'); // Thanksgiving
    expect(isoDate(lastClosedTradingDay(utc(11, 30, 3)))).toBe('2026-11-27'); // Monday night, Eastern still Sunday
    expect(isoDate(chartTradingDay(utc(11, 24, 14, 29)))).toBe('2026-11-23');
    expect(isoDate(chartTradingDay(utc(11, 24, 14, 30)))).toBe('2026-11-24');
    expect(isoDate(chartTradingDay(utc(11, 28, 12)))).toBe('2026-11-27');
  });

  it('lists the trading days of a range, oldest first, at most the count asked for', () => {
    expect(tradingDaysBetween(date(11, 23), date(11, 30), 10).map(isoDate)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-27', '2026-11-30']);
    expect(tradingDaysBetween(date(11, 23), date(11, 30), 2).map(isoDate)).toEqual(['2026-11-27', '2026-11-30']);
    expect(tradingDaysBetween(date(11, 28), date(11, 29), 10)).toEqual([]);
  });
});
