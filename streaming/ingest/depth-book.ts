import { DEPTH_LEVELS } from '../feed/feed-sink';

/** Levels per side in `md.book.<SYM>` (the seed's Level 2: top 5 bids and asks). */
export const BOOK_LEVELS = 5;

export type AggregatedLevels = {
  bidCount: number;
  askCount: number;
  readonly bidPrices: Float64Array;
  readonly bidSizes: Float64Array;
  readonly askPrices: Float64Array;
  readonly askSizes: Float64Array;
};

export const createAggregatedLevels = (): AggregatedLevels => ({
  bidCount: 0, askCount: 0,
  bidPrices: new Float64Array(BOOK_LEVELS), bidSizes: new Float64Array(BOOK_LEVELS),
  askPrices: new Float64Array(BOOK_LEVELS), askSizes: new Float64Array(BOOK_LEVELS),
});

/**
 * Every venue's price levels (0..DEPTH_LEVELS-1 per side), and their aggregation into the top BOOK_LEVELS
 * distinct prices across venues with summed sizes. A deeper level that is not strictly behind its venue's own
 * top (left over after the top moved) is stale and ignored, as is any level when the venue's top side is absent.
 */
export class DepthBook {
  readonly #bid: Float64Array;
  readonly #ask: Float64Array;
  readonly #bidSize: Float64Array;
  readonly #askSize: Float64Array;
  // Scratch space for one aggregation: every venue level of one side.
  readonly #scratchPrice: Float64Array;
  readonly #scratchSize: Float64Array;

  constructor(symbolCount: number, readonly venueCount: number) {
    const slots = symbolCount * venueCount * DEPTH_LEVELS;
    this.#bid = new Float64Array(slots);
    this.#ask = new Float64Array(slots);
    this.#bidSize = new Float64Array(slots);
    this.#askSize = new Float64Array(slots);
    this.#scratchPrice = new Float64Array(venueCount * DEPTH_LEVELS);
    this.#scratchSize = new Float64Array(venueCount * DEPTH_LEVELS);
  }

  update(symbolId: number, venueId: number, level: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number): void {
    const slot = (symbolId * this.venueCount + venueId) * DEPTH_LEVELS + level;
    const hasBid = bidTicks > 0 && bidSize > 0;
    const hasAsk = askTicks > 0 && askSize > 0;
    this.#bid[slot] = hasBid ? bidTicks : 0;
    this.#bidSize[slot] = hasBid ? bidSize : 0;
    this.#ask[slot] = hasAsk ? askTicks : 0;
    this.#askSize[slot] = hasAsk ? askSize : 0;
  }

  /** Writes the symbol's aggregated top levels into `out` (bids best = highest first, asks lowest first). */
  aggregate(symbolId: number, out: AggregatedLevels): void {
    out.bidCount = this.#side(symbolId, this.#bid, this.#bidSize, -1, out.bidPrices, out.bidSizes);
    out.askCount = this.#side(symbolId, this.#ask, this.#askSize, 1, out.askPrices, out.askSizes);
  }

  /** direction -1: higher is better (bids); +1: lower is better (asks). */
  #side(symbolId: number, prices: Float64Array, sizes: Float64Array, direction: number, outPrices: Float64Array, outSizes: Float64Array): number {
    let n = 0;
    for (let v = 0; v < this.venueCount; v += 1) {
      const top = (symbolId * this.venueCount + v) * DEPTH_LEVELS;
      const topPrice = prices[top]!;
      if (topPrice === 0) continue;
      for (let level = 0; level < DEPTH_LEVELS; level += 1) {
        const price = prices[top + level]!;
        if (price === 0) continue;
        if (level > 0 && (price - topPrice) * direction <= 0) continue;
        // Insertion sort: at most venueCount * DEPTH_LEVELS entries.
        let i = n;
        while (i > 0 && (this.#scratchPrice[i - 1]! - price) * direction > 0) {
          this.#scratchPrice[i] = this.#scratchPrice[i - 1]!;
          this.#scratchSize[i] = this.#scratchSize[i - 1]!;
          i -= 1;
        }
        this.#scratchPrice[i] = price;
        this.#scratchSize[i] = sizes[top + level]!;
        n += 1;
      }
    }
    let count = 0;
    for (let i = 0; i < n; i += 1) {
      const price = this.#scratchPrice[i]!;
      if (count > 0 && outPrices[count - 1] === price) {
        outSizes[count - 1]! += this.#scratchSize[i]!;
        continue;
      }
      if (count === BOOK_LEVELS) break;
      outPrices[count] = price;
      outSizes[count] = this.#scratchSize[i]!;
      count += 1;
    }
    return count;
  }
}
