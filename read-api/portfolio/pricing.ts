import type Big from 'big.js';
import { big, cashString, fillCash, sumBig } from '../../domain/money';
import type { Quote } from '../../infrastructure/market/quote';
import { quotePrice } from '../../infrastructure/market/quote-price';
import type { HeldPosition, PortfolioCash } from './query';

export { quotePrice };

export type PricedPosition = {
  readonly symbol: string;
  readonly quantity: string;
  readonly avg_cost: string;
  readonly cost_basis: string;
  readonly current_price: string;
  /** Where the price came from: the market data plane's last quote, else the account's last fill, else the cost. */
  readonly price_source: 'quote' | 'last_fill' | 'cost';
  readonly market_value: string;
  readonly unrealized_pnl: string;
};

const signed = (value: Big): string => (value.lt(0) ? `-${cashString(value.abs())}` : cashString(value));

/** A position's market value is priced like a fill of it (half-even to the cent); unrealized P&L is that less its cost basis. */
export const pricePosition = (position: HeldPosition, quote: Quote | undefined): PricedPosition => {
  const fromQuote = quotePrice(quote);
  const [price, source] = fromQuote !== null ? [fromQuote, 'quote' as const]
    : position.lastFillPrice !== null ? [position.lastFillPrice, 'last_fill' as const] : [position.avgCost, 'cost' as const];
  const marketValue = fillCash(price, position.quantity);
  return {
    symbol: position.symbol, quantity: position.quantity, avg_cost: position.avgCost, cost_basis: position.costBasis,
    current_price: price, price_source: source, market_value: cashString(marketValue), unrealized_pnl: signed(marketValue.minus(position.costBasis)),
  };
};

/** Cash in equity: settled (negative while instant credit funds buys), unsettled proceeds and deposits on their way. */
export const cashTotal = (cash: PortfolioCash) => big(cash.settled).plus(cash.unsettled).plus(cash.pendingDeposits);

/** Equity = cash + Σ market value, to the cent (the market values are already whole cents). */
export const equityOf = (cash: PortfolioCash, positions: readonly PricedPosition[]): string =>
  signed(cashTotal(cash).plus(sumBig(positions.map((p) => p.market_value))));
