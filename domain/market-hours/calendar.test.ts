import fc from 'fast-check';
import { alwaysOpen, usEquityCalendar } from './calendar';

const at = (iso: string): number => Date.parse(iso);
const session = (iso: string) => usEquityCalendar.sessionAt(at(iso));

describe('the US equity calendar', () => {
  it('opens the regular session at 9:30 and closes it at 16:00 Eastern, in winter (EST) and summer (EDT)', () => {
    expect(session('2025-01-15T14:29:59Z')).toBe('pre_market'); // 9:29:59 EST
    expect(session('2025-01-15T14:30:00Z')).toBe('regular');
    expect(session('2025-01-15T20:59:59Z')).toBe('regular');
    expect(session('2025-01-15T21:00:00Z')).toBe('after_hours');
    expect(session('2025-07-15T13:30:00Z')).toBe('regular'); // 9:30 EDT
    expect(session('2025-07-15T13:29:00Z')).toBe('pre_market');
    expect(session('2025-07-15T20:00:00Z')).toBe('after_hours'); // 16:00 EDT
  });

  it('has pre-market from 4:00 and after hours to 20:00, closed outside them', () => {
    expect(session('2025-01-15T08:59:00Z')).toBe('closed'); // 3:59 EST
    expect(session('2025-01-15T09:00:00Z')).toBe('pre_market');
    expect(session('2025-01-16T00:59:00Z')).toBe('after_hours'); // 19:59 EST
    expect(session('2025-01-16T01:00:00Z')).toBe('closed');
  });

  it('moves with daylight saving time on the second Sunday of March and the first of November', () => {
    // 2025: DST from March 9 to November 2. The Friday before and the Monday after differ by an hour in UTC.
    expect(session('2025-03-07T14:30:00Z')).toBe('regular');
    expect(session('2025-03-10T13:30:00Z')).toBe('regular');
    expect(session('2025-03-10T13:29:00Z')).toBe('pre_market');
    expect(session('2025-10-31T13:30:00Z')).toBe('regular');
    expect(session('2025-11-03T13:30:00Z')).toBe('pre_market'); // 8:30 EST
    expect(session('2025-11-03T14:30:00Z')).toBe('regular');
  });

  it('is closed at weekends and on NYSE holidays, observed on the nearest weekday', () => {
    expect(session('2025-01-18T15:00:00Z')).toBe('closed'); // Saturday
    expect(session('2025-01-19T15:00:00Z')).toBe('closed'); // Sunday
    for (const holiday of ['2025-01-01', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25']) {
      expect([holiday, session(`${holiday}T16:00:00Z`)]).toEqual([holiday, 'closed']);
    }
    expect(session('2026-07-03T16:00:00Z')).toBe('closed'); // July 4, 2026 is a Saturday
    expect(session('2027-12-24T16:00:00Z')).toBe('closed'); // Christmas 2027 is a Saturday
    expect(session('2023-01-02T16:00:00Z')).toBe('closed'); // New Year 2023 is a Sunday
    expect(session('2021-12-31T16:00:00Z')).toBe('regular'); // New Year 2022 is a Saturday: not observed
    expect(session('2021-06-18T16:00:00Z')).toBe('regular'); // before Juneteenth was an exchange holiday
  });

  it('closes at 13:00 on early-close days, with after hours until 17:00', () => {
    expect(session('2025-11-28T17:59:00Z')).toBe('regular'); // day after Thanksgiving, 12:59 EST
    expect(session('2025-11-28T18:00:00Z')).toBe('after_hours');
    expect(session('2025-11-28T22:00:00Z')).toBe('closed');
    expect(session('2025-12-24T18:00:00Z')).toBe('after_hours');
    expect(session('2025-07-03T17:00:00Z')).toBe('after_hours'); // 13:00 EDT
    expect(session('2026-12-24T17:00:00Z')).toBe('regular'); // Thursday: early close at 13:00 EST = 18:00Z
    expect(session('2026-12-24T18:00:00Z')).toBe('after_hours');
  });

  it('expires a DAY order at the close of the day it belongs to', () => {
    expect(usEquityCalendar.dayOrderExpiresAtMs(at('2025-01-15T15:00:00Z'), false)).toBe(at('2025-01-15T21:00:00Z'));
    expect(usEquityCalendar.dayOrderExpiresAtMs(at('2025-01-15T15:00:00Z'), true)).toBe(at('2025-01-16T01:00:00Z'));
    expect(usEquityCalendar.dayOrderExpiresAtMs(at('2025-11-28T15:00:00Z'), false)).toBe(at('2025-11-28T18:00:00Z'));
    // Placed after Friday's close: the next trading day is Tuesday after Presidents' Day.
    expect(usEquityCalendar.dayOrderExpiresAtMs(at('2025-02-14T22:00:00Z'), false)).toBe(at('2025-02-18T21:00:00Z'));
  });

  it('never expires a DAY order before it was placed, nor more than a week and a half after', () => {
    const span = { min: at('2020-01-01T00:00:00Z'), max: at('2030-12-31T00:00:00Z') };
    fc.assert(fc.property(fc.integer(span), fc.boolean(), (placedAtMs, extended) => {
      const expiresAtMs = usEquityCalendar.dayOrderExpiresAtMs(placedAtMs, extended);
      expect(expiresAtMs).toBeGreaterThan(placedAtMs);
      expect(expiresAtMs - placedAtMs).toBeLessThan(10 * 24 * 3_600_000);
      // The last minute before the close is inside a session the order may trade in.
      expect(usEquityCalendar.sessionAt(expiresAtMs - 60_000)).toBe(extended ? 'after_hours' : 'regular');
    }));
  });

  it('as "always", treats every moment as the regular session', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4e12 }), (atMs) => {
      expect(alwaysOpen.sessionAt(atMs)).toBe('regular');
    }));
  });
});
