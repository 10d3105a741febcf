import type Big from 'big.js';
import type { RouteCandidate } from '../../domain/account/commands';
import type { OrderSide } from '../../domain/account';
import { big, priceString } from '../../domain/money';

/** One venue's top of book as the router sees it: decimal strings, null when that side is empty. */
export type VenueQuote = { readonly venue: string; readonly bid: string | null; readonly ask: string | null };

/** What the engine has measured of a venue, each 0..1: share of orders filled, answer speed, session stability. */
export type VenueStanding = { readonly fillRate: number; readonly speed: number; readonly stability: number };

export type RouteRequest = {
  readonly side: OrderSide;
  /** 'market' or 'limit': a triggered stop is routed as what it became. */
  readonly orderType: 'market' | 'limit';
  readonly limitPrice: string | null;
};

export type RouteDecision = {
  readonly venue: string;
  readonly nbboBid: string | null;
  readonly nbboAsk: string | null;
  readonly candidates: RouteCandidate[];
};

/** Price counts most: it is what the client gets. The rest say whether the order is likely to fill, soon, on a session that stays up. */
export const SCORE_WEIGHTS = { price: 0.4, fillRate: 0.25, speed: 0.2, stability: 0.15 } as const;
/** A venue this far (as a ratio of the NBBO) from the best price scores zero on price. */
const PRICE_SCORE_SPAN_RATIO = 0.01;
const SCORE_DP = 4;

const best = (prices: readonly (string | null)[], side: 'bid' | 'ask'): Big | null =>
  prices.reduce<Big | null>((acc, p) => (p === null ? acc : acc === null ? big(p) : side === 'bid' ? (big(p).gt(acc) ? big(p) : acc) : big(p).lt(acc) ? big(p) : acc), null);

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));
const asPrice = (price: string | null): string | null => (price === null ? null : priceString(big(price)));
const scoreString = (value: number): string => value.toFixed(SCORE_DP);

/** Whether the order would trade at once against the NBBO: a market order, or a limit at or through the far side. */
export const isMarketable = (request: RouteRequest, nbboBid: Big | null, nbboAsk: Big | null): boolean => {
  if (request.orderType === 'market' || request.limitPrice === null) return true;
  const limit = big(request.limitPrice);
  return request.side === 'buy' ? nbboAsk !== null && limit.gte(nbboAsk) : nbboBid !== null && limit.lte(nbboBid);
};

/**
 * Scores every venue that takes the order type and picks the best. A marketable order is never sent to a
 * venue quoting worse than the NBBO on the side it takes (Reg NMS 611, the order protection rule):
 * such a venue is ineligible whatever its other scores. A venue with no quote on that side is ineligible
 * for a marketable order while some venue quotes it. Ties go to the venue listed first, so the decision
 * is a function of its inputs, which are all recorded with it.
 */
export const chooseVenue = (
  request: RouteRequest,
  venues: readonly { readonly name: string; readonly takes: boolean; readonly quote: VenueQuote | undefined; readonly standing: VenueStanding }[],
): RouteDecision | null => {
  const nbboBid = best(venues.map((v) => v.quote?.bid ?? null), 'bid');
  const nbboAsk = best(venues.map((v) => v.quote?.ask ?? null), 'ask');
  const marketable = isMarketable(request, nbboBid, nbboAsk);
  const nbboSide = request.side === 'buy' ? nbboAsk : nbboBid;
  const candidates = venues.map((v): RouteCandidate & { total: number } => {
    const price = request.side === 'buy' ? v.quote?.ask ?? null : v.quote?.bid ?? null;
    const atNbbo = nbboSide === null || (price !== null && big(price).eq(nbboSide));
    const eligible = v.takes && (!marketable || atNbbo);
    const distance = price === null || nbboSide === null ? PRICE_SCORE_SPAN_RATIO : big(price).minus(nbboSide).abs().div(nbboSide).toNumber();
    const priceScore = nbboSide === null ? 1 : clamp01(1 - distance / PRICE_SCORE_SPAN_RATIO);
    const total = SCORE_WEIGHTS.price * priceScore + SCORE_WEIGHTS.fillRate * v.standing.fillRate + SCORE_WEIGHTS.speed * v.standing.speed + SCORE_WEIGHTS.stability * v.standing.stability;
    return {
      venue: v.name, bid: asPrice(v.quote?.bid ?? null), ask: asPrice(v.quote?.ask ?? null), eligible,
      priceScore: scoreString(priceScore), fillRateScore: scoreString(v.standing.fillRate), speedScore: scoreString(v.standing.speed),
      stabilityScore: scoreString(v.standing.stability), score: scoreString(total), total,
    };
  });
  const chosen = candidates.reduce<(typeof candidates)[number] | null>((acc, c) => (c.eligible && (acc === null || c.total > acc.total) ? c : acc), null);
  if (chosen === null) return null;
  return {
    venue: chosen.venue,
    nbboBid: nbboBid === null ? null : priceString(nbboBid),
    nbboAsk: nbboAsk === null ? null : priceString(nbboAsk),
    candidates: candidates.map(({ total: _total, ...c }) => c),
  };
};
