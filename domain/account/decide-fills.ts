import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { big, CASH_SCALE_DP, cashString, fillCash, priceString, proRataRelease, quantityString, sumBig, ZERO } from '../money';
import { orderReservedCash, orderReservedShares } from './buying-power';
import type { CommandOf } from './commands';
import { findOrder, refuseUnlessTransition } from './decide-orders';
import { DomainErrorCode, fail, type DomainError } from './errors';
import { accountEvent, type AccountEvent } from './events';
import { SETTLEMENT_DELAY_MS } from './limits';
import { isValidId, positiveField } from './order-validation';
import { statusAfterFill } from './order-status';
import { consumeLotsFifo } from './positions';
import { entry, type OpenAccountState } from './state';

type Decision = E.Either<DomainError, AccountEvent[]>;

/**
 * One fill, one event: reserve released, cash and shares moved together.
 * Buy: the pro-rata share of the remaining reserve is released (the completing fill releases all
 * of it, replace hold included) and the actual cost (half-even to the cent) is debited from
 * settled cash. A fill is a fact from the venue and is never refused for money: a market buy
 * filling above its collar costs more than it released, and per-fill rounding can cost a cent
 * more than the pro-rata release (at most one cent per fill at or under the reserve price).
 * Buying power may then go slightly below zero; later buys are refused by the buying power
 * check until it recovers. The shares become a new tax lot at that cost.
 * Sell: the reserved shares are released, FIFO lots give up their basis, the proceeds are
 * credited as unsettled cash until T+1.
 * An ExecID already applied decides nothing: exactly once.
 */
export const decideApplyFill = ({ data }: CommandOf<'ApplyFill'>, state: OpenAccountState): Decision => {
  if (entry(state.appliedExecIds, data.execId) !== undefined) return E.right([]);
  if (!isValidId(data.execId)) return fail(DomainErrorCode.InvalidFill, 'execId is required', 'execId');
  return pipe(
    E.Do,
    E.bind('order', () => findOrder(state, data.orderId)),
    E.bind('quantity', () => positiveField(data.quantity, 'quantity', DomainErrorCode.InvalidFill)),
    E.bind('price', () => positiveField(data.price, 'price', DomainErrorCode.InvalidFill)),
    E.chain(({ order, quantity, price }) => {
      const open = big(order.quantity).minus(order.filledQuantity);
      if (order.status === 'filled' || quantity.gt(open)) {
        return fail<AccountEvent[]>(DomainErrorCode.FillExceedsOrder, `fill of ${quantityString(quantity)} exceeds the ${quantityString(open)} open`, 'quantity');
      }
      const completes = quantity.eq(open);
      return pipe(
        refuseUnlessTransition(order, statusAfterFill(order, completes), true),
        E.map(() => {
          const cash = fillCash(price, quantity);
          const common = {
            orderId: order.orderId,
            execId: data.execId,
            symbol: order.symbol,
            side: order.side,
            quantity: quantityString(quantity),
            price: priceString(price),
            venue: String(data.venue),
            cash: cashString(cash),
            filledQuantity: quantityString(big(order.filledQuantity).plus(quantity)),
            completesOrder: completes,
            atMs: data.atMs,
          };
          if (order.side === 'buy') {
            const releasedCash = completes ? orderReservedCash(order) : proRataRelease(order.reservedCash, quantity, open, CASH_SCALE_DP);
            return [
              accountEvent('OrderFilled', {
                ...common,
                releasedCash: cashString(releasedCash),
                releasedShares: quantityString(ZERO),
                lotsConsumed: [],
                realizedPnl: '0.00',
                settlesAtMs: null,
              }),
            ];
          }
          const lotsConsumed = consumeLotsFifo(entry(state.positions, order.symbol)?.lots ?? [], quantity);
          const realizedPnl = cash.minus(sumBig(lotsConsumed.map((l) => l.costBasis)));
          return [
            accountEvent('OrderFilled', {
              ...common,
              releasedCash: cashString(completes ? orderReservedCash(order) : ZERO),
              releasedShares: quantityString(completes ? orderReservedShares(order) : quantity),
              lotsConsumed,
              // Proceeds and cost basis are both whole cents, so their difference is too: nothing to round.
              realizedPnl: cashString(realizedPnl),
              settlesAtMs: data.atMs + SETTLEMENT_DELAY_MS,
            }),
          ];
        }),
      );
    }),
  );
};

/** Sale proceeds whose settlement time is at or before upToMs become settled cash; nothing due, no event. */
export const decideSettleTrades = ({ data }: CommandOf<'SettleTrades'>, state: OpenAccountState): Decision => {
  const due = state.unsettled.filter((u) => u.settlesAtMs <= data.upToMs);
  if (due.length === 0) return E.right([]);
  return E.right([
    accountEvent('TradesSettled', {
      upToMs: data.upToMs,
      execIds: due.map((u) => u.execId),
      amount: cashString(sumBig(due.map((u) => u.amount))),
      atMs: data.atMs,
    }),
  ]);
};
