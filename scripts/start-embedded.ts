import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createTradingApi } from '../app/trading-api';
import { ORDER_UPDATE_EVENT_TYPES, orderUpdatesFrom } from '../projections/order-updates/order-update';
import { createInProcessBus } from '../infrastructure/bus/in-process';
import { loadConfig, warnAboutConfig } from '../infrastructure/config';
import { marketHoursNamed } from '../domain/market-hours/calendar';
import { throttleFromConfig } from '../infrastructure/auth/throttle-from-config';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createSqlEventStore } from '../infrastructure/event-store/postgres';
import { sqlDatabaseFromPgliteWorker } from '../infrastructure/pg/pglite-worker';
import { createInMemoryBuyingPowerStore } from '../infrastructure/buying-power/in-memory';
import { createProjections } from '../projections/all';
import { startEquitySnapshots } from '../projections/equity-snapshots/scheduler';
import { createBuyingPowerProjection } from '../projections/buying-power/model';
import { prepareProjection, resetProjection, startProjectionRunner } from '../projections/runner/runner';
import { consistencyWaitMsFromEnv } from '../read-api/read-models';
import { createInMemoryIdempotencyStore } from '../infrastructure/idempotency/in-memory-store';
import { createLogger } from '../infrastructure/logging';
import { createInMemoryCandleStore } from '../infrastructure/market/candle-store-in-memory';
import { createInMemoryMarketData } from '../infrastructure/market/in-memory';
import { metrics } from '../infrastructure/metrics';
import { startSimulatedMarketData } from '../streaming/ingest/start-market-data';
import { createStreamingNode } from '../streaming/node/streaming-node';
import { embeddedMfaKey } from '../infrastructure/mfa/key-file';
import { createInMemorySessionStore } from '../infrastructure/sessions/in-memory-store';
import { revocationNotifierOn } from '../infrastructure/sessions/revocation-notice';
import { publishOrderUpdates, subscribeFromHead } from '../projections/order-updates/publish';
import { prepareEmbeddedVenues, startEmbeddedExecution } from './embedded-execution';
import { stopOnSignals, runProcess } from './process-lifecycle';
import { OPERATOR_PATH, operatorEndpoint } from './operator/endpoint';
import { writeOperatorPort, writeOperatorSecret } from './operator/secret';

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
  // One PGlite holds the event store and the read models: it admits one process, and one connection.
  const database = sqlDatabaseFromPgliteWorker(dataDir === 'memory' ? {} : { dataDir });
  const store = await createSqlEventStore({ ...database, close: async () => undefined }, { batchesInFlightDefault: 1 });
  logger.info({ dataDir }, 'event store ready (PGlite)');
  const buyingPower = createInMemoryBuyingPowerStore();
  // The in-memory model starts empty at each start, so its checkpoint starts at 0 too.
  const buyingPowerModel = createBuyingPowerProjection(buyingPower);
  await prepareProjection(database, buyingPowerModel);
  await resetProjection(database, buyingPowerModel);
  const projections = await startProjectionRunner({ store, db: database, projections: [...createProjections(), buyingPowerModel], logger, registry: metrics.registry });

  const bus = createInProcessBus();
  const market = createInMemoryMarketData();
  const candles = createInMemoryCandleStore();
  const venueFeeds = prepareEmbeddedVenues();
  const feed = startSimulatedMarketData({ bus, snapshots: market, candles, logger, alsoTo: venueFeeds.sinks });
  const marketHours = marketHoursNamed(config.marketHours);
  const snapshots = startEquitySnapshots({ db: database, store, candles, quotes: market, logger });
  const execution = await startEmbeddedExecution({
    store, market, marketHours, logger, quotesByVenue: venueFeeds.quotesByVenue,
    database,
  });

  // One session store for the API and the streaming node: a revoked token opens no socket either.
  const sessionStore = createInMemorySessionStore();
  const mfaKey = config.mfaKey ?? (dataDir === 'memory' ? undefined : embeddedMfaKey(dataDir));
  const api = createTradingApi({
    store, idempotencyStore: createInMemoryIdempotencyStore(), jwtSecret: config.jwtSecret, logger, metrics, marketHours,
    sessionStore, onRevoked: revocationNotifierOn(bus), ...(mfaKey === undefined ? {} : { mfaKey }),
    ...(config.mfaWithdrawalThreshold === undefined ? {} : { mfaWithdrawalThresholdDecimal: config.mfaWithdrawalThreshold }),
    market: { reader: market, candles }, idempotencyTtlMs: config.idempotencyTtlMs,
    throttle: throttleFromConfig(config), trustedProxies: config.trustedProxies, corsOrigins: config.corsOrigins,
    jsonBodyBytesMax: config.jsonBodyBytesMax, shutdownGraceMs: config.shutdownGraceMs,
    readModels: { db: database, consistencyWaitMsMax: consistencyWaitMsFromEnv() }, buyingPower,
    readiness: async () => ({ ready: projections.healthy(), checks: Object.fromEntries(projections.status().map((p) => [`projection:${p.name}`, `position ${p.position}, ${p.lagEvents} events and ${p.lagMs} ms behind`])) }),
  });
  const apiPort = await api.start(config.port, config.host ?? '127.0.0.1');

  let serving = true;
  // Loopback only: metrics are for the operator on this machine, not for the API's public.
  // The operator commands reach this process's PGlite through it (scripts/operator/): loopback, the data directory's secret.
  const operator: Parameters<typeof startOpsServer>[0]['routes'] = dataDir === 'memory' ? {} : { [OPERATOR_PATH]: operatorEndpoint({ secret: writeOperatorSecret(dataDir), side: { store, db: database, mode: 'embedded' }, logger }) };
  const ops = await startOpsServer({ port: config.opsPort, host: '127.0.0.1', registry: metrics.registry, healthy: () => serving, routes: operator });
  if (dataDir !== 'memory') writeOperatorPort(dataDir, ops.port);

  const streaming = createStreamingNode({ bus, jwtSecret: config.jwtSecret, logger, revocations: sessionStore });
  const streamingPort = await streaming.listen(config.streamingPort ?? apiPort + 1, config.host ?? '127.0.0.1', 'STREAMING_PORT');

  const orderUpdates = new AbortController();
  const updates = publishOrderUpdates(
    await subscribeFromHead(store, { signal: orderUpdates.signal, filter: { eventTypes: ORDER_UPDATE_EVENT_TYPES, streamPrefixes: ['account-'] } }),
    orderUpdatesFrom(store), bus,
  );

  logger.info({ api: `http://localhost:${apiPort}`, streaming: `http://localhost:${streamingPort}`, openapi: `http://localhost:${apiPort}/v1/openapi.json`, metrics: `http://127.0.0.1:${ops.port}/metrics` }, 'embedded platform ready');
  process.stdout.write(`\nBrokerage (embedded) ready:\n  REST API        http://localhost:${apiPort}  (GET /v1/openapi.json)\n  streaming       http://localhost:${streamingPort}  (Socket.IO, ws://localhost:${streamingPort}/v1/market/stream)\n\n`);

  stopOnSignals(logger, async () => {
    await streaming.drain();
    await streaming.close();
    serving = false;
    await api.stop();
    await execution.stop();
    await ops.close();
    orderUpdates.abort();
    await updates.catch(() => 0);
    await feed.stop();
    await bus.close();
    await snapshots.stop();
    await projections.stop();
    await store.close();
    await database.close();
  });
};

runProcess('embedded', main);
