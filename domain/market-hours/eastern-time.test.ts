import fc from 'fast-check';
import { easternOf, instantOfEastern } from './eastern-time';

// The platform's time-zone database is the oracle for our rule-based Eastern time.
const newYork = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
const fromIntl = (utcMs: number) => {
  const parts = Object.fromEntries(newYork.formatToParts(utcMs).map((p) => [p.type, p.value]));
  return { date: { year: Number.parseInt(parts.year!, 10), month: Number.parseInt(parts.month!, 10), day: Number.parseInt(parts.day!, 10) }, minuteOfDay: Number.parseInt(parts.hour!, 10) * 60 + Number.parseInt(parts.minute!, 10) };
};
const span = { min: Date.parse('2008-01-01T00:00:00Z'), max: Date.parse('2035-12-31T00:00:00Z') };

describe('Eastern time by rule', () => {
  it('agrees with the time-zone database at every instant', () => {
    fc.assert(fc.property(fc.integer(span), (utcMs) => {
      expect(easternOf(utcMs)).toEqual(fromIntl(utcMs));
    }), { numRuns: 2_000 });
  });

  it('turns a market wall time back into the instant it names', () => {
    fc.assert(fc.property(fc.integer(span), fc.integer({ min: 4 * 60, max: 20 * 60 }), (utcMs, minuteOfDay) => {
      const { date } = easternOf(utcMs);
      expect(easternOf(instantOfEastern(date, minuteOfDay))).toEqual({ date, minuteOfDay });
    }), { numRuns: 2_000 });
  });
});
