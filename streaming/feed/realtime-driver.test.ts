import type { FeedSink } from './feed-sink';
import { createPrng } from './prng';
import { DRIVER_EVENTS_PER_TICK_MAX, DRIVER_TICK_MS, driveInRealTime } from './realtime-driver';
import { createFeedSimulator } from './simulator';

describe('real-time feed driver', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('emits what the rate owes up to the clock, and at most a bounded burst per tick', () => {
    let nowMs = 1_000_000;
    // Feed steps, not sink calls: one step may re-quote several venues at once.
    let events = 0;
    const sink: FeedSink = { onQuote: () => undefined, onTrade: () => undefined, onHalt: () => undefined };
    const simulator = createFeedSimulator({ symbols: [{ symbol: 'AAPL', priceTicks: 1_000_000 }], seed: 1, eventsPerSecond: 1_000, startMs: nowMs, prng: createPrng(1), haltProbability: 0 });
    const counted = { ...simulator, emit: (target: FeedSink, count: number) => { events += count; simulator.emit(target, count); } };
    const driver = driveInRealTime(counted, sink, 1_000, () => nowMs);
    nowMs += 100;
    jest.advanceTimersByTime(DRIVER_TICK_MS);
    expect(events).toBe(100);
    nowMs += 1_000_000; // a long stall
    jest.advanceTimersByTime(DRIVER_TICK_MS);
    expect(events).toBe(100 + DRIVER_EVENTS_PER_TICK_MAX);
    driver.stop();
  });
});
