import type { CommandErrorCode } from '../commands/error-codes';
import type { DomainErrorCode } from '../domain/account';
import type { MarketErrorCode } from '../domain/market/errors';
import type { TwoFactorErrorCode } from '../domain/user';
import { PLATFORM_ERROR_STATUSES, type ErrorStatus, type PlatformErrorCode } from '../infrastructure/http/errors';

/** Every code the trading API answers with. A code added to one of these lists must get a status below. */
export type ErrorCode = PlatformErrorCode | DomainErrorCode | MarketErrorCode | CommandErrorCode | TwoFactorErrorCode;

// What an `ApiError` may carry is exactly this list: a code spelt any other way does not compile.
declare module '../infrastructure/http/errors' {
  interface ApiErrorCodes {
    readonly tradingApi: ErrorCode;
  }
}

/**
 * The single place a stable error code becomes an HTTP status: exhaustive over `ErrorCode`, so a
 * new code without a status does not compile. It is also the OpenAPI document's `x-error-codes`.
 *
 * UNKNOWN_SYMBOL is 422: the request is well-formed, the symbol is just not tradable here. The one
 * exception is a URL naming a resource that does not exist (`GET /v1/assets/{symbol}`), which
 * answers 404 through `sendNotFound`.
 */
export const ERROR_STATUSES: Readonly<Record<ErrorCode, ErrorStatus>> = {
  ...PLATFORM_ERROR_STATUSES,
  ACCOUNT_NOT_FOUND: 404,
  ACCOUNT_ALREADY_OPEN: 409,
  INVALID_ACCOUNT: 400,
  ACCOUNT_RESTRICTED: 403,
  INVALID_AMOUNT: 400,
  DUPLICATE_TRANSFER: 409,
  TRANSFER_NOT_FOUND: 404,
  TRANSFER_NOT_PENDING: 409,
  INSUFFICIENT_WITHDRAWABLE_CASH: 422,
  INVALID_ORDER: 400,
  DUPLICATE_ORDER: 409,
  ORDER_NOT_FOUND: 404,
  INSUFFICIENT_BUYING_POWER: 422,
  INSUFFICIENT_SHARES: 422,
  POSITION_LIMIT_EXCEEDED: 422,
  RATE_LIMIT_EXCEEDED: 429,
  INVALID_TRANSITION: 409,
  VERSION_MISMATCH: 412,
  INVALID_FILL: 422,
  FILL_EXCEEDS_ORDER: 409,
  UNKNOWN_SYMBOL: 422,
  SYMBOL_HALTED: 422,
  PRICE_UNREASONABLE: 422,
  SYS_CONCURRENCY_RETRIES_EXHAUSTED: 503,
  IF_MATCH_REQUIRED: 428,
  EMAIL_TAKEN: 409,
  INVALID_CREDENTIALS: 401,
  PDT_RESTRICTION: 403,
  MARKET_CLOSED: 422,
  MFA_REQUIRED: 401,
  MFA_INVALID: 401,
  MFA_CODE_REUSED: 401,
  MFA_NOT_ENABLED: 409,
  MFA_ALREADY_ENABLED: 409,
  MFA_NOT_ENROLLING: 409,
};
