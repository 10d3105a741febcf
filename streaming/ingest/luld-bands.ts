/** The seed's LULD rule: a move of more than 5% within 5 minutes halts the symbol for 5 minutes. */
export const LULD_MOVE_PERCENT = 5;
export const LULD_WINDOW_MS = 300_000;
export const LULD_HALT_MS = 300_000;
/** The window is kept as buckets of this length, so it covers between 4m50s and 5m of trades before the current one. */
export const LULD_BUCKET_MS = 10_000;
const BUCKETS = LULD_WINDOW_MS / LULD_BUCKET_MS;

/**
 * Per-symbol high and low of recent trade prices in a ring of fixed buckets. A trade halts the symbol when its
 * price is more than LULD_MOVE_PERCENT above the window's low or below its high (exact integer tick arithmetic).
 * After a trigger the window starts empty, so the move that caused a halt does not cause the next one.
 */
export class LuldBands {
  readonly #bucketId: Float64Array;
  readonly #low: Float64Array;
  readonly #high: Float64Array;

  constructor(symbolCount: number) {
    this.#bucketId = new Float64Array(symbolCount * BUCKETS).fill(-1);
    this.#low = new Float64Array(symbolCount * BUCKETS);
    this.#high = new Float64Array(symbolCount * BUCKETS);
  }

  /** Records a trade; true when it breaches the band (the caller halts the symbol). */
  onTrade(symbolId: number, priceTicks: number, tsMs: number): boolean {
    const bucket = Math.floor(tsMs / LULD_BUCKET_MS);
    const oldest = bucket - BUCKETS + 1;
    const first = symbolId * BUCKETS;
    let low = Infinity;
    let high = 0;
    for (let i = first; i < first + BUCKETS; i += 1) {
      const id = this.#bucketId[i]!;
      if (id < oldest || id > bucket) continue;
      if (this.#low[i]! < low) low = this.#low[i]!;
      if (this.#high[i]! > high) high = this.#high[i]!;
    }
    if (high > 0 && (priceTicks * 100 > low * (100 + LULD_MOVE_PERCENT) || priceTicks * 100 < high * (100 - LULD_MOVE_PERCENT))) {
      this.reset(symbolId);
      return true;
    }
    const slot = first + (bucket % BUCKETS);
    if (this.#bucketId[slot] !== bucket) {
      this.#bucketId[slot] = bucket;
      this.#low[slot] = priceTicks;
      this.#high[slot] = priceTicks;
    } else {
      if (priceTicks < this.#low[slot]!) this.#low[slot] = priceTicks;
      if (priceTicks > this.#high[slot]!) this.#high[slot] = priceTicks;
    }
    return false;
  }

  reset(symbolId: number): void {
    this.#bucketId.fill(-1, symbolId * BUCKETS, (symbolId + 1) * BUCKETS);
  }
}
