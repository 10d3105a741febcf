import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logging';

export const CORRELATION_HEADER = 'X-Correlation-Id';
/** A client-sent id is kept only if it is short and plain, so it cannot inject into logs or headers. */
const CLIENT_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Sets `res.locals.correlationId` and `res.locals.log` (a child logger carrying it) and echoes the id. */
export const correlation = (logger: Logger): RequestHandler => (req, res, next) => {
  const sent = req.get(CORRELATION_HEADER);
  const correlationId = sent !== undefined && CLIENT_ID_PATTERN.test(sent) ? sent : randomUUID();
  res.locals.correlationId = correlationId;
  // Made when first used: at LOG_LEVEL=warn a read that goes well logs nothing, and a child costs more than the id.
  let log: Logger | undefined;
  Object.defineProperty(res.locals, 'log', { get: () => (log ??= logger.child({ correlationId })), enumerable: true, configurable: true });
  res.setHeader(CORRELATION_HEADER, correlationId);
  next();
};
