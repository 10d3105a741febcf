import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logging';
import { isDependencyUnavailable } from '../unavailable';
import { apiError, sendError } from './errors';

/** Unknown route: every mismatch answers the same body shape as any other error. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, apiError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/** Seconds a client is asked to wait after a 503. */
export const RETRY_AFTER_S = 1;

type BodyParserError = { readonly type?: unknown; readonly status?: unknown };

const bodyParserCode = (err: BodyParserError): string | undefined => {
  switch (err.type) {
    case 'entity.parse.failed': return 'MALFORMED_JSON';
    case 'entity.too.large': return 'PAYLOAD_TOO_LARGE';
    case 'encoding.unsupported':
    case 'charset.unsupported': return 'UNSUPPORTED_MEDIA_TYPE';
    default: return undefined;
  }
};

/**
 * The last middleware. Body-parser failures are the client's; anything else
 * thrown is ours: logged with its stack and answered 500 INTERNAL with the
 * correlation id the client can quote, never the exception text.
 */
export const errorHandler = (fallbackLogger: Logger): ErrorRequestHandler => (err: unknown, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const code = typeof err === 'object' && err !== null ? bodyParserCode(err as BodyParserError) : undefined;
  if (code !== undefined) {
    sendError(res, apiError(code, code === 'MALFORMED_JSON' ? 'request body is not valid JSON' : 'request body refused'));
    return;
  }
  const log = (res.locals.log as Logger | undefined) ?? fallbackLogger;
  const correlationId = String(res.locals.correlationId ?? 'unknown');
  if (isDependencyUnavailable(err)) {
    log.warn({ err, method: req.method, path: req.path }, 'dependency unavailable');
    res.setHeader('Retry-After', String(RETRY_AFTER_S));
    sendError(res, apiError('SERVICE_UNAVAILABLE', `a service this request needs is unavailable; retry with the same Idempotency-Key (correlation id ${correlationId})`));
    return;
  }
  log.error({ err, method: req.method, path: req.path }, 'unhandled error');
  sendError(res, apiError('INTERNAL', `internal error; quote correlation id ${correlationId}`));
};
