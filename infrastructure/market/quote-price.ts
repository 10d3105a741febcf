import Big from 'big.js';
import { big, PRICE_SCALE_DP, priceString } from '../../domain/money';
import type { Quote } from './quote';

/** The quote's last trade, else the mid of bid and ask (half-even to 4 dp), else whichever side there is. */
export const quotePrice = (quote: Quote | undefined): string | null => {
  if (quote === undefined) return null;
  if (quote.last !== null) return quote.last;
  if (quote.bid !== null && quote.ask !== null) return priceString(big(quote.bid).plus(quote.ask).div(2).round(PRICE_SCALE_DP, Big.roundHalfEven));
  return quote.bid ?? quote.ask;
};

