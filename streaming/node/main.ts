import pino from 'pino';
import { connectNatsBus, registerNatsMetrics } from '../../infrastructure/bus/nats';
import { createStreamingNode } from './streaming-node';

/** Shutdown gets this long (drain notice, closes, NATS flush) before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Distributed mode: `tsx streaming/node/main.ts` with NATS_URL, JWT_SECRET, PORT (default 8090). */
const main = async (): Promise<void> => {
  const logger = pino({ name: 'streaming-node' });
  const jwtSecret = process.env.JWT_SECRET;
  if (!jwtSecret) throw new Error('JWT_SECRET is required');
  const bus = await connectNatsBus({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: `streaming-node-${process.pid}`, logger });
  const node = createStreamingNode({ bus, jwtSecret, logger });
  registerNatsMetrics(node.metrics.registry, bus);
  const port = await node.listen(Number(process.env.PORT ?? 8090), process.env.HOST ?? '0.0.0.0');
  logger.info({ port }, 'streaming node listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    node.drain()
      .then(() => node.close())
      .then(() => bus.close())
      .then(() => process.exit(0), (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
};

main().catch((error: unknown) => {
  pino({ name: 'streaming-node' }).fatal({ err: error }, 'streaming node failed to start');
  process.exit(1);
});
