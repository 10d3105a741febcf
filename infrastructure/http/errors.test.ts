import { InvariantViolation } from '../../domain/invariant';
import { errorStatusTable, registerErrorStatuses, statusForCode } from './errors';

describe('error code table', () => {
  it('maps the trading codes to their statuses', () => {
    expect(Object.fromEntries(errorStatusTable())).toMatchObject({
      INSUFFICIENT_BUYING_POWER: 422, INSUFFICIENT_SHARES: 422, INSUFFICIENT_WITHDRAWABLE_CASH: 422, SYMBOL_HALTED: 422,
      PRICE_UNREASONABLE: 422, INVALID_ORDER: 400, VALIDATION_FAILED: 400, UNKNOWN_SYMBOL: 422, ACCOUNT_RESTRICTED: 403,
      PDT_RESTRICTION: 403, POSITION_LIMIT_EXCEEDED: 422, RATE_LIMIT_EXCEEDED: 429, DUPLICATE_ORDER: 409, INVALID_TRANSITION: 409,
      VERSION_MISMATCH: 412, ORDER_NOT_FOUND: 404, ACCOUNT_NOT_FOUND: 404, UNAUTHENTICATED: 401, EMAIL_TAKEN: 409,
      INVALID_CREDENTIALS: 401, IDEMPOTENCY_KEY_MISSING: 400, IDEMPOTENCY_KEY_REUSED: 422, IDEMPOTENCY_REQUEST_IN_FLIGHT: 409,
      SYS_CONCURRENCY_RETRIES_EXHAUSTED: 503, MALFORMED_JSON: 400, NOT_FOUND: 404, INTERNAL: 500,
    });
  });

  it('takes new codes, refuses to remap one, and treats an unregistered code as a bug', () => {
    registerErrorStatuses({ TEST_ONLY_GFV_WARNING: 422 });
    expect(statusForCode('TEST_ONLY_GFV_WARNING')).toBe(422);
    expect(() => registerErrorStatuses({ TEST_ONLY_GFV_WARNING: 409 })).toThrow(InvariantViolation);
    expect(() => registerErrorStatuses({ TEST_ONLY_OK: 200 })).toThrow(InvariantViolation);
    expect(() => statusForCode('NEVER_REGISTERED')).toThrow(InvariantViolation);
  });
});
