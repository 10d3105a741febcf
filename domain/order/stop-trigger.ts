import { big } from '../money';
import type { OrderSide } from './state-machine';

/**
 * When a held stop becomes an order, judged on the NBBO: a buy stop when the best offer rises to the
 * stop price or above, a sell stop when the best bid falls to it or below. A side with no quote
 * triggers nothing: a stop never fires on a price nobody is quoting.
 */
export const stopTriggerPrice = (side: OrderSide, stopPrice: string, nbbo: { readonly bid: string | null; readonly ask: string | null }): string | null => {
  if (side === 'buy') return nbbo.ask !== null && big(nbbo.ask).gte(stopPrice) ? nbbo.ask : null;
  return nbbo.bid !== null && big(nbbo.bid).lte(stopPrice) ? nbbo.bid : null;
};
