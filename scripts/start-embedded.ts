import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createTradingApi } from '../app/trading-api';
import { ORDER_UPDATE_EVENT_TYPES, orderUpdateOf } from '../projections/order-updates/order-update';
import { createInProcessBus } from '../infrastructure/bus/in-process';
import { loadConfig, warnAboutConfig } from '../infrastructure/config';
import { createPgliteEventStore } from '../infrastructure/event-store/postgres';
import { createInMemoryIdempotencyStore } from '../infrastructure/idempotency/in-memory-store';
import { createLogger } from '../infrastructure/logging';
import { createInMemoryCandleStore } from '../infrastructure/market/candle-store-in-memory';
import { createInMemoryMarketData } from '../infrastructure/market/in-memory';
import { metrics } from '../infrastructure/metrics';
import { startSimulatedMarketData } from '../streaming/ingest/start-market-data';
import { createStreamingNode } from '../streaming/node/streaming-node';
import { publishOrderUpdates, subscribeFromHead } from '../projections/order-updates/publish';
import { stopOnSignals } from './process-lifecycle';

/**
 * Embedded mode (`npm start`): the whole platform in one process with nothing to install. PGlite holds
 * the event store (in `DATA_DIR`, default `.data/embedded`; `DATA_DIR=memory` keeps nothing), an
 * in-process bus and in-memory stores stand in for NATS and Redis, and a simulated multi-venue feed ticks.
 * The REST API listens on PORT (8080), the streaming node (Socket.IO and /v1/market/stream) on STREAMING_PORT (8081).
 */
const main = async () => {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'embedded' });
  warnAboutConfig(config, logger);
  const dataDir = process.env.DATA_DIR ?? path.resolve(__dirname, '..', '.data', 'embedded');
  if (dataDir !== 'memory') mkdirSync(dataDir, { recursive: true });
  const store = await createPgliteEventStore({ ...(dataDir === 'memory' ? {} : { dataDir }), onWorkerThread: true });
  logger.info({ dataDir }, 'event store ready (PGlite)');

  const bus = createInProcessBus();
  const market = createInMemoryMarketData();
  const candles = createInMemoryCandleStore();
  const feed = startSimulatedMarketData({ bus, snapshots: market, candles, logger });

  const api = createTradingApi({
    store, idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: config.jwtSecret, logger, metrics,
    market: { reader: market, candles }, idempotencyTtlMs: config.idempotencyTtlMs,
    jsonBodyBytesMax: config.jsonBodyBytesMax, shutdownGraceMs: config.shutdownGraceMs,
  });
  const apiPort = await api.start(config.port, config.host ?? '127.0.0.1');

  const streaming = createStreamingNode({ bus, jwtSecret: config.jwtSecret, logger });
  const streamingPort = await streaming.listen(config.streamingPort ?? apiPort + 1, config.host ?? '127.0.0.1');

  const orderUpdates = new AbortController();
  const updates = publishOrderUpdates(
    await subscribeFromHead(store, { signal: orderUpdates.signal, filter: { eventTypes: ORDER_UPDATE_EVENT_TYPES, streamPrefixes: ['account-'] } }),
    orderUpdateOf, bus,
  );

  logger.info({ api: `http://localhost:${apiPort}`, streaming: `http://localhost:${streamingPort}`, openapi: `http://localhost:${apiPort}/v1/openapi.json` }, 'embedded platform ready');
  process.stdout.write(`\nBrokerage (embedded) ready:\n  REST API        http://localhost:${apiPort}  (GET /v1/openapi.json)\n  streaming       http://localhost:${streamingPort}  (Socket.IO, ws://localhost:${streamingPort}/v1/market/stream)\n\n`);

  stopOnSignals(logger, async () => {
    await streaming.drain();
    await streaming.close();
    await api.stop();
    orderUpdates.abort();
    await updates.catch(() => 0);
    await feed.stop();
    await bus.close();
    await store.close();
  });
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
