import * as E from 'fp-ts/Either';
import { big, type Price } from '../money';
import { MarketErrorCode } from './errors';

/** The seed's pre-trade check 4: a limit price more than 10% away from the market is a fat finger. */
export const PRICE_BAND_PERCENT = 10;

/** The prices of a quote this check reads; the market plane's `Quote` carries them among others. */
export type QuotePrices = { readonly bid: string | null; readonly ask: string | null; readonly last: string | null };

export type PriceRejection = { readonly code: typeof MarketErrorCode.PriceUnreasonable; readonly detail: string };
/** `NO_REFERENCE`: no usable quote, so the check cannot run; trading must keep working without market data. */
export type PriceCheck = 'WITHIN_BAND' | 'NO_REFERENCE';

/** The price an order of this side meets: the ask for buys, the bid for sells, else the last trade. */
export const referencePriceDecimal = (side: 'buy' | 'sell', quote: QuotePrices | undefined): string | undefined => {
  if (!quote) return undefined;
  return (side === 'buy' ? quote.ask : quote.bid) ?? quote.last ?? undefined;
};

/**
 * Pure. Refuses a limit (or stop) price outside [ref * (1 - band), ref * (1 + band)], where ref is the
 * NBBO side the order would meet. Exact decimal arithmetic; no rounding happens.
 */
export const checkPriceReasonable = (
  side: 'buy' | 'sell',
  limitPrice: Price,
  quote: QuotePrices | undefined,
  bandPercent: number = PRICE_BAND_PERCENT,
): E.Either<PriceRejection, PriceCheck> => {
  const reference = referencePriceDecimal(side, quote);
  if (reference === undefined || big(reference).lte(0)) return E.right('NO_REFERENCE');
  const ref = big(reference);
  const band = ref.times(bandPercent).div(100);
  const limit = big(limitPrice);
  if (limit.gt(ref.plus(band)) || limit.lt(ref.minus(band))) {
    return E.left({ code: MarketErrorCode.PriceUnreasonable, detail: `limit ${limitPrice} is more than ${bandPercent}% from ${side === 'buy' ? 'ask' : 'bid'} ${reference}` });
  }
  return E.right('WITHIN_BAND');
};

