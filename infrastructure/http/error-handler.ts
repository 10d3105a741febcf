import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logging';
import { isDependencyUnavailable } from '../unavailable';
import { apiError, sendError, type PlatformErrorCode } from './errors';
import type { JsonShapeProblem } from './json-shape';

/** Thrown from the JSON parser's verify hook; body-parser hands it on as `entity.verify.failed`. */
export class JsonShapeRefused extends Error {
  constructor(readonly problem: JsonShapeProblem) {
    super(problem.message);
  }
}

/** Unknown route: every mismatch answers the same body shape as any other error. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, apiError('NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/** Seconds a client is asked to wait after a 503. */
export const RETRY_AFTER_S = 1;

type BodyParserError = { readonly type?: unknown; readonly status?: unknown; readonly statusCode?: unknown };

/** A 4xx error raised by express or body-parser (a bad percent-encoding, an undecodable gzip body): the client's mistake. */
const isFrameworkClientError = (err: BodyParserError): boolean => {
  const status = typeof err.status === 'number' ? err.status : err.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
};

const bodyParserCode = (err: BodyParserError): PlatformErrorCode | undefined => {
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
  if (err instanceof JsonShapeRefused) {
    sendError(res, apiError(err.problem.code, err.problem.message));
    return;
  }
  const code = typeof err === 'object' && err !== null ? bodyParserCode(err as BodyParserError) : undefined;
  if (code !== undefined) {
    sendError(res, apiError(code, code === 'MALFORMED_JSON' ? 'request body is not valid JSON' : 'request body refused'));
    return;
  }
  if (typeof err === 'object' && err !== null && isFrameworkClientError(err as BodyParserError)) {
    sendError(res, apiError('MALFORMED_REQUEST', 'the request could not be decoded (its path\'s percent-encoding or its body\'s Content-Encoding is broken)'));
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
