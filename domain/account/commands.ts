import type { MarketSession } from '../market-hours/calendar';
import type { Cash, Price, Quantity } from '../money';
import type { OrderSide, OrderType, TimeInForce } from '../order/state-machine';

/**
 * Commands carry their time (`atMs`) and caller-chosen ids. An amount, price or quantity a client sends
 * arrives already decoded by its edge codec (`Cash`, `Price`, `Quantity`), so the decider checks business
 * rules on it and never parses it. A fill's decimals, from the venue, are decoded where its ExecutionReport
 * enters the gateway (fix-gateway/fills/).
 */
export type AccountCommand =
  | { type: 'OpenAccount'; data: { accountId: string; email: string; atMs: number } }
  | { type: 'RequestDeposit'; data: { transferId: string; amount: Cash; atMs: number } }
  | { type: 'SettleDeposit'; data: { transferId: string; atMs: number } }
  | { type: 'ReturnDeposit'; data: { transferId: string; reason: string; atMs: number } }
  | { type: 'RequestWithdrawal'; data: { transferId: string; amount: Cash; atMs: number } }
  | { type: 'PlaceOrder'; data: PlaceOrderData }
  | { type: 'RequestOrderReplace'; data: RequestOrderReplaceData }
  | { type: 'ConfirmOrderReplace'; data: { orderId: string; atMs: number } }
  | { type: 'RejectOrderReplace'; data: { orderId: string; reason: string; atMs: number } }
  | { type: 'RequestOrderCancel'; data: { orderId: string; atMs: number } }
  | { type: 'ConfirmOrderCancel'; data: { orderId: string; atMs: number } }
  | { type: 'AcknowledgeOrder'; data: { orderId: string; venue: string; atMs: number } }
  | { type: 'RejectOrder'; data: { orderId: string; reason: string; atMs: number } }
  | { type: 'ExpireOrder'; data: { orderId: string; atMs: number } }
  | { type: 'ApplyFill'; data: ApplyFillData }
  | { type: 'RouteOrder'; data: RouteOrderData }
  | { type: 'SettleTrades'; data: { upToMs: number; atMs: number } };

export type PlaceOrderData = {
  orderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  /** Exactly one of quantity (shares, up to 6 dp) and notional (cash, 2 dp). */
  quantity?: Quantity;
  notional?: Cash;
  limitPrice?: Price;
  stopPrice?: Price;
  timeInForce: TimeInForce;
  extendedHours: boolean;
  /** Last price known to the command layer; reserves and limits are computed from it. */
  referencePrice: Price;
  /** The market session at `atMs`, from the command layer's calendar; absent means the regular session. */
  marketSession?: MarketSession;
  atMs: number;
};

export type RequestOrderReplaceData = {
  orderId: string;
  /** The version the client saw (If-Match "v3" → 3). */
  expectedVersion: number;
  limitPrice?: Price;
  stopPrice?: Price;
  /** New total quantity of the order (must exceed what is already filled). */
  quantity?: Quantity;
  atMs: number;
};

/** The execution engine's routing decision with what it was based on; the ClOrdID follows from the order id. */
export type RouteOrderData = {
  orderId: string;
  venue: string;
  nbboBid: string | null;
  nbboAsk: string | null;
  triggeredAt: string | null;
  candidates: RouteCandidate[];
  atMs: number;
};
export type RouteCandidate = {
  venue: string; bid: string | null; ask: string | null; eligible: boolean;
  priceScore: string; fillRateScore: string; speedScore: string; stabilityScore: string; score: string;
};

export type ApplyFillData = { orderId: string; execId: string; quantity: Quantity; price: Price; venue: string; atMs: number };

export type AccountCommandType = AccountCommand['type'];
export type CommandOf<T extends AccountCommandType> = Extract<AccountCommand, { type: T }>;
