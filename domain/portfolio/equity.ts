import type Big from 'big.js';
import { averagePrice, big, cashString, fillCash, priceString, sumBig } from '../money';

/** What an account holds at one instant: cash (settled + unsettled + deposits on their way, signed) and shares. */
export type Holdings = { readonly cash: string; readonly positions: readonly HeldQuantity[] };
export type HeldQuantity = { readonly symbol: string; readonly quantity: string; readonly costBasis: string };

/** Where a price came from: the live quote, a candle's close, the account's last fill of the symbol, or its average cost. */
export type PriceSource = 'quote' | 'candle' | 'last_fill' | 'cost';
export type Priced = { readonly price: string; readonly source: PriceSource };

export type ValuedPosition = {
  readonly symbol: string;
  readonly quantity: string;
  readonly price: string;
  readonly price_source: PriceSource;
  readonly market_value: string;
};

export const signedCashString = (value: Big): string => (value.lt(0) ? `-${cashString(value.abs())}` : cashString(value));

/** The last resort of every pricing: what the shares cost (half-even to 4 dp, as avg cost is shown). */
export const costPrice = (held: HeldQuantity): Priced => ({ price: priceString(averagePrice(held.costBasis, held.quantity)), source: 'cost' });

/**
 * Equity = cash + Σ quantity × price, to the cent: each market value is priced like a fill of the
 * position (half-even to the cent), then summed, as `GET /v1/portfolio` does.
 */
export const valueHoldings = (holdings: Holdings, priceOf: (held: HeldQuantity) => Priced): { readonly equity: string; readonly positions: ValuedPosition[] } => {
  const positions = holdings.positions.map((held) => {
    const { price, source } = priceOf(held);
    return { symbol: held.symbol, quantity: held.quantity, price, price_source: source, market_value: cashString(fillCash(price, held.quantity)) };
  });
  return { equity: signedCashString(big(holdings.cash).plus(sumBig(positions.map((p) => p.market_value)))), positions };
};
