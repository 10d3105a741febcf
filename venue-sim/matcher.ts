import type Big from 'big.js';
import { averagePriceString, big, minBig, notionalToQuantity, QUANTITY_SCALE_DP, ZERO } from '../domain/money';
import { decimalToTicks, ticksToDecimal } from '../streaming/market/ticks';
import type {
  ExecutionReport, FixAppMessage, FixExecType, FixOrdStatus, FixOrdType, FixSide, FixTimeInForce,
  NewOrderSingle, OrderCancelReject, OrderCancelReplaceRequest, OrderCancelRequest,
} from '../fix-gateway/session/messages';
import type { VenueProfile } from './profiles';
import type { VenueQuote, VenueQuotes } from './venue-quotes';

/** Reject texts a venue sends (Text, 58). They leave the process: never rename one. */
export const VenueRejectText = {
  DuplicateClOrdId: 'DUPLICATE_CLORDID',
  UnsupportedOrderType: 'UNSUPPORTED_ORDER_TYPE',
  InvalidOrder: 'INVALID_ORDER',
  NoQuote: 'NO_QUOTE',
  VenueReject: 'VENUE_REJECT',
  UnknownOrder: 'UNKNOWN_ORDER',
  TooLate: 'TOO_LATE_TO_CANCEL',
  ReplaceBelowFilled: 'REPLACE_QTY_BELOW_FILLED',
} as const;

type RestingOrder = {
  readonly orderId: string;
  clOrdId: string;
  readonly symbol: string;
  readonly side: FixSide;
  ordType: FixOrdType;
  priceTicks?: number;
  timeInForce: FixTimeInForce;
  orderQty: Big;
  cumQty: Big;
  /** Σ price × quantity of the fills, for the average price. */
  filledValue: Big;
  status: FixOrdStatus;
};

const OPEN_STATUSES: ReadonlySet<FixOrdStatus> = new Set(['new', 'partially_filled']);

/**
 * One venue's order handling: takes NewOrderSingle, OrderCancelRequest and OrderCancelReplaceRequest and
 * answers with ExecutionReports and OrderCancelRejects. Marketable orders fill at the venue's own quote, up
 * to its quoted size; the rest rests (limit, or market DAY/GTC) and fills when a later quote crosses; IOC
 * cancels what did not fill at once, FOK fills all at once or nothing. No I/O: time and chance are injected.
 */
export class VenueMatcher {
  /** Working orders by symbol, in arrival order (time priority); closed ones leave. */
  private readonly openBySymbol = new Map<string, Set<RestingOrder>>();
  private readonly byClOrdId = new Map<string, RestingOrder>();
  private readonly seenClOrdIds = new Set<string>();
  private sequence = 0;

  constructor(
    private readonly profile: VenueProfile,
    private readonly quotes: VenueQuotes,
    private readonly nowMs: () => number,
    private readonly chance: () => number,
    /** Makes order and execution ids unique across this venue's restarts. */
    private readonly runId: string,
  ) {}

  /** Orders still working, for tests and the drop copy's end-of-day count. */
  openOrderCount(): number {
    let open = 0;
    for (const orders of this.openBySymbol.values()) for (const order of orders) if (OPEN_STATUSES.has(order.status)) open += 1;
    return open;
  }

  handle(message: FixAppMessage): FixAppMessage[] {
    switch (message.msgType) {
      case 'NewOrderSingle': return this.newOrder(message);
      case 'OrderCancelRequest': return this.cancel(message);
      case 'OrderCancelReplaceRequest': return this.replace(message);
      case 'ExecutionReport':
      case 'OrderCancelReject':
        return []; // a venue receives no reports
    }
  }

  /** A new quote: resting orders on that symbol that it crosses fill, oldest first, sharing its size. */
  onQuote(symbol: string, quote: VenueQuote): ExecutionReport[] {
    const orders = this.openBySymbol.get(symbol);
    if (orders === undefined) return [];
    const reports: ExecutionReport[] = [];
    const remaining = { ...quote };
    for (const order of orders) {
      if (OPEN_STATUSES.has(order.status)) reports.push(...this.match(order, remaining));
      if (!OPEN_STATUSES.has(order.status)) orders.delete(order);
    }
    if (orders.size === 0) this.openBySymbol.delete(symbol);
    return reports;
  }

  /** The session's close: every open DAY order expires. */
  expireDayOrders(): ExecutionReport[] {
    const reports: ExecutionReport[] = [];
    for (const [symbol, orders] of this.openBySymbol) {
      for (const order of orders) {
        if (order.timeInForce !== 'day' || !OPEN_STATUSES.has(order.status)) continue;
        order.status = 'expired';
        reports.push(this.report(order, 'expired'));
        orders.delete(order);
      }
      if (orders.size === 0) this.openBySymbol.delete(symbol);
    }
    return reports;
  }

