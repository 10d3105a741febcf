import type { Response } from 'express';
import { invariant } from '../../domain/invariant';

/** The body every failure has: `{ "error": { "code", "message", "field"? } }`. */
export type ApiError = { readonly code: string; readonly message: string; readonly field?: string };

/**
 * The single place a stable error code becomes an HTTP status. Other components
 * add their codes with `registerErrorStatuses` at module load; a code sent
 * without an entry is our bug (it would otherwise leave as an unexplained 500).
 *
 * UNKNOWN_SYMBOL is 422: the request is well-formed, the symbol is just not
 * tradable here. The one exception is a URL naming a resource that does not
 * exist (`GET /v1/assets/{symbol}`), which answers 404 through `sendNotFound`.
 */
const statusByCode = new Map<string, number>(Object.entries({
  INSUFFICIENT_BUYING_POWER: 422,
  INSUFFICIENT_SHARES: 422,
  INSUFFICIENT_WITHDRAWABLE_CASH: 422,
  SYMBOL_HALTED: 422,
  PRICE_UNREASONABLE: 422,
  INVALID_ORDER: 400,
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  MALFORMED_REQUEST: 400,
  JSON_TOO_DEEP: 400,
  JSON_DUPLICATE_KEY: 400,
  UNKNOWN_SYMBOL: 422,
  ACCOUNT_RESTRICTED: 403,
  PDT_RESTRICTION: 403,
  POSITION_LIMIT_EXCEEDED: 422,
  RATE_LIMIT_EXCEEDED: 429,
  DUPLICATE_ORDER: 409,
  INVALID_TRANSITION: 409,
  VERSION_MISMATCH: 412,
  ORDER_NOT_FOUND: 404,
  ACCOUNT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  TOKEN_REVOKED: 401,
  INVALID_REFRESH_TOKEN: 401,
  REFRESH_TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  EMAIL_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  IDEMPOTENCY_KEY_MISSING: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_REQUEST_IN_FLIGHT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SYS_CONCURRENCY_RETRIES_EXHAUSTED: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
}));

/** Adds codes to the table. Re-registering a code with another status is refused: codes never change meaning. */
export const registerErrorStatuses = (entries: Readonly<Record<string, number>>): void => {
  for (const [code, status] of Object.entries(entries)) {
    const existing = statusByCode.get(code);
    invariant(existing === undefined || existing === status, `error code ${code} is already mapped to ${existing}`);
    invariant(Number.isInteger(status) && status >= 400 && status <= 599, `error code ${code} needs a 4xx/5xx status`);
    statusByCode.set(code, status);
  }
};

export const statusForCode = (code: string): number => {
  const status = statusByCode.get(code);
  invariant(status !== undefined, `error code ${code} has no HTTP status: add it with registerErrorStatuses`);
  return status;
};

/** A copy of the table, for the OpenAPI document and tests. */
export const errorStatusTable = (): ReadonlyMap<string, number> => new Map(statusByCode);

/** The domain names fields in camelCase; the wire speaks snake_case (`limitPrice` → `limit_price`). Header names stay as they are. */
export const wireFieldName = (field: string): string =>
  /^[a-z][a-zA-Z0-9]*$/.test(field) ? field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) : field;

const body = (error: ApiError) => ({
  error: error.field === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, field: wireFieldName(error.field) },
});

/** Seconds a client is asked to wait after a 429 or 503 that did not name its own wait. */
export const RETRY_AFTER_DEFAULT_S = 1;

export const sendError = (res: Response, error: ApiError): void => {
  const status = statusForCode(error.code);
  // Every "not now" says when to come back, so well-behaved clients back off instead of hammering.
  if ((status === 429 || status === 503) && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(RETRY_AFTER_DEFAULT_S));
  res.status(status).json(body(error));
};

/** For a resource named in the URL path that does not exist: 404 whatever the code says. */
export const sendNotFound = (res: Response, error: ApiError): void => {
  res.status(404).json(body(error));
};

export const apiError = (code: string, message: string, field?: string): ApiError =>
  field === undefined ? { code, message } : { code, message, field };
