import * as E from 'fp-ts/Either';

// Codes leave the process (API, logs): never rename or reuse one.
export const DomainErrorCode = {
  AccountNotFound: 'ACCOUNT_NOT_FOUND',
  AccountAlreadyOpen: 'ACCOUNT_ALREADY_OPEN',
  InvalidAccount: 'INVALID_ACCOUNT',
  AccountRestricted: 'ACCOUNT_RESTRICTED',
  InvalidAmount: 'INVALID_AMOUNT',
  DuplicateTransfer: 'DUPLICATE_TRANSFER',
  TransferNotFound: 'TRANSFER_NOT_FOUND',
  TransferNotPending: 'TRANSFER_NOT_PENDING',
  InsufficientWithdrawableCash: 'INSUFFICIENT_WITHDRAWABLE_CASH',
  InvalidOrder: 'INVALID_ORDER',
  DuplicateOrder: 'DUPLICATE_ORDER',
  OrderNotFound: 'ORDER_NOT_FOUND',
  InsufficientBuyingPower: 'INSUFFICIENT_BUYING_POWER',
  InsufficientShares: 'INSUFFICIENT_SHARES',
  PositionLimitExceeded: 'POSITION_LIMIT_EXCEEDED',
  RateLimitExceeded: 'RATE_LIMIT_EXCEEDED',
  InvalidTransition: 'INVALID_TRANSITION',
  VersionMismatch: 'VERSION_MISMATCH',
  InvalidFill: 'INVALID_FILL',
  FillExceedsOrder: 'FILL_EXCEEDS_ORDER',
  MarketClosed: 'MARKET_CLOSED',
} as const;
export type DomainErrorCode = (typeof DomainErrorCode)[keyof typeof DomainErrorCode];

export type DomainError = {
  readonly code: DomainErrorCode;
  readonly message: string;
  readonly field?: string;
};

export const fail = <A>(code: DomainErrorCode, message: string, field?: string): E.Either<DomainError, A> =>
  E.left(field === undefined ? { code, message } : { code, message, field });
