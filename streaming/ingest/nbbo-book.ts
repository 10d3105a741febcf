import { invariant } from '../../domain/invariant';

/**
 * Per-venue top of book and the National Best Bid and Offer of every symbol, in typed arrays indexed by
 * symbolId * VENUE_SLOTS + venueId. A side with price 0 or size 0 is absent. NBBO size is the sum of the sizes
 * of all venues quoting at the best price. Nothing here allocates after construction.
 */
/** Per venue slot: bid, bid size, ask, ask size, side by side, so one quote's update reads two cache lines, not four arrays' worth. */
const BID = 0;
const BID_SIZE = 1;
const ASK = 2;
const ASK_SIZE = 3;
const VENUE_STRIDE = 4;
export const NBBO_STRIDE = VENUE_STRIDE;
/**
 * Every symbol has room for this many venues whatever the book's venue count (slots past it stay absent), so the
 * NBBO scan is four fixed reads per side with no loop: V8 then checks the array once per update, not per read,
 * and a book of fewer venues gets the same answer from its absent slots.
 */
export const VENUE_SLOTS = 4;
const SYMBOL_STRIDE = VENUE_SLOTS * VENUE_STRIDE;
const V1 = VENUE_STRIDE;
const V2 = 2 * VENUE_STRIDE;
const V3 = 3 * VENUE_STRIDE;

export class NbboBook {
  /** Every venue's top of book, VENUE_STRIDE numbers per symbolId * VENUE_SLOTS + venueId. */
  readonly #venues: Float64Array;
  /**
   * Each symbol's NBBO at symbolId * NBBO_STRIDE, side by side as a venue's numbers are (bid, bid size, ask, ask
   * size): one cache line per symbol. Read in place by QuoteWriter; written only here.
   */
  readonly best: Float64Array;

  constructor(symbolCount: number, readonly venueCount: number) {
    invariant(venueCount >= 1 && venueCount <= VENUE_SLOTS, `1..${VENUE_SLOTS} venues, got ${venueCount}`);
    this.#venues = new Float64Array(symbolCount * SYMBOL_STRIDE);
    this.best = new Float64Array(symbolCount * VENUE_STRIDE);
  }

  bestBid(symbolId: number): number {
    return this.best[symbolId * VENUE_STRIDE + BID]!;
  }

  bestBidSize(symbolId: number): number {
    return this.best[symbolId * VENUE_STRIDE + BID_SIZE]!;
  }

  bestAsk(symbolId: number): number {
    return this.best[symbolId * VENUE_STRIDE + ASK]!;
  }

  bestAskSize(symbolId: number): number {
    return this.best[symbolId * VENUE_STRIDE + ASK_SIZE]!;
  }

  /** One number of a venue's top of book: `field` 0 bid, 1 bid size, 2 ask, 3 ask size (0 when the side is absent). */
  venueLevel(symbolId: number, venueId: number, field: number): number {
    return this.#venues[symbolId * SYMBOL_STRIDE + venueId * VENUE_STRIDE + field]!;
  }

  /** Records a venue's new top of book; true when the symbol's NBBO (prices or sizes) changed. */
  update(symbolId: number, venueId: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number): boolean {
    const venues = this.#venues;
    const first = symbolId * SYMBOL_STRIDE;
    const slot = first + venueId * VENUE_STRIDE;
    // Branches, not `hasBid ? bidTicks : 0`: a conditional of an argument and 0 stays a tagged value, which V8
    // then checks and converts again at every store.
    if (bidTicks > 0 && bidSize > 0) {
      venues[slot + BID] = bidTicks;
      venues[slot + BID_SIZE] = bidSize;
    } else {
      venues[slot + BID] = 0;
      venues[slot + BID_SIZE] = 0;
    }
    if (askTicks > 0 && askSize > 0) {
      venues[slot + ASK] = askTicks;
      venues[slot + ASK_SIZE] = askSize;
    } else {
      venues[slot + ASK] = 0;
      venues[slot + ASK_SIZE] = 0;
    }

    // Best bid: the highest price (0 when no venue bids); its size, every venue's at that price, summed in venue order.
    const b0 = venues[first + BID]!;
    const b1 = venues[first + V1 + BID]!;
    const b2 = venues[first + V2 + BID]!;
    const b3 = venues[first + V3 + BID]!;
    let bid = b0 > b1 ? b0 : b1;
    const b23 = b2 > b3 ? b2 : b3;
    if (b23 > bid) bid = b23;
    let bidQty = 0;
    if (bid > 0) {
      if (b0 === bid) bidQty += venues[first + BID_SIZE]!;
      if (b1 === bid) bidQty += venues[first + V1 + BID_SIZE]!;
      if (b2 === bid) bidQty += venues[first + V2 + BID_SIZE]!;
      if (b3 === bid) bidQty += venues[first + V3 + BID_SIZE]!;
    }
    // Best ask: the lowest price of the venues that offer (0 when none does).
    const a0 = venues[first + ASK]!;
    const a1 = venues[first + V1 + ASK]!;
    const a2 = venues[first + V2 + ASK]!;
    const a3 = venues[first + V3 + ASK]!;
    let ask = a0;
    if (a1 > 0 && (ask === 0 || a1 < ask)) ask = a1;
    if (a2 > 0 && (ask === 0 || a2 < ask)) ask = a2;
    if (a3 > 0 && (ask === 0 || a3 < ask)) ask = a3;
    let askQty = 0;
    if (ask > 0) {
      if (a0 === ask) askQty += venues[first + ASK_SIZE]!;
      if (a1 === ask) askQty += venues[first + V1 + ASK_SIZE]!;
      if (a2 === ask) askQty += venues[first + V2 + ASK_SIZE]!;
      if (a3 === ask) askQty += venues[first + V3 + ASK_SIZE]!;
    }
    const best = this.best;
    const at = symbolId * VENUE_STRIDE;
    if (bid === best[at + BID] && ask === best[at + ASK] && bidQty === best[at + BID_SIZE] && askQty === best[at + ASK_SIZE]) return false;
    best[at + BID] = bid;
    best[at + BID_SIZE] = bidQty;
    best[at + ASK] = ask;
    best[at + ASK_SIZE] = askQty;
    return true;
  }
}
