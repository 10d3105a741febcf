import type { Logger } from 'pino';
import type { CandleStore, MarketSnapshotWriter } from '../../infrastructure/market/port';
import type { MarketIngest } from './market-ingest';

/** Redis snapshots and due books go out this often: the latest state wins, so a slower write just coalesces more. */
/** Progress goes to the log every this many candle flushes (about half a minute), not every second. */
export const PROGRESS_LOG_EVERY_FLUSHES = 30;
export const SNAPSHOT_FLUSH_MS = 100;
export const CANDLE_FLUSH_MS = 1_000;

export type IngestService = {
  /** Writes whatever is pending now (books due, snapshots, candle deltas). Also what stop() does last. */
  flush(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Drives the side effects of an ingest on timers: books, Redis snapshots, candle upserts. A write still in flight
 * makes the next tick skip (state keeps coalescing in the ingest, bounded there). A failed write is logged and
 * dropped: the plane is fresh-or-dropped, and the next snapshot carries the latest state anyway.
 */
export const startIngestService = (deps: {
  readonly ingest: MarketIngest;
  readonly snapshots: MarketSnapshotWriter;
  readonly candles: CandleStore;
  readonly logger: Logger;
  readonly snapshotFlushMs?: number;
  readonly candleFlushMs?: number;
}): IngestService => {
  const { ingest, snapshots, candles, logger } = deps;
  let snapshotInFlight: Promise<void> | undefined;
  let candlesInFlight: Promise<void> | undefined;

  const flushSnapshots = (): Promise<void> => {
    if (snapshotInFlight) return snapshotInFlight;
    ingest.publishDueBooks();
    const entries = ingest.drainSnapshots();
    snapshotInFlight = snapshots.writeBatch(entries)
      .catch((error: unknown) => logger.error({ err: error, entries: entries.length }, 'market snapshot write failed; dropped'))
      .finally(() => { snapshotInFlight = undefined; });
    return snapshotInFlight;
  };
  const flushCandles = (): Promise<void> => {
    if (candlesInFlight) return candlesInFlight;
    const deltas = ingest.drainCandles();
    candlesInFlight = candles.upsertDeltas(deltas)
      .catch((error: unknown) => logger.error({ err: error, deltas: deltas.length }, 'candle upsert failed; dropped'))
      .finally(() => { candlesInFlight = undefined; });
    return candlesInFlight;
  };
  const snapshotTimer = setInterval(() => void flushSnapshots(), deps.snapshotFlushMs ?? SNAPSHOT_FLUSH_MS);
  let candleFlushes = 0;
  const candleTimer = setInterval(() => {
    void flushCandles();
    candleFlushes += 1;
    if (candleFlushes % PROGRESS_LOG_EVERY_FLUSHES === 0) logger.info({ stats: ingest.stats, feedNowMs: ingest.feedNowMs }, 'ingest progress');
  }, deps.candleFlushMs ?? CANDLE_FLUSH_MS);

  const flush = async (): Promise<void> => {
    await Promise.all([snapshotInFlight, candlesInFlight]);
    await Promise.all([flushSnapshots(), flushCandles()]);
  };
  return {
    flush,
    stop: async () => {
      clearInterval(snapshotTimer);
      clearInterval(candleTimer);
      await flush();
    },
  };
};
