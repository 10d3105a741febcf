/** The account decider: one consistency boundary, the stream `account-<accountId>`. */
export { entry, initialState } from './state';
export { AccountStateCodec } from './state-codec';
export type { AccountState, OpenAccountState, OrderRecord, Position, TaxLot, Deposit } from './state';
export { evolve } from './evolve';
export { decide } from './decide';
export type { AccountCommand, AccountCommandType, PlaceOrderData, RequestOrderReplaceData, ApplyFillData } from './commands';
export { DomainErrorCode } from './errors';
export type { DomainError } from './errors';
export { AccountEventCodec, decodeAccountEvent } from './events';
export type { AccountEvent, AccountEventType } from './events';
export { orderView, viewOfOrder, matchesPlacement } from './views';
export type { OrderView, PlacementTerms } from './views';
export { buyingPower, cashBuckets } from './buying-power';
export type { CashBuckets } from './buying-power';
export { positions } from './positions';
export type { PositionView } from './positions';
export * as AccountLimits from './limits';
export { etagOf, versionFromEtag, isTerminal, canTransition, ORDER_TRANSITIONS } from '../order/state-machine';
export type { OrderStatus, OrderSide, OrderType, TimeInForce } from '../order/state-machine';

