import type { Application, Response } from 'express';
import { invariant } from '../../domain/invariant';

/**
 * The codes an error answer may carry, one union, so a misspelt code fails `tsc` rather than the
 * request. The platform's own are here; the app that composes the API adds the rest to this
 * interface (app/error-statuses.ts), since infrastructure/ does not import the codes' owners.
 */
export interface ApiErrorCodes {
  readonly platform: PlatformErrorCode;
}
export type ApiErrorCode = ApiErrorCodes[keyof ApiErrorCodes];

/** The body every failure has: `{ "error": { "code", "message", "field"? } }`. */
export type ApiError = { readonly code: ApiErrorCode; readonly message: string; readonly field?: string };

/** The statuses an error answers with; anything else in an error table does not compile. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 422 | 428 | 429 | 500 | 503;

/** Stable code → HTTP status. The API's one table is built where it is composed (app/error-statuses.ts). */
export type ErrorStatusTable = Readonly<Record<string, ErrorStatus>>;

// Codes leave the process (API, logs): never rename or reuse one.
/** The codes the HTTP platform itself answers with (body parsing, routing, auth, idempotency, failures). */
export const PlatformErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  MalformedJson: 'MALFORMED_JSON',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  NotFound: 'NOT_FOUND',
  Unauthenticated: 'UNAUTHENTICATED',
  IdempotencyKeyMissing: 'IDEMPOTENCY_KEY_MISSING',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  IdempotencyRequestInFlight: 'IDEMPOTENCY_REQUEST_IN_FLIGHT',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  Internal: 'INTERNAL',
  MalformedRequest: 'MALFORMED_REQUEST',
  JsonTooDeep: 'JSON_TOO_DEEP',
  JsonDuplicateKey: 'JSON_DUPLICATE_KEY',
  TokenRevoked: 'TOKEN_REVOKED',
  InvalidRefreshToken: 'INVALID_REFRESH_TOKEN',
  RefreshTokenReused: 'REFRESH_TOKEN_REUSED',
  Forbidden: 'FORBIDDEN',
  LoginThrottled: 'LOGIN_THROTTLED',
  SignUpThrottled: 'SIGN_UP_THROTTLED',
} as const;
export type PlatformErrorCode = (typeof PlatformErrorCode)[keyof typeof PlatformErrorCode];

export const PLATFORM_ERROR_STATUSES: Readonly<Record<PlatformErrorCode, ErrorStatus>> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  IDEMPOTENCY_KEY_MISSING: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_REQUEST_IN_FLIGHT: 409,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
  MALFORMED_REQUEST: 400,
  JSON_TOO_DEEP: 400,
  JSON_DUPLICATE_KEY: 400,
  TOKEN_REVOKED: 401,
  INVALID_REFRESH_TOKEN: 401,
  REFRESH_TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  LOGIN_THROTTLED: 429,
  SIGN_UP_THROTTLED: 429,
};

/**
 * The status of a code in the app's table. A code sent without an entry is our bug: every code is
 * one of the typed code lists the table is checked against, so only a stray string literal gets here.
 */
export const statusForCode = (table: ErrorStatusTable, code: string): ErrorStatus => {
  const status = Object.hasOwn(table, code) ? table[code] : undefined;
  invariant(status !== undefined, `error code ${code} has no HTTP status: add it to the app's error table`);
  return status;
};

const ERROR_STATUSES_LOCAL = 'errorStatuses';

/** Gives an express app its error table; `createHttpApp` does this, a bare express app in a test calls it. */
export const useErrorStatuses = (app: Application, table: ErrorStatusTable): void => {
  app.locals[ERROR_STATUSES_LOCAL] = table;
};

const tableOf = (res: Response): ErrorStatusTable => {
  const table: unknown = res.app.locals[ERROR_STATUSES_LOCAL];
  invariant(typeof table === 'object' && table !== null, 'the express app has no error table: call useErrorStatuses');
  return table as ErrorStatusTable;
};

/** The domain names fields in camelCase; the wire speaks snake_case (`limitPrice` → `limit_price`). Header names stay as they are. */
export const wireFieldName = (field: string): string =>
  /^[a-z][a-zA-Z0-9]*$/.test(field) ? field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) : field;

const body = (error: ApiError) => ({
  error: error.field === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, field: wireFieldName(error.field) },
});

/** Seconds a client is asked to wait after a 429 or 503 that did not name its own wait. */
export const RETRY_AFTER_DEFAULT_S = 1;

export const sendError = (res: Response, error: ApiError): void => {
  const status = statusForCode(tableOf(res), error.code);
  // Every "not now" says when to come back, so well-behaved clients back off instead of hammering.
  if ((status === 429 || status === 503) && !res.hasHeader('Retry-After')) res.setHeader('Retry-After', String(RETRY_AFTER_DEFAULT_S));
  res.status(status).json(body(error));
};

/** For a resource named in the URL path that does not exist: 404 whatever the code says. */
export const sendNotFound = (res: Response, error: ApiError): void => {
  res.status(404).json(body(error));
};

export const apiError = (code: ApiErrorCode, message: string, field?: string): ApiError =>
  field === undefined ? { code, message } : { code, message, field };
