/** Every business limit of the account decider, in one place. Money as decimal strings. */

/** Instant deposit credit granted while ACH is pending, across all pending deposits. */
export const INSTANT_DEPOSIT_LIMIT_CASH = '1000.00';
/** A market (or stop) buy reserves this much above the reference (or stop) price. */
export const MARKET_BUY_COLLAR_RATIO = '0.05';
/** Position value at reference price plus the order's notional, per symbol. */
export const POSITION_LIMIT_CASH = '500000.00';
export const RATE_WINDOW_MS = 60_000;
export const RATE_ORDERS_PER_WINDOW_MAX = 60;
export const RATE_NOTIONAL_PER_WINDOW_CASH = '1000000.00';
export const ORDER_QUANTITY_SHARES_MAX = '1000000';
export const DEPOSIT_AMOUNT_MAX_CASH = '1000000.00';
/**
 * T+1 as a fixed delay from the trade. The settle job (which knows the market calendar) picks
 * upToMs; a weekend simply means it runs with a later upToMs.
 */
export const SETTLEMENT_DELAY_MS = 24 * 60 * 60 * 1000;
export const ID_LENGTH_MAX = 128;
