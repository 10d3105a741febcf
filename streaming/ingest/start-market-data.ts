import type { Logger } from 'pino';
import type { Bus } from '../../infrastructure/bus/port';
import type { CandleStore, MarketSnapshotWriter } from '../../infrastructure/market/port';
import { SymbolTable } from '../market/symbol-table';
import { assetUniverse } from '../feed/asset-universe';
import { createPrng } from '../feed/prng';
import { driveInRealTime } from '../feed/realtime-driver';
import { createFeedSimulator } from '../feed/simulator';
import { startIngestService } from './ingest-service';
import { MarketIngest } from './market-ingest';

/** The seed's whole feed is 500K/s; a laptop-sized default keeps embedded mode light. */
export const DEFAULT_SIMULATED_EVENTS_PER_SECOND = 2_000;

/**
 * Embedded or `ingest` process: a simulated feed over the asset list (or `universe`), ticking in real time into
 * ingest, which publishes on `bus` and persists through `snapshots` and `candles`.
 */
export const startSimulatedMarketData = (deps: {
  readonly bus: Bus;
  readonly snapshots: MarketSnapshotWriter;
  readonly candles: CandleStore;
  readonly logger: Logger;
  readonly universe?: readonly { readonly symbol: string; readonly priceTicks: number }[];
  readonly eventsPerSecond?: number;
  readonly seed?: number;
  readonly nowMs?: () => number;
}): { readonly ingest: MarketIngest; stop(): Promise<void> } => {
  const universe = deps.universe ?? assetUniverse();
  const nowMs = deps.nowMs ?? Date.now;
  const eventsPerSecond = deps.eventsPerSecond ?? DEFAULT_SIMULATED_EVENTS_PER_SECOND;
  const seed = deps.seed ?? 1;
  const ingest = new MarketIngest(new SymbolTable(universe.map((u) => u.symbol)), deps.bus);
  const service = startIngestService({ ingest, snapshots: deps.snapshots, candles: deps.candles, logger: deps.logger });
  const simulator = createFeedSimulator({ symbols: universe, seed, eventsPerSecond, startMs: nowMs(), prng: createPrng(seed) });
  const driver = driveInRealTime(simulator, ingest, eventsPerSecond, nowMs);
  deps.logger.info({ symbols: universe.length, eventsPerSecond, seed }, 'simulated market data started');
  return {
    ingest,
    stop: async () => {
      driver.stop();
      await service.stop();
    },
  };
};
