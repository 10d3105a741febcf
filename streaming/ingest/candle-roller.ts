import { CANDLE_INTERVALS, CANDLE_INTERVAL_MS, type CandleDelta } from '../market/candle';
import type { SymbolTable } from '../market/symbol-table';

/** Deltas of buckets that closed between two flushes wait here; beyond this they are dropped and counted (AP plane). */
export const CLOSED_DELTAS_MAX = 100_000;
const INTERVAL_COUNT = CANDLE_INTERVALS.length;
const INTERVAL_MS = CANDLE_INTERVALS.map((i) => CANDLE_INTERVAL_MS[i]);

/**
 * Rolls trades into 1m/5m/1h/1d candle deltas (see CandleDelta): one open delta per symbol and interval in
 * typed arrays, so a trade allocates nothing unless it closes a bucket that has an unflushed delta.
 */
export class CandleRoller {
  readonly #start: Float64Array;
  readonly #open: Float64Array;
  readonly #high: Float64Array;
  readonly #low: Float64Array;
  readonly #close: Float64Array;
  readonly #volume: Float64Array;
  readonly #count: Float64Array;
  readonly #pending: Uint8Array;
  readonly #dirty: Int32Array;
  #dirtyCount = 0;
  #closed: CandleDelta[] = [];
  #dropped = 0;

  constructor(readonly symbols: SymbolTable) {
    const slots = symbols.size * INTERVAL_COUNT;
    this.#start = new Float64Array(slots);
    this.#open = new Float64Array(slots);
    this.#high = new Float64Array(slots);
    this.#low = new Float64Array(slots);
    this.#close = new Float64Array(slots);
    this.#volume = new Float64Array(slots);
    this.#count = new Float64Array(slots);
    this.#pending = new Uint8Array(slots);
    this.#dirty = new Int32Array(slots);
  }

  get droppedDeltas(): number {
    return this.#dropped;
  }

  onTrade(symbolId: number, priceTicks: number, size: number, tsMs: number): void {
    for (let i = 0; i < INTERVAL_COUNT; i += 1) {
      const slot = symbolId * INTERVAL_COUNT + i;
      const intervalMs = INTERVAL_MS[i]!;
      const bucketStartMs = Math.floor(tsMs / intervalMs) * intervalMs;
      if (this.#pending[slot] === 1 && this.#start[slot] !== bucketStartMs) {
        // The slot stays in the dirty list: it is re-opened for the new bucket below.
        this.#retire(slot);
        this.#openBucket(slot, bucketStartMs, priceTicks, size);
        continue;
      }
      if (this.#pending[slot] === 0) {
        this.#pending[slot] = 1;
        this.#dirty[this.#dirtyCount] = slot;
        this.#dirtyCount += 1;
        this.#openBucket(slot, bucketStartMs, priceTicks, size);
        continue;
      }
      if (priceTicks > this.#high[slot]!) this.#high[slot] = priceTicks;
      if (priceTicks < this.#low[slot]!) this.#low[slot] = priceTicks;
      this.#close[slot] = priceTicks;
      this.#volume[slot]! += size;
      this.#count[slot]! += 1;
    }
  }

  /** Everything since the previous drain, closed buckets first, in feed order per bucket. */
  drain(): CandleDelta[] {
    const out = this.#closed;
    this.#closed = [];
    for (let d = 0; d < this.#dirtyCount; d += 1) {
      const slot = this.#dirty[d]!;
      if (this.#pending[slot] === 1) out.push(this.#delta(slot));
      this.#pending[slot] = 0;
    }
    this.#dirtyCount = 0;
    return out;
  }

  #retire(slot: number): void {
    if (this.#closed.length < CLOSED_DELTAS_MAX) this.#closed.push(this.#delta(slot));
    else this.#dropped += 1;
  }

  #openBucket(slot: number, bucketStartMs: number, priceTicks: number, size: number): void {
    this.#start[slot] = bucketStartMs;
    this.#open[slot] = priceTicks;
    this.#high[slot] = priceTicks;
    this.#low[slot] = priceTicks;
    this.#close[slot] = priceTicks;
    this.#volume[slot] = size;
    this.#count[slot] = 1;
  }

  #delta(slot: number): CandleDelta {
    return {
      symbol: this.symbols.name(Math.floor(slot / INTERVAL_COUNT)),
      interval: CANDLE_INTERVALS[slot % INTERVAL_COUNT]!,
      bucketStartMs: this.#start[slot]!,
      openTicks: this.#open[slot]!, highTicks: this.#high[slot]!, lowTicks: this.#low[slot]!, closeTicks: this.#close[slot]!,
      volume: this.#volume[slot]!, tradeCount: this.#count[slot]!,
    };
  }
}