  private nextId(kind: string): string {
    this.sequence += 1;
    return `${this.profile.mic}-${this.runId}-${kind}${this.sequence}`;
  }

  private newOrder(message: NewOrderSingle): FixAppMessage[] {
    const rejected = (text: string): ExecutionReport[] => [{
      msgType: 'ExecutionReport', orderId: this.nextId('R'), clOrdId: message.clOrdId, execId: this.nextId('E'), execType: 'rejected',
      ordStatus: 'rejected', symbol: message.symbol, side: message.side, leavesQty: '0', cumQty: '0', avgPx: '0', text, transactTimeMs: this.nowMs(),
    }];
    if (this.seenClOrdIds.has(message.clOrdId)) return rejected(VenueRejectText.DuplicateClOrdId);
    this.seenClOrdIds.add(message.clOrdId);
    if (!this.profile.orderTypes.includes(message.ordType)) return rejected(VenueRejectText.UnsupportedOrderType);
    const priceTicks = message.price === undefined ? undefined : decimalToTicks(message.price);
    if (message.ordType === 'limit' && (priceTicks === undefined || priceTicks <= 0)) return rejected(VenueRejectText.InvalidOrder);
    const quote = this.quotes.get(message.symbol);
    let orderQty: Big;
    if (message.orderQty !== undefined) {
      orderQty = big(message.orderQty);
    } else {
      // Cash quantity: as many shares as the cash buys at the side's current quote, rounded down.
      const referenceTicks = message.side === 'buy' ? quote?.askTicks : quote?.bidTicks;
      if (message.cashOrderQty === undefined || referenceTicks === undefined || referenceTicks <= 0) return rejected(VenueRejectText.NoQuote);
      orderQty = notionalToQuantity(message.cashOrderQty, ticksToDecimal(referenceTicks));
    }
    if (orderQty.lte(0) || !orderQty.eq(orderQty.round(QUANTITY_SCALE_DP, 0))) return rejected(VenueRejectText.InvalidOrder);
    if (message.ordType === 'market' && quote === undefined) return rejected(VenueRejectText.NoQuote);
    if (this.chance() < this.profile.rejectRate) return rejected(VenueRejectText.VenueReject);

    const order: RestingOrder = {
      orderId: this.nextId('O'), clOrdId: message.clOrdId, symbol: message.symbol, side: message.side, ordType: message.ordType, priceTicks,
      timeInForce: message.timeInForce, orderQty, cumQty: ZERO, filledValue: ZERO, status: 'new',
    };
    this.byClOrdId.set(order.clOrdId, order);
    const reports: ExecutionReport[] = [this.report(order, 'new')];
    if (quote !== undefined) reports.push(...this.match(order, { ...quote }));
    if (OPEN_STATUSES.has(order.status) && (order.timeInForce === 'ioc' || order.timeInForce === 'fok')) {
      // Whatever an immediate order could not take at once is cancelled, never left resting.
      order.status = 'canceled';
      reports.push(this.report(order, 'canceled'));
    }
    if (OPEN_STATUSES.has(order.status)) {
      const orders = this.openBySymbol.get(order.symbol) ?? new Set<RestingOrder>();
      orders.add(order);
      this.openBySymbol.set(order.symbol, orders);
    }
    return reports;
  }

  private cancelReject(request: OrderCancelRequest | OrderCancelReplaceRequest, order: RestingOrder | undefined, text: string): OrderCancelReject[] {
    return [{
      msgType: 'OrderCancelReject', orderId: order?.orderId ?? 'NONE', clOrdId: request.clOrdId, origClOrdId: request.origClOrdId,
      ordStatus: order?.status ?? 'rejected', responseTo: request.msgType === 'OrderCancelRequest' ? 'cancel' : 'replace', text,
    }];
  }

  private cancel(request: OrderCancelRequest): FixAppMessage[] {
    const order = this.byClOrdId.get(request.origClOrdId);
    if (this.seenClOrdIds.has(request.clOrdId)) return this.cancelReject(request, order, VenueRejectText.DuplicateClOrdId);
    this.seenClOrdIds.add(request.clOrdId);
    if (order === undefined) return this.cancelReject(request, order, VenueRejectText.UnknownOrder);
    if (!OPEN_STATUSES.has(order.status)) return this.cancelReject(request, order, VenueRejectText.TooLate);
    const origClOrdId = order.clOrdId;
    order.clOrdId = request.clOrdId;
    this.byClOrdId.set(order.clOrdId, order);
    order.status = 'canceled';
    this.openBySymbol.get(order.symbol)?.delete(order);
    return [this.report(order, 'canceled', { origClOrdId })];
  }

