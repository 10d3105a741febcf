/**
 * Per-venue top of book and the National Best Bid and Offer of every symbol, in typed arrays indexed by
 * symbolId * venueCount + venueId. A side with price 0 or size 0 is absent. NBBO size is the sum of the sizes
 * of all venues quoting at the best price. Nothing here allocates after construction.
 */
export class NbboBook {
  readonly venueBid: Float64Array;
  readonly venueAsk: Float64Array;
  readonly venueBidSize: Float64Array;
  readonly venueAskSize: Float64Array;
  readonly bestBid: Float64Array;
  readonly bestAsk: Float64Array;
  readonly bestBidSize: Float64Array;
  readonly bestAskSize: Float64Array;

  constructor(symbolCount: number, readonly venueCount: number) {
    const slots = symbolCount * venueCount;
    this.venueBid = new Float64Array(slots);
    this.venueAsk = new Float64Array(slots);
    this.venueBidSize = new Float64Array(slots);
    this.venueAskSize = new Float64Array(slots);
    this.bestBid = new Float64Array(symbolCount);
    this.bestAsk = new Float64Array(symbolCount);
    this.bestBidSize = new Float64Array(symbolCount);
    this.bestAskSize = new Float64Array(symbolCount);
  }

  /** Records a venue's new top of book; true when the symbol's NBBO (prices or sizes) changed. */
  update(symbolId: number, venueId: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number): boolean {
    const slot = symbolId * this.venueCount + venueId;
    const hasBid = bidTicks > 0 && bidSize > 0;
    const hasAsk = askTicks > 0 && askSize > 0;
    this.venueBid[slot] = hasBid ? bidTicks : 0;
    this.venueBidSize[slot] = hasBid ? bidSize : 0;
    this.venueAsk[slot] = hasAsk ? askTicks : 0;
    this.venueAskSize[slot] = hasAsk ? askSize : 0;

    let bid = 0;
    let bidQty = 0;
    let ask = 0;
    let askQty = 0;
    const first = symbolId * this.venueCount;
    const end = first + this.venueCount;
    for (let i = first; i < end; i += 1) {
      const b = this.venueBid[i]!;
      if (b > bid) {
        bid = b;
        bidQty = this.venueBidSize[i]!;
      } else if (b === bid && b > 0) bidQty += this.venueBidSize[i]!;
      const a = this.venueAsk[i]!;
      if (a > 0 && (ask === 0 || a < ask)) {
        ask = a;
        askQty = this.venueAskSize[i]!;
      } else if (a === ask && a > 0) askQty += this.venueAskSize[i]!;
    }
    if (bid === this.bestBid[symbolId] && ask === this.bestAsk[symbolId] && bidQty === this.bestBidSize[symbolId] && askQty === this.bestAskSize[symbolId]) {
      return false;
    }
    this.bestBid[symbolId] = bid;
    this.bestAsk[symbolId] = ask;
    this.bestBidSize[symbolId] = bidQty;
    this.bestAskSize[symbolId] = askQty;
    return true;
  }
}
