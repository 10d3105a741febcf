import fc from 'fast-check';
import { LULD_BUCKET_MS, LULD_WINDOW_MS, LuldBands } from './luld-bands';

const T0 = Date.UTC(2026, 10, 25, 15);

describe('LULD bands', () => {
  it('halts on a move of more than 5% within 5 minutes, in either direction', () => {
    const up = new LuldBands(1);
    expect(up.onTrade(0, 1_000_000, T0)).toBe(false);
    expect(up.onTrade(0, 1_050_000, T0 + 60_000)).toBe(false); // exactly 5% is not more than 5%
    expect(up.onTrade(0, 1_050_001, T0 + 120_000)).toBe(true);
    const down = new LuldBands(1);
    down.onTrade(0, 1_000_000, T0);
    expect(down.onTrade(0, 950_000, T0 + 1)).toBe(false);
    expect(down.onTrade(0, 949_999, T0 + 2)).toBe(true);
  });

  it('forgets prices older than the window, and starts empty after a trigger', () => {
    const bands = new LuldBands(1);
    bands.onTrade(0, 1_000_000, T0);
    expect(bands.onTrade(0, 1_100_000, T0 + LULD_WINDOW_MS + LULD_BUCKET_MS)).toBe(false);
    expect(bands.onTrade(0, 1_200_000, T0 + LULD_WINDOW_MS + LULD_BUCKET_MS + 1)).toBe(true);
    expect(bands.onTrade(0, 1_400_000, T0 + LULD_WINDOW_MS + LULD_BUCKET_MS + 2)).toBe(false);
  });

  it('agrees with a brute-force scan of the trades in the bucketed window', () => {
    fc.assert(fc.property(fc.array(fc.record({ price: fc.integer({ min: 900_000, max: 1_100_000 }), gapMs: fc.integer({ min: 0, max: 90_000 }) }), { maxLength: 80 }), (rows) => {
      const bands = new LuldBands(1);
      let window: { price: number; tsMs: number }[] = [];
      let tsMs = T0;
      for (const { price, gapMs } of rows) {
        tsMs += gapMs;
        const oldestBucket = Math.floor(tsMs / LULD_BUCKET_MS) - LULD_WINDOW_MS / LULD_BUCKET_MS + 1;
        const live = window.filter((t) => Math.floor(t.tsMs / LULD_BUCKET_MS) >= oldestBucket);
        const low = Math.min(...live.map((t) => t.price));
        const high = Math.max(...live.map((t) => t.price));
        const expected = live.length > 0 && (price * 100 > low * 105 || price * 100 < high * 95);
        expect(bands.onTrade(0, price, tsMs)).toBe(expected);
        window = expected ? [] : [...live, { price, tsMs }];
      }
    }), { numRuns: 300 });
  });
});