  private replace(request: OrderCancelReplaceRequest): FixAppMessage[] {
    const order = this.byClOrdId.get(request.origClOrdId);
    if (this.seenClOrdIds.has(request.clOrdId)) return this.cancelReject(request, order, VenueRejectText.DuplicateClOrdId);
    this.seenClOrdIds.add(request.clOrdId);
    if (order === undefined) return this.cancelReject(request, order, VenueRejectText.UnknownOrder);
    if (!OPEN_STATUSES.has(order.status)) return this.cancelReject(request, order, VenueRejectText.TooLate);
    const orderQty = big(request.orderQty);
    const priceTicks = request.price === undefined ? undefined : decimalToTicks(request.price);
    if (orderQty.lte(order.cumQty)) return this.cancelReject(request, order, VenueRejectText.ReplaceBelowFilled);
    if (!this.profile.orderTypes.includes(request.ordType) || (request.ordType === 'limit' && (priceTicks === undefined || priceTicks <= 0))) {
      return this.cancelReject(request, order, VenueRejectText.InvalidOrder);
    }
    const origClOrdId = order.clOrdId;
    order.clOrdId = request.clOrdId;
    order.ordType = request.ordType;
    order.priceTicks = priceTicks;
    order.timeInForce = request.timeInForce;
    order.orderQty = orderQty;
    this.byClOrdId.set(order.clOrdId, order);
    // FIX 4.4: ExecType Replaced, OrdStatus what the order now is (its fills stay with it).
    const reports: ExecutionReport[] = [this.report(order, 'replaced', { origClOrdId })];
    const quote = this.quotes.get(order.symbol);
    if (quote !== undefined) reports.push(...this.match(order, { ...quote }));
    return reports;
  }

  /** Fills what the quote allows; `quote` sizes shrink by what is taken, so orders behind see what is left. */
  private match(order: RestingOrder, quote: { bidTicks: number; askTicks: number; bidSize: number; askSize: number }): ExecutionReport[] {
    const buying = order.side === 'buy';
    const priceTicks = buying ? quote.askTicks : quote.bidTicks;
    const sizeAvailable = buying ? quote.askSize : quote.bidSize;
    if (priceTicks <= 0 || sizeAvailable <= 0) return [];
    const marketable = order.ordType === 'market' || (order.priceTicks !== undefined && (buying ? priceTicks <= order.priceTicks : priceTicks >= order.priceTicks));
    if (!marketable) return [];
    const leaves = order.orderQty.minus(order.cumQty);
    if (order.timeInForce === 'fok' && leaves.gt(sizeAvailable)) return [];
    if (this.chance() >= this.profile.fillRate) return []; // the liquidity went before the order got there
    let quantity = minBig(leaves, big(String(sizeAvailable)));
    if (order.timeInForce !== 'fok' && this.chance() < this.profile.partialFillRate) {
      const half = quantity.div(2).round(0, 0);
      if (half.gt(0)) quantity = half;
    }
    if (buying) quote.askSize -= Number(quantity.round(0, 3).toString());
    else quote.bidSize -= Number(quantity.round(0, 3).toString());
    const lastPx = ticksToDecimal(priceTicks);
    order.cumQty = order.cumQty.plus(quantity);
    order.filledValue = order.filledValue.plus(big(lastPx).times(quantity));
    const filled = order.cumQty.eq(order.orderQty);
    order.status = filled ? 'filled' : 'partially_filled';
    return [this.report(order, filled ? 'fill' : 'partial_fill', { lastQty: quantity.toFixed(QUANTITY_SCALE_DP), lastPx })];
  }

  private report(order: RestingOrder, execType: FixExecType, extra: { origClOrdId?: string; lastQty?: string; lastPx?: string } = {}): ExecutionReport {
    const closed = !OPEN_STATUSES.has(order.status);
    return {
      msgType: 'ExecutionReport', orderId: order.orderId, clOrdId: order.clOrdId, ...extra, execId: this.nextId('E'), execType,
      ordStatus: order.status, symbol: order.symbol, side: order.side,
      leavesQty: closed ? '0' : order.orderQty.minus(order.cumQty).toFixed(QUANTITY_SCALE_DP),
      cumQty: order.cumQty.toFixed(QUANTITY_SCALE_DP), avgPx: averagePriceString(order.filledValue, order.cumQty),
      transactTimeMs: this.nowMs(),
    };
  }
}
