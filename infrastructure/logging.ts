import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Secrets never reach a log line: these paths are censored wherever a caller
 * passes an object that holds them. Request bodies are not logged at all.
 */
export const REDACTED_PATHS: readonly string[] = [
  'password', '*.password', 'passwordHash', '*.passwordHash', 'token', '*.token', 'jwtSecret', '*.jwtSecret',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'body', '*.body',
];

export type LoggerOptions = { readonly level?: string; readonly name?: string; readonly destination?: pino.DestinationStream };

export const createLogger = (options: LoggerOptions = {}): Logger =>
  pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'brokerage',
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
