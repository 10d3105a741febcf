/**
 * Per-venue top of book and the National Best Bid and Offer of every symbol, in typed arrays indexed by
 * symbolId * venueCount + venueId. A side with price 0 or size 0 is absent. NBBO size is the sum of the sizes
 * of all venues quoting at the best price. Nothing here allocates after construction.
 */
/** Per venue slot: bid, bid size, ask, ask size, side by side, so one quote's update reads two cache lines, not four arrays' worth. */
const BID = 0;
const BID_SIZE = 1;
const ASK = 2;
const ASK_SIZE = 3;
const VENUE_STRIDE = 4;

export class NbboBook {
  /** Every venue's top of book, VENUE_STRIDE numbers per symbolId * venueCount + venueId. */
  readonly #venues: Float64Array;
  /** Each symbol's NBBO, side by side as a venue's numbers are (bid, bid size, ask, ask size): one cache line per symbol. */
  readonly #best: Float64Array;

  constructor(symbolCount: number, readonly venueCount: number) {
    this.#venues = new Float64Array(symbolCount * venueCount * VENUE_STRIDE);
    this.#best = new Float64Array(symbolCount * VENUE_STRIDE);
  }

  bestBid(symbolId: number): number {
    return this.#best[symbolId * VENUE_STRIDE + BID]!;
  }

  bestBidSize(symbolId: number): number {
    return this.#best[symbolId * VENUE_STRIDE + BID_SIZE]!;
  }

  bestAsk(symbolId: number): number {
    return this.#best[symbolId * VENUE_STRIDE + ASK]!;
  }

  bestAskSize(symbolId: number): number {
    return this.#best[symbolId * VENUE_STRIDE + ASK_SIZE]!;
  }

  /** One number of a venue's top of book: `field` 0 bid, 1 bid size, 2 ask, 3 ask size (0 when the side is absent). */
  venueLevel(symbolId: number, venueId: number, field: number): number {
    return this.#venues[(symbolId * this.venueCount + venueId) * VENUE_STRIDE + field]!;
  }

  /**
   * Records a venue's new top of book; true when the symbol's NBBO (prices or sizes) changed. Most quotes leave a
   * side's best where it was (the venue was behind it and stays behind) or take it alone (a better price): those
   * cost a few comparisons. Only a side where the venue was or is at the best price is summed again over all
   * venues, in venue order, so the sizes are the same sums a full recount gives.
   */
  update(symbolId: number, venueId: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number): boolean {
    const venues = this.#venues;
    const slot = (symbolId * this.venueCount + venueId) * VENUE_STRIDE;
    const hasBid = bidTicks > 0 && bidSize > 0;
    const hasAsk = askTicks > 0 && askSize > 0;
    const bid = hasBid ? bidTicks : 0;
    const bidQty = hasBid ? bidSize : 0;
    const ask = hasAsk ? askTicks : 0;
    const askQty = hasAsk ? askSize : 0;
    const oldBid = venues[slot + BID]!;
    const oldBidQty = venues[slot + BID_SIZE]!;
    const oldAsk = venues[slot + ASK]!;
    const oldAskQty = venues[slot + ASK_SIZE]!;
    if (bid === oldBid && bidQty === oldBidQty && ask === oldAsk && askQty === oldAskQty) return false;
    venues[slot + BID] = bid;
    venues[slot + BID_SIZE] = bidQty;
    venues[slot + ASK] = ask;
    venues[slot + ASK_SIZE] = askQty;

    const best = this.#best;
    const at = symbolId * VENUE_STRIDE;
    const bestBid = best[at + BID]!;
    const bestBidQty = best[at + BID_SIZE]!;
    const bestAsk = best[at + ASK]!;
    const bestAskQty = best[at + ASK_SIZE]!;
    if (bid > bestBid) {
      best[at + BID] = bid;
      best[at + BID_SIZE] = bidQty;
    } else if ((oldBid > 0 && oldBid === bestBid) || (bid > 0 && bid === bestBid)) this.#sumBest(symbolId, BID, -1);
    if (ask > 0 && (bestAsk === 0 || ask < bestAsk)) {
      best[at + ASK] = ask;
      best[at + ASK_SIZE] = askQty;
    } else if ((oldAsk > 0 && oldAsk === bestAsk) || (ask > 0 && ask === bestAsk)) this.#sumBest(symbolId, ASK, 1);
    return best[at + BID] !== bestBid || best[at + BID_SIZE] !== bestBidQty || best[at + ASK] !== bestAsk || best[at + ASK_SIZE] !== bestAskQty;
  }

  /** One side's best price over all venues and the sum of the sizes there; direction -1: higher is better (bids), +1: lower. */
  #sumBest(symbolId: number, side: number, direction: number): void {
    const venues = this.#venues;
    let price = 0;
    let size = 0;
    const first = symbolId * this.venueCount * VENUE_STRIDE + side;
    const end = first + this.venueCount * VENUE_STRIDE;
    for (let i = first; i < end; i += VENUE_STRIDE) {
      const p = venues[i]!;
      if (p === 0) continue;
      if (price === 0 || (p - price) * direction < 0) {
        price = p;
        size = venues[i + 1]!;
      } else if (p === price) size += venues[i + 1]!;
    }
    this.#best[symbolId * VENUE_STRIDE + side] = price;
    this.#best[symbolId * VENUE_STRIDE + side + 1] = size;
  }
}
