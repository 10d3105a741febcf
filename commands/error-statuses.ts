import { registerErrorStatuses } from '../infrastructure/http/errors';

/** HTTP statuses of the account decider's codes that the platform's table does not already hold. */
registerErrorStatuses({
  ACCOUNT_ALREADY_OPEN: 409,
  INVALID_ACCOUNT: 400,
  INVALID_AMOUNT: 400,
  DUPLICATE_TRANSFER: 409,
  TRANSFER_NOT_FOUND: 404,
  TRANSFER_NOT_PENDING: 409,
  INVALID_FILL: 422,
  FILL_EXCEEDS_ORDER: 409,
  IF_MATCH_REQUIRED: 428,
  LOGIN_THROTTLED: 429,
  SIGN_UP_THROTTLED: 429,
  MARKET_CLOSED: 422,
});
