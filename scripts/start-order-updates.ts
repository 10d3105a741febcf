import { ORDER_UPDATE_EVENT_TYPES, orderUpdatesFrom } from '../projections/order-updates/order-update';
import { connectNatsBus, registerNatsMetrics } from '../infrastructure/bus/nats';
import { loadConfig } from '../infrastructure/config';
import { createEventStoreDbEventStore } from '../infrastructure/event-store/eventstoredb';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import type { EventStore } from '../infrastructure/event-store/port';
import { startOpsServer } from '../infrastructure/http/ops-server';
import { createLogger } from '../infrastructure/logging';
import { metrics } from '../infrastructure/metrics';
import { publishOrderUpdates, subscribeFromHead } from '../projections/order-updates/publish';
import { stopOnSignals, runProcess } from './process-lifecycle';

/** /healthz and /metrics; each distributed process has its own default so all of them start on one host. */
export const ORDER_UPDATES_DEFAULT_PORT = 8083;

/**
 * Distributed mode's order-update publisher: the event store's live tail of order events, as the seed's
 * `orders` messages on NATS `orders.<accountId>`, where each streaming node listens for its own users.
 */
const main = async () => {
  const config = loadConfig(process.env, { port: ORDER_UPDATES_DEFAULT_PORT });
  const logger = createLogger({ level: config.logLevel, name: 'order-updates' });
  if (config.natsUrl === undefined) throw new Error('order updates need NATS_URL');
  if (config.databaseUrl === undefined && config.eventStoreUrl === undefined) throw new Error('set EVENTSTORE_URL or DATABASE_URL');
  const store: EventStore = config.eventStoreUrl !== undefined
    ? createEventStoreDbEventStore({ connectionString: config.eventStoreUrl })
    : await createPostgresEventStore({ connectionString: config.databaseUrl!, logger, metrics });
  const bus = await connectNatsBus({ servers: config.natsUrl, name: `order-updates-${process.pid}`, logger });
  registerNatsMetrics(metrics.registry, bus);
  const stop = new AbortController();
  let running = true;
  const done = publishOrderUpdates(
    await subscribeFromHead(store, { signal: stop.signal, filter: { eventTypes: ORDER_UPDATE_EVENT_TYPES, streamPrefixes: ['account-'] } }),
    orderUpdatesFrom(store), bus,
  ).finally(() => { running = false; });
  done.catch((error: unknown) => { logger.error({ err: error }, 'order updates stopped'); });
  const ops = await startOpsServer({ port: config.port, portVariable: 'PORT', registry: metrics.registry, healthy: () => running });
  logger.info({ port: ops.port }, 'order updates running');
  stopOnSignals(logger, async () => {
    stop.abort();
    await done.catch(() => 0);
    await ops.close();
    await bus.close();
    await store.close();
  });
};

runProcess('order-updates', main);
