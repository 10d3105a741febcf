import { DEPTH_LEVELS as DEPTH_LEVELS_EXPORTED } from '../feed/feed-sink';
import { NbboBook } from './nbbo-book';

// Read on every quote: a local copy, not the CommonJS export getter tsx compiles an import to (V8 does not inline it).
const DEPTH_LEVELS = DEPTH_LEVELS_EXPORTED;

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
 * Level 0, each venue's top of book, is the NbboBook's (`top`): a top-of-book quote is stored once, and the
 * quote that changes it touches the NBBO's memory only, not a second copy here.
 */
/** Per level slot: bid, bid size, ask, ask size side by side (as NbboBook keeps a venue's top), so a quote's update touches one cache line. */
const BID = 0;
const ASK = 2;
const LEVEL_STRIDE = 4;
const DEEP_LEVELS = DEPTH_LEVELS - 1;

export class DepthBook {
  readonly top: NbboBook;
  /** LEVEL_STRIDE numbers per ((symbolId * venueCount + venueId) * DEEP_LEVELS + level - 1), levels 1 and deeper. */
  readonly #levels: Float64Array;
  // Scratch space for one aggregation: every venue level of one side.
  readonly #scratchPrice: Float64Array;
  readonly #scratchSize: Float64Array;

  constructor(symbolCount: number, readonly venueCount: number) {
    this.top = new NbboBook(symbolCount, venueCount);
    this.#levels = new Float64Array(symbolCount * venueCount * DEEP_LEVELS * LEVEL_STRIDE);
    this.#scratchPrice = new Float64Array(venueCount * DEPTH_LEVELS);
    this.#scratchSize = new Float64Array(venueCount * DEPTH_LEVELS);
  }

  /** Records a venue's level; true when it was the top (level 0) and the symbol's NBBO changed. */
  update(symbolId: number, venueId: number, level: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number): boolean {
    if (level === 0) return this.top.update(symbolId, venueId, bidTicks, askTicks, bidSize, askSize);
    const slot = ((symbolId * this.venueCount + venueId) * DEEP_LEVELS + level - 1) * LEVEL_STRIDE;
    const hasBid = bidTicks > 0 && bidSize > 0;
    const hasAsk = askTicks > 0 && askSize > 0;
    const levels = this.#levels;
    levels[slot] = hasBid ? bidTicks : 0;
    levels[slot + 1] = hasBid ? bidSize : 0;
    levels[slot + 2] = hasAsk ? askTicks : 0;
    levels[slot + 3] = hasAsk ? askSize : 0;
    return false;
  }

  /** Writes the symbol's aggregated top levels into `out` (bids best = highest first, asks lowest first). */
  aggregate(symbolId: number, out: AggregatedLevels): void {
    out.bidCount = this.#side(symbolId, BID, -1, out.bidPrices, out.bidSizes);
    out.askCount = this.#side(symbolId, ASK, 1, out.askPrices, out.askSizes);
  }

  /** direction -1: higher is better (bids); +1: lower is better (asks). `side` is the price's offset, its size follows it. */
  #side(symbolId: number, side: number, direction: number, outPrices: Float64Array, outSizes: Float64Array): number {
    const levels = this.#levels;
    let n = 0;
    for (let v = 0; v < this.venueCount; v += 1) {
      const topPrice = this.top.venueLevel(symbolId, v, side);
      if (topPrice === 0) continue;
      n = this.#insert(n, topPrice, this.top.venueLevel(symbolId, v, side + 1), direction);
      const deep = (symbolId * this.venueCount + v) * DEEP_LEVELS * LEVEL_STRIDE;
      for (let level = 0; level < DEEP_LEVELS; level += 1) {
        const price = levels[deep + level * LEVEL_STRIDE + side]!;
        if (price === 0 || (price - topPrice) * direction <= 0) continue;
        n = this.#insert(n, price, levels[deep + level * LEVEL_STRIDE + side + 1]!, direction);
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

  /** Insertion sort into the scratch space (at most venueCount * DEPTH_LEVELS entries); returns the new count. */
  #insert(n: number, price: number, size: number, direction: number): number {
    let i = n;
    while (i > 0 && (this.#scratchPrice[i - 1]! - price) * direction > 0) {
      this.#scratchPrice[i] = this.#scratchPrice[i - 1]!;
      this.#scratchSize[i] = this.#scratchSize[i - 1]!;
      i -= 1;
    }
    this.#scratchPrice[i] = price;
    this.#scratchSize[i] = size;
    return n + 1;
  }
}
