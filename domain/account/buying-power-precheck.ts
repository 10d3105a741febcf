import type Big from 'big.js';
import * as E from 'fp-ts/Either';
import { big, cashString } from '../money';
import type { PlaceOrderData } from './commands';
import { DomainErrorCode, type DomainError } from './errors';
import { validatePlaceOrder } from './order-validation';
import { reserveFor } from './reserve';

/** What the buying power read model knows of an account at one revision of its stream. */
export type BuyingPowerFacts = { readonly buyingPower: string; readonly restricted: boolean };

/** The decider's refusal of a buy whose reserve is more than the buying power: one wording, wherever it is decided. */
export const insufficientBuyingPower = (reserveCash: Big, buyingPower: Big): DomainError =>
  ({ code: DomainErrorCode.InsufficientBuyingPower, message: `order needs ${cashString(reserveCash)}, buying power is ${cashString(buyingPower)}` });

/**
 * The refusal `decidePlaceOrder` would give for buying power on a state with these facts, or null when
 * it would not refuse for that reason. It refuses only where every check the decider runs first would
 * pass (market session, validation, side, restriction): anything else is left for the decider to say,
 * so an early answer is always the answer the decider gives. The one check it cannot see is a repeated
 * order id; the order route looks the request up in the stream before answering a refusal.
 */
export const buyingPowerRefusal = (data: PlaceOrderData, facts: BuyingPowerFacts): DomainError | null => {
  if (data.type === 'market' && (data.marketSession ?? 'regular') !== 'regular') return null;
  const validated = validatePlaceOrder(data);
  if (E.isLeft(validated) || validated.right.side !== 'buy' || facts.restricted) return null;
  const reserve = reserveFor(validated.right, big(validated.right.quantity));
  const buyingPower = big(facts.buyingPower);
  return reserve.cash.gt(buyingPower) ? insufficientBuyingPower(reserve.cash, buyingPower) : null;
};
