import { PortInUse } from '../infrastructure/http/listen';
import { createLogger, type Logger } from '../infrastructure/logging';

/** Past this, a shutdown that is still waiting on something gives up and exits non-zero. */
export const SHUTDOWN_HARD_LIMIT_MS = 30_000;

/**
 * SIGTERM/SIGINT run `stop` once (finish in-flight work, close connections) and exit;
 * a second signal or a stop that hangs past the hard limit exits at once.
 */
export const stopOnSignals = (logger: Logger, stop: () => Promise<void>): void => {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) { logger.warn({ signal }, 'second signal: exiting now'); process.exit(1); }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const hardLimit = setTimeout(() => { logger.error('shutdown took too long: exiting'); process.exit(1); }, SHUTDOWN_HARD_LIMIT_MS);
    hardLimit.unref();
    stop().then(
      () => { logger.info('stopped'); process.exit(0); },
      (error: unknown) => { logger.error({ err: error }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
};

/**
 * Runs an entry point's `main`. A taken port ends the process with one line naming the variable to set
 * (a new user's first mistake deserves an answer, not a stack trace); anything else is a bug or broken
 * infrastructure and is logged whole. Either way the exit code is 1.
 */
export const runProcess = (name: string, main: () => Promise<void>): void => {
  main().catch((error: unknown) => {
    const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name });
    if (error instanceof PortInUse) logger.fatal({ port: error.port, variable: error.variable }, error.message);
    else logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  });
};
