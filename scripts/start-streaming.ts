import { connectNatsBus, registerNatsMetrics } from '../infrastructure/bus/nats';
import { loadConfig } from '../infrastructure/config';
import { createLogger } from '../infrastructure/logging';
import Redis from 'ioredis';
import { ADMISSIONS_PER_SECOND_MAX } from '../streaming/node/admission';
import { serveNodeReports } from '../streaming/node/cluster-node';
import { createStreamingNode } from '../streaming/node/streaming-node';
import { createRedisSessionStore } from '../infrastructure/sessions/redis-store';

import { runWorkers, workersFromEnvOrExit } from './cluster-workers';
import { runProcess } from './process-lifecycle';

/** A standalone node's port when PORT is not set; embedded mode puts its node on the API's port + 1 instead. */
export const STREAMING_NODE_PORT_DEFAULT = 8081;
const NATS_URL_DEFAULT = 'nats://127.0.0.1:4222';
const HOST_DEFAULT = '0.0.0.0';

const workers = workersFromEnvOrExit('STREAMING_WORKERS');

/**
 * Distributed mode's streaming node (`npm run start:streaming`): Socket.IO and `/v1/market/stream` over NATS.
 * Reads PORT (default 8081), HOST, NATS_URL (default the local NATS), REDIS_URL (optional: the revocation list), JWT_SECRET (required: the node verifies
 * the API's tokens, so a made-up secret would refuse every client), LOG_LEVEL, SHUTDOWN_GRACE_MS and STREAMING_WORKERS
 * (default 1: one process; N: N worker processes on the one port, each with its own NATS connection and subscriptions,
 * and a fair share of the node's admissions, so the node as a whole admits at most 500 connections a second).
 */
const main = async (): Promise<void> => {
  const config = loadConfig(process.env, { port: STREAMING_NODE_PORT_DEFAULT });
  const logger = createLogger({ level: config.logLevel, name: 'streaming-node' });
  if (config.jwtSecretGenerated) throw new Error('JWT_SECRET is required');
  const bus = await connectNatsBus({ servers: config.natsUrl ?? NATS_URL_DEFAULT, name: `streaming-node-${process.pid}`, logger });
  // With Redis, the API's revocation list: a revoked token opens no new socket (the bus closes the open ones).
  const redis = config.redisUrl === undefined ? undefined : new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  const node = createStreamingNode({
    bus, jwtSecret: config.jwtSecret, logger, admissionsPerSecond: ADMISSIONS_PER_SECOND_MAX / workers, workerOfNode: workers > 1,
    ...(redis ? { revocations: createRedisSessionStore(redis, { keyPrefix: 'session:' }) } : {}),
  });
  registerNatsMetrics(node.metrics.registry, bus);
  const port = await node.listen(config.port, config.host ?? HOST_DEFAULT);
  logger.info({ port }, 'streaming node listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), config.shutdownGraceMs).unref();
    node.drain()
      .then(() => node.close())
      .then(() => bus.close())
      .then(() => { redis?.disconnect(); })
      .then(() => process.exit(0), (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
};

// A worker that dies is replaced: its clients reconnect (to any worker), the others' clients never notice.
runProcess('streaming-node', () => runWorkers({
  count: workers, name: 'streaming', logger: createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'streaming-node' }),
  onWorkerExit: 'restart', serve: main, primary: serveNodeReports,
}));
