import cluster from 'node:cluster';
import type { Logger } from '../infrastructure/logging';

/** How many processes share a port (node:cluster), from API_WORKERS or STREAMING_WORKERS; 1, the default, runs no primary at all. */
export const WORKERS_MAX = 16;

export const workersFromEnv = (variable: string, value: string | undefined): number => {
  if (value === undefined || value === '') return 1;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > WORKERS_MAX) throw new Error(`${variable} must be an integer from 1 to ${WORKERS_MAX}, got ${JSON.stringify(value)}`);
  return count;
};

/** Reads `variable`; a bad value ends the process with one line naming it. */
export const workersFromEnvOrExit = (variable: string): number => {
  try { return workersFromEnv(variable, process.env[variable]); } catch (error) { console.error(error instanceof Error ? error.message : error); return process.exit(1); }
};

/**
 * What the primary does when a worker dies unasked. `stop-all`: the others stop and the primary exits non-zero, for
 * the supervisor to restart the whole (the API: no half-sized API). `restart`: a new worker takes the dead one's
 * place (a streaming node: its clients reconnect to the others and the new one, the rest keep streaming). A worker
 * that dies before it ever listened is a start-up failure either way (bad config, a port in use): restarting
 * would only loop, so the primary stops.
 */
export type WorkerExitPolicy = 'stop-all' | 'restart';

export type ClusterOptions = {
  readonly count: number;
  /** Names the workers in logs ("API", "streaming"). */
  readonly name: string;
  readonly logger: Logger;
  readonly onWorkerExit: WorkerExitPolicy;
  /** Each worker's whole process: its own pools, bus connections and listener on the shared port. */
  readonly serve: () => Promise<void>;
  /** Runs in the primary after the first fork (answers its workers' questions over IPC). */
  readonly primary?: () => void;
};

/**
 * One Node process serves on one core: with `count` > 1 a primary forks that many workers, each running `serve`,
 * and the primary hands them connections in turn. Workers hold no state another needs, so any may take any client.
 * SIGTERM/SIGINT reach every worker, which drain as a single process does; the primary exits once all have left,
 * non-zero if one died unasked under `stop-all`.
 */
export const runWorkers = (options: ClusterOptions): Promise<void> => {
  const { count, name, logger } = options;
  if (count <= 1 || !cluster.isPrimary) return options.serve();
  let stopping = false;
  const listened = new Set<number>();
  // A worker's IPC channel breaks when it dies; a send racing that would otherwise be an 'error' with no listener, fatal to the primary.
  const fork = () => cluster.fork().on('error', (error) => logger.warn({ err: error }, `${name} worker's channel failed`));
  for (let i = 0; i < count; i += 1) fork();
  options.primary?.();
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('listening', (worker) => listened.add(worker.id));
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      if (options.onWorkerExit === 'restart' && listened.has(worker.id)) {
        logger.error({ pid: worker.process.pid, code, signal }, `${name} worker died: starting another`);
        fork();
      } else {
        logger.error({ pid: worker.process.pid, code, signal }, `${name} worker died: stopping the others`);
        stop('SIGTERM');
        process.exitCode = 1;
      }
    }
    listened.delete(worker.id);
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(process.exitCode ?? 0);
  });
  logger.info({ workers: count }, `${name} primary forked its workers`);
  return Promise.resolve();
};
