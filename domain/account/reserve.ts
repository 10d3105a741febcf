import type Big from 'big.js';
import { big, notionalValue, reserveCash, reserveCashWithCollar, ZERO } from '../money';
import type { OrderRecord } from './state';
import { MARKET_BUY_COLLAR_RATIO } from './limits';

/** What a reserve depends on: the order's terms as its record holds them. */
export type OrderTerms = Pick<OrderRecord, 'side' | 'orderType' | 'quantity' | 'notional' | 'limitPrice' | 'stopPrice' | 'referencePrice'>;

export type Reserve = { readonly cash: Big; readonly shares: Big };

/**
 * What an order keeps aside for `openQuantity` shares still to fill.
 * Buys reserve cash, rounded UP to the cent: limit and stop-limit at the limit price; market at
 * the reference price plus the collar (a notional buy too: its shares are the notional at the reference
 * price, and it fills at the market like any market buy, so reserving only the notional would let a rise
 * take buying power below zero); stop at the stop price plus the collar. Sells reserve the shares themselves.
 */
export const reserveFor = (terms: OrderTerms, openQuantity: Big): Reserve => {
  if (terms.side === 'sell') return { cash: ZERO, shares: openQuantity };
  switch (terms.orderType) {
    case 'limit':
    case 'stop_limit':
      return { cash: reserveCash(terms.limitPrice ?? terms.referencePrice, openQuantity), shares: ZERO };
    case 'market':
      return { cash: reserveCashWithCollar(terms.referencePrice, MARKET_BUY_COLLAR_RATIO, openQuantity), shares: ZERO };
    case 'stop':
      return { cash: reserveCashWithCollar(terms.stopPrice ?? terms.referencePrice, MARKET_BUY_COLLAR_RATIO, openQuantity), shares: ZERO };
  }
};

/** The order's value for the rate and position limits: the notional, or quantity at the price it names. */
export const orderValueOf = (terms: OrderTerms): Big =>
  terms.notional !== null ? big(terms.notional) : notionalValue(terms.limitPrice ?? terms.stopPrice ?? terms.referencePrice, terms.quantity);
