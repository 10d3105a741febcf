import cluster from 'node:cluster';
import type { Logger } from '../infrastructure/logging';

/** API_WORKERS: how many API processes share the port (node:cluster); 1, the default, runs no primary at all. */
export const API_WORKERS_MAX = 16;

export const apiWorkersFromEnv = (value: string | undefined): number => {
  if (value === undefined || value === '') return 1;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > API_WORKERS_MAX) throw new Error(`API_WORKERS must be an integer from 1 to ${API_WORKERS_MAX}, got ${JSON.stringify(value)}`);
  return count;
};

/**
 * One Node process serves on one core: with `count` > 1 a primary forks that many workers, each running
 * `serve` (the whole API: its own pools and Redis clients), and the primary hands them connections in turn.
 * Workers hold no state of their own beyond short caches, so any of them may answer any request.
 * SIGTERM/SIGINT reach every worker, which drain as a single process does; a worker that dies otherwise takes
 * the others down with a non-zero exit, for the supervisor to restart the whole (no half-sized API).
 */
export const runApiWorkers = (count: number, logger: Logger, serve: () => Promise<void>): Promise<void> => {
  if (count <= 1 || !cluster.isPrimary) return serve();
  let stopping = false;
  for (let i = 0; i < count; i += 1) cluster.fork();
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      logger.error({ pid: worker.process.pid, code, signal }, 'API worker died: stopping the others');
      stop('SIGTERM');
      process.exitCode = 1;
    }
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
  });
  logger.info({ workers: count }, 'API primary forked its workers');
  return Promise.resolve();
};
