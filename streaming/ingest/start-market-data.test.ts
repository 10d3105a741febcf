import pino from 'pino';
import { createInMemoryCandleStore } from '../../infrastructure/market/candle-store-in-memory';
import { createInMemoryMarketData } from '../../infrastructure/market/in-memory';
import { DRIVER_TICK_MS } from '../feed/realtime-driver';
import { startSimulatedMarketData } from './start-market-data';
import { createRecordingBus } from '../../test/support/recording-bus';

describe('simulated market data in embedded mode', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('ticks the asset list into the bus, the last-quote store and the candle store', async () => {
    let nowMs = Date.UTC(2026, 10, 25, 15);
    const bus = createRecordingBus();
    const market = createInMemoryMarketData();
    const candles = createInMemoryCandleStore();
    const running = startSimulatedMarketData({ bus, snapshots: market, candles, logger: pino({ level: 'silent' }), eventsPerSecond: 100_000, nowMs: () => nowMs });
    for (let tick = 0; tick < 20; tick += 1) {
      nowMs += DRIVER_TICK_MS;
      jest.advanceTimersByTime(DRIVER_TICK_MS);
    }
    jest.useRealTimers();
    await running.stop();
    expect(running.ingest.stats.quotes).toBeGreaterThan(10_000);
    expect(bus.messages.some((m) => m.subject === 'md.quote.AAPL')).toBe(true);
    expect((await market.lastQuote('AAPL'))?.symbol).toBe('AAPL');
    expect((await candles.candles('AAPL', '1d', 0, nowMs + 86_400_000, 10)).length).toBe(1);
  });
});
