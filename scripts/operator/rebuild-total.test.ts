import type { RebuildProgress } from '../../projections/rebuild/rebuild';
import { rebuildTotalEstimator } from './rebuild-total';

/** Positions as the PostgreSQL store packs them: the writing transaction's id above 20 bits of place. */
const positionOf = (xid: number, seq: number): bigint => (BigInt(xid) << 20n) | BigInt(seq);

const report = (events: number, position: bigint, head: bigint, phase: RebuildProgress['phase'] = 'scan'): RebuildProgress => ({ events, position, head, phase });

describe('a rebuild total estimated from positions', () => {
  // 100,000 events, 4 per transaction, from transaction 900 on: positions start far from 0 and skip most values.
  const eventsTotal = 100_000;
  const positionOfEvent = (n: number) => positionOf(900 + Math.floor(n / 4), n % 4);
  const head = positionOfEvent(eventsTotal - 1);

  it('is unknown at the first report, close to the real count after the second, exact at the head', () => {
    const totalOf = rebuildTotalEstimator();
    expect(totalOf(report(10_000, positionOfEvent(9_999), head))).toBeUndefined();
    const estimate = totalOf(report(20_000, positionOfEvent(19_999), head))!;
    expect(Math.abs(estimate - eventsTotal)).toBeLessThan(eventsTotal * 0.01);
    expect(totalOf(report(eventsTotal, head, head))).toBe(eventsTotal);
  });

  it('never reads a position as an event count, where the old bar divided 10,000 events by a head of ~10^9', () => {
    const totalOf = rebuildTotalEstimator();
    totalOf(report(10_000, positionOfEvent(9_999), head));
    const estimate = totalOf(report(50_000, positionOfEvent(49_999), head))!;
    expect(estimate).toBeLessThan(Number(head) / 1_000);
    expect(estimate).toBeGreaterThanOrEqual(50_000);
  });

  it('follows a head that moves on during the catch-up', () => {
    const totalOf = rebuildTotalEstimator();
    totalOf(report(10_000, positionOfEvent(9_999), head));
    expect(totalOf(report(eventsTotal, head, head))).toBe(eventsTotal);
    const newHead = positionOfEvent(eventsTotal + 999);
    const estimate = totalOf(report(eventsTotal, head, newHead, 'catch-up'))!;
    expect(Math.abs(estimate - (eventsTotal + 1_000))).toBeLessThan(50);
  });
});
