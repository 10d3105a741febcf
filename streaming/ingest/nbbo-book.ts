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

  /** Records a venue's new top of book; true when the symbol's NBBO (prices or sizes) changed. */
  update(symbolId: number, venueId: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number): boolean {
    const venues = this.#venues;
    const slot = (symbolId * this.venueCount + venueId) * VENUE_STRIDE;
    const hasBid = bidTicks > 0 && bidSize > 0;
    const hasAsk = askTicks > 0 && askSize > 0;
    venues[slot + BID] = hasBid ? bidTicks : 0;
    venues[slot + BID_SIZE] = hasBid ? bidSize : 0;
    venues[slot + ASK] = hasAsk ? askTicks : 0;
    venues[slot + ASK_SIZE] = hasAsk ? askSize : 0;

    let bid = 0;
    let bidQty = 0;
    let ask = 0;
    let askQty = 0;
    const first = symbolId * this.venueCount * VENUE_STRIDE;
    const end = first + this.venueCount * VENUE_STRIDE;
    for (let i = first; i < end; i += VENUE_STRIDE) {
      const b = venues[i + BID]!;
      if (b > bid) {
        bid = b;
        bidQty = venues[i + BID_SIZE]!;
      } else if (b === bid && b > 0) bidQty += venues[i + BID_SIZE]!;
      const a = venues[i + ASK]!;
      if (a > 0 && (ask === 0 || a < ask)) {
        ask = a;
        askQty = venues[i + ASK_SIZE]!;
      } else if (a === ask && a > 0) askQty += venues[i + ASK_SIZE]!;
    }
    const best = this.#best;
    const at = symbolId * VENUE_STRIDE;
    if (bid === best[at + BID] && ask === best[at + ASK] && bidQty === best[at + BID_SIZE] && askQty === best[at + ASK_SIZE]) return false;
    best[at + BID] = bid;
    best[at + BID_SIZE] = bidQty;
    best[at + ASK] = ask;
    best[at + ASK_SIZE] = askQty;
    return true;
  }
}
