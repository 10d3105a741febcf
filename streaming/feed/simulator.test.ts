import { SymbolTable } from '../market/symbol-table';
import { VENUE_COUNT } from '../market/venues';
import type { FeedSink } from './feed-sink';
import { createNdjsonRecorder } from './ndjson';
import { createPrng } from './prng';
import { createFeedSimulator } from './simulator';

const START_MS = Date.UTC(2026, 10, 25, 14, 30);
const universe = [{ symbol: 'AAPL', priceTicks: 1_874_200 }, { symbol: 'MSFT', priceTicks: 4_151_000 }, { symbol: 'PENNY', priceTicks: 4_321 }];
const simulate = (seed: number, count: number, haltProbability?: number) => {
  const lines: string[] = [];
  const sim = createFeedSimulator({ symbols: universe, seed, eventsPerSecond: 1_000, startMs: START_MS, prng: createPrng(seed), haltProbability });
  sim.emit(createNdjsonRecorder(new SymbolTable(universe.map((u) => u.symbol)), (line) => lines.push(line)), count);
  return { lines, sim };
};

describe('feed simulator', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(simulate(7, 2_000).lines).toEqual(simulate(7, 2_000).lines);
    expect(simulate(8, 2_000).lines).not.toEqual(simulate(7, 2_000).lines);
  });

  it('quotes sane markets per venue and trades at or inside the venue quote', () => {
    const top = new Map<string, { bid: number; ask: number }>();
    const counts = { quote: 0, trade: 0, depth: 0 };
    const sink: FeedSink = {
      onQuote: (s, v, level, bid, ask, bidSize, askSize) => {
        expect(ask).toBeGreaterThan(bid);
        expect(bidSize % 100 === 0 && askSize % 100 === 0 && askSize > 0).toBe(true);
        if (level > 0) return void (counts.depth += 1);
        counts.quote += 1;
        if (universe[s]!.priceTicks >= 10_000) expect([bid % 100, ask % 100]).toEqual([0, 0]); // cents from $1 up
        top.set(`${s}:${v}`, { bid, ask });
      },
      onTrade: (s, v, price, size) => {
        counts.trade += 1;
        const q = top.get(`${s}:${v}`)!;
        expect(price >= q.bid && price <= q.ask && size > 0).toBe(true);
      },
      onHalt: () => undefined,
    };
    createFeedSimulator({ symbols: universe, seed: 1, eventsPerSecond: 10_000, startMs: START_MS, prng: createPrng(1), venueCount: VENUE_COUNT }).emit(sink, 20_000);
    expect(counts.quote).toBeGreaterThan(10_000);
    expect(counts.trade).toBeGreaterThan(500);
    expect(counts.depth).toBeGreaterThan(500);
  });

  it('advances its clock by the configured rate and goes quiet on a halted symbol', () => {
    const { lines, sim } = simulate(3, 5_000, 0.01);
    expect(sim.nowMs()).toBe(START_MS + 5_000);
    const events = lines.map((l) => JSON.parse(l) as { type: string; symbol: string; ts_ms: number; halted_until_ms?: number });
    const halt = events.find((e) => e.type === 'halt')!;
    expect(halt.halted_until_ms).toBe(halt.ts_ms + 300_000);
    expect(events.filter((e) => e.symbol === halt.symbol && e.ts_ms > halt.ts_ms)).toEqual([]);
  });

  it('never leaves the market crossed: across venues the best bid stays below the best ask', () => {
    const bids = new Float64Array(universe.length * VENUE_COUNT);
    const asks = new Float64Array(universe.length * VENUE_COUNT).fill(Number.POSITIVE_INFINITY);
    let crossed = 0;
    const sink: FeedSink = {
      onQuote: (s, v, level, bid, ask) => {
        if (level !== 0) return;
        bids[s * VENUE_COUNT + v] = bid;
        asks[s * VENUE_COUNT + v] = ask;
      },
      onTrade: () => undefined,
      onHalt: () => undefined,
    };
    const sim = createFeedSimulator({ symbols: universe, seed: 3, eventsPerSecond: 1_000, startMs: START_MS, prng: createPrng(3), haltProbability: 0 });
    for (let step = 0; step < 20_000; step += 1) {
      sim.emit(sink, 1);
      for (let s = 0; s < universe.length; s += 1) {
        const slots = Array.from({ length: VENUE_COUNT }, (_, v) => s * VENUE_COUNT + v);
        if (Math.max(...slots.map((i) => bids[i]!)) >= Math.min(...slots.map((i) => asks[i]!))) crossed += 1;
      }
    }
    expect(crossed).toBe(0);
  });
});
