import type { DomainError } from '../domain/account';
import { InvariantViolation } from '../domain/invariant';
import { apiError, statusForCode, type ApiError, type ErrorStatus } from '../infrastructure/http/errors';
import { ERROR_STATUSES, type ErrorCode } from './error-statuses';

describe('error code table', () => {
  it('maps the trading codes to their statuses', () => {
    expect(ERROR_STATUSES).toMatchObject({
      INSUFFICIENT_BUYING_POWER: 422, INSUFFICIENT_SHARES: 422, INSUFFICIENT_WITHDRAWABLE_CASH: 422, SYMBOL_HALTED: 422,
      PRICE_UNREASONABLE: 422, INVALID_ORDER: 400, VALIDATION_FAILED: 400, UNKNOWN_SYMBOL: 422, ACCOUNT_RESTRICTED: 403,
      PDT_RESTRICTION: 403, POSITION_LIMIT_EXCEEDED: 422, RATE_LIMIT_EXCEEDED: 429, DUPLICATE_ORDER: 409, INVALID_TRANSITION: 409,
      VERSION_MISMATCH: 412, ORDER_NOT_FOUND: 404, ACCOUNT_NOT_FOUND: 404, UNAUTHENTICATED: 401, EMAIL_TAKEN: 409,
      INVALID_CREDENTIALS: 401, IDEMPOTENCY_KEY_MISSING: 400, IDEMPOTENCY_KEY_REUSED: 422, IDEMPOTENCY_REQUEST_IN_FLIGHT: 409,
      SYS_CONCURRENCY_RETRIES_EXHAUSTED: 503, MALFORMED_JSON: 400, NOT_FOUND: 404, INTERNAL: 500,
    });
  });

  it('treats a code outside the table as a bug', () => {
    expect(statusForCode(ERROR_STATUSES, 'EMAIL_TAKEN')).toBe(409);
    expect(() => statusForCode(ERROR_STATUSES, 'NEVER_REGISTERED')).toThrow(InvariantViolation);
    expect(() => statusForCode(ERROR_STATUSES, 'toString')).toThrow(InvariantViolation);
  });

  it('does not compile with a code left out or a status that is not an error', () => {
    const { EMAIL_TAKEN: _left, ...withoutOne } = ERROR_STATUSES;
    // @ts-expect-error EMAIL_TAKEN has no status
    const missing: Record<ErrorCode, ErrorStatus> = withoutOne;
    // @ts-expect-error 200 is not an error status
    const success: Record<ErrorCode, ErrorStatus> = { ...ERROR_STATUSES, EMAIL_TAKEN: 200 };
    expect([missing, success]).toHaveLength(2);
  });

  // `tsc` (npm run typecheck) checks this file: each directive fails the build if its line compiles.
  it('does not compile with a misspelt code, wherever an error is built', () => {
    // @ts-expect-error UNKNWON_SYMBOL is no code
    const built = apiError('UNKNWON_SYMBOL', 'no such symbol');
    // @ts-expect-error INSUFFICIENT_BUYING_POWR is no code
    const literal: ApiError = { code: 'INSUFFICIENT_BUYING_POWR', message: 'order needs more' };
    // @ts-expect-error the domain refuses with its own codes only
    const refusal: DomainError = { code: 'EMAIL_TAKEN', message: 'not a domain code' };
    const spelt: ApiError[] = [apiError('UNKNOWN_SYMBOL', ''), { code: 'INSUFFICIENT_BUYING_POWER', message: '' }, { code: 'INVALID_ORDER', message: '' } satisfies DomainError];
    // At run time a misspelt code has no status: tsc is what keeps it from becoming a 500.
    for (const misspelt of [built, literal]) expect(() => statusForCode(ERROR_STATUSES, misspelt.code)).toThrow(InvariantViolation);
    expect(statusForCode(ERROR_STATUSES, refusal.code)).toBe(409);
    expect(spelt.map((error) => statusForCode(ERROR_STATUSES, error.code))).toEqual([422, 422, 400]);
  });
});
