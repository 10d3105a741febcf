import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { createLogger, type Logger } from '../logging';
import { metrics as processMetrics, type Metrics } from '../metrics';

/** How a pool reports a broken connection: its name (the metric label), where to log, where to count. */
export type PoolWatch = { readonly name: string; readonly logger?: Logger; readonly metrics?: Metrics };

/**
 * Every PostgreSQL pool of every process goes through here. A connection can break at any time (a
 * terminated backend, a failover, the network), and `pg` reports it as an 'error' event: on a pool
 * with no listener, or on a checked-out client with none, that event kills the process. Here each
 * break is logged and counted once (on the client, idle or checked out), and the pool replaces the
 * connection on its next use: a broken client is never returned to it.
 */
export const watchPool = (pool: Pool, watch: PoolWatch): Pool => {
  const logger = watch.logger ?? createLogger({ name: `pg-${watch.name}` });
  const metrics = watch.metrics ?? processMetrics;
  const onClientError = (error: Error) => {
    metrics.pgConnectionErrors.inc({ pool: watch.name });
    logger.warn({ err: error, pool: watch.name }, 'PostgreSQL connection broke; the pool replaces it');
  };
  pool.on('connect', (client: PoolClient) => { client.on('error', onClientError); });
  // pg-pool re-emits an idle client's error here; it was counted by the client's own listener above.
  pool.on('error', () => undefined);
  return pool;
};

/** A watched pool (see watchPool). */
export const createPool = (config: PoolConfig, watch: PoolWatch): Pool => watchPool(new Pool(config), watch);
