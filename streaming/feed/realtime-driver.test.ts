import type { FeedSink } from './feed-sink';
import { createPrng } from './prng';
import { DRIVER_EVENTS_PER_TICK_MAX, DRIVER_TICK_MS, driveInRealTime } from './realtime-driver';
import { createFeedSimulator } from './simulator';

describe('real-time feed driver', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('emits what the rate owes up to the clock, and at most a bounded burst per tick', () => {
    let nowMs = 1_000_000;
    let events = 0;
    const sink: FeedSink = { onQuote: () => void (events += 1), onTrade: () => void (events += 1), onHalt: () => void (events += 1) };
    const simulator = createFeedSimulator({ symbols: [{ symbol: 'AAPL', priceTicks: 1_000_000 }], seed: 1, eventsPerSecond: 1_000, startMs: nowMs, prng: createPrng(1), haltProbability: 0 });
    const driver = driveInRealTime(simulator, sink, 1_000, () => nowMs);
    nowMs += 100;
    jest.advanceTimersByTime(DRIVER_TICK_MS);
    expect(events).toBe(100);
    nowMs += 1_000_000; // a long stall
    jest.advanceTimersByTime(DRIVER_TICK_MS);
    expect(events).toBe(100 + DRIVER_EVENTS_PER_TICK_MAX);
    driver.stop();
  });
});
