import { invariant } from '../../domain/invariant';
import { PRICE_TICKS_MAX, TICKS_PER_DOLLAR } from '../market/ticks';
import { VENUE_COUNT } from '../market/venues';
import { DEPTH_LEVELS, type FeedSink } from './feed-sink';
import type { Prng } from './prng';

export const SIMULATED_SYMBOLS_MAX = 10_000;
export const EVENTS_PER_SECOND_MAX = 5_000_000;
/** Per-step relative move of a mid when it moves; tuned so 5%-in-5-minutes (LULD) moves are rare but do happen. */
const MID_STEP_FRACTION = 0.0002;
const MID_MOVE_PROBABILITY = 0.2;
const ROUND_LOT_SHARES = 100;
const HALT_MS = 300_000;

export type SimulatorOptions = {
  /** Symbol id i is symbols[i]; start prices in ticks (e.g. from the asset list). */
  readonly symbols: readonly { readonly symbol: string; readonly priceTicks: number }[];
  readonly seed: number;
  readonly eventsPerSecond: number;
  readonly startMs: number;
  readonly prng: Prng;
  readonly venueCount?: number;
  readonly tradeProbability?: number;
  readonly depthProbability?: number;
  readonly haltProbability?: number;
};

export type FeedSimulator = {
  /** Emits the next `count` events into `sink`; each advances the feed clock by 1/eventsPerSecond. */
  emit(sink: FeedSink, count: number): void;
  /** The feed clock after the events emitted so far. */
  nowMs(): number;
};

/** Quotes move in cents from $1 up, in ticks below (Reg NMS sub-penny rule). */
const incrementTicks = (priceTicks: number): number => (priceTicks >= TICKS_PER_DOLLAR ? 100 : 1);

/**
 * Several venues quoting each symbol around a random-walk mid: spreads of 1-5 increments, round-lot sizes,
 * deeper levels behind the top, trades at or inside the venue's quote, and rare feed-declared halts.
 * Deterministic: all randomness comes from the PRNG passed in.
 */
export const createFeedSimulator = (options: SimulatorOptions): FeedSimulator => {
  const symbolCount = options.symbols.length;
  const venues = options.venueCount ?? VENUE_COUNT;
  invariant(symbolCount > 0 && symbolCount <= SIMULATED_SYMBOLS_MAX, `1..${SIMULATED_SYMBOLS_MAX} symbols`);
  invariant(venues > 0 && venues <= VENUE_COUNT, `1..${VENUE_COUNT} venues`);
  invariant(options.eventsPerSecond > 0 && options.eventsPerSecond <= EVENTS_PER_SECOND_MAX, 'eventsPerSecond out of range');
  const { prng } = options;
  const tradeProbability = options.tradeProbability ?? 0.08;
  const depthProbability = options.depthProbability ?? 0.1;
  const haltProbability = options.haltProbability ?? 0.000_001;
  const mid = Float64Array.from(options.symbols, (s) => s.priceTicks);
  const haltedUntilMs = new Float64Array(symbolCount);
  const venueBid = new Float64Array(symbolCount * venues);
  const venueAsk = new Float64Array(symbolCount * venues);
  let emitted = 0;
  const clock = (): number => options.startMs + Math.floor((emitted * 1000) / options.eventsPerSecond);

  const quoteTop = (sink: FeedSink, s: number, v: number, tsMs: number): void => {
    if (prng.next() < MID_MOVE_PROBABILITY) {
      const moved = mid[s]! * (1 + MID_STEP_FRACTION * (2 * prng.next() - 1));
      mid[s] = Math.min(Math.max(moved, 1), PRICE_TICKS_MAX / 2);
    }
    const inc = incrementTicks(mid[s]!);
    const base = Math.floor(mid[s]! / inc) * inc;
    // Venues differ in how close they quote (venue v stays v/2 increments back on average), so a re-quote often
    // lands behind the inside and leaves the NBBO alone, as most real quote updates do.
    const requote = (venue: number): void => {
      const back = (venue >> 1) + prng.int(0, 1);
      const bid = Math.max(inc, base - back * inc);
      const ask = Math.max(bid + inc, base + (1 + back) * inc);
      const slot = s * venues + venue;
      venueBid[slot] = bid;
      venueAsk[slot] = ask;
      sink.onQuote(s, venue, 0, bid, ask, ROUND_LOT_SHARES * prng.int(1, 10), ROUND_LOT_SHARES * prng.int(1, 10), tsMs);
    };
    requote(v);
    // Every fresh quote has bid <= base < base + inc <= ask. A venue whose old quote the moved price
    // leaves outside that re-quotes too, as market makers would: left in place it would lock or cross
    // the NBBO (bid at or above ask) until that venue spoke again.
    for (let w = 0; w < venues; w += 1) {
      const slot = s * venues + w;
      if (w !== v && venueBid[slot]! > 0 && (venueBid[slot]! > base || venueAsk[slot]! < base + inc)) requote(w);
    }
  };

  const quoteDepth = (sink: FeedSink, s: number, v: number, tsMs: number): void => {
    const slot = s * venues + v;
    const inc = incrementTicks(venueBid[slot]!);
    const level = prng.int(1, DEPTH_LEVELS - 1);
    const bid = Math.max(0, venueBid[slot]! - level * inc);
    sink.onQuote(s, v, level, bid, venueAsk[slot]! + level * inc, bid > 0 ? ROUND_LOT_SHARES * prng.int(1, 20) : 0, ROUND_LOT_SHARES * prng.int(1, 20), tsMs);
  };

  const trade = (sink: FeedSink, s: number, v: number, tsMs: number): void => {
    const slot = s * venues + v;
    const bid = venueBid[slot]!;
    const inc = incrementTicks(bid);
    const steps = Math.round((venueAsk[slot]! - bid) / inc);
    sink.onTrade(s, v, bid + prng.int(0, steps) * inc, prng.int(1, 500), tsMs);
  };

  const emitOne = (sink: FeedSink): void => {
    const tsMs = clock();
    emitted += 1;
    const s = prng.int(0, symbolCount - 1);
    const v = prng.int(0, venues - 1);
    if (haltedUntilMs[s]! > tsMs) return;
    const roll = prng.next();
    if (roll < haltProbability) {
      haltedUntilMs[s] = tsMs + HALT_MS;
      sink.onHalt(s, tsMs + HALT_MS, tsMs);
      return;
    }
    const quoted = venueBid[s * venues + v]! > 0;
    if (!quoted || roll >= tradeProbability + depthProbability) quoteTop(sink, s, v, tsMs);
    else if (roll < tradeProbability) trade(sink, s, v, tsMs);
    else quoteDepth(sink, s, v, tsMs);
  };

  return {
    emit: (sink, count) => {
      for (let i = 0; i < count; i += 1) emitOne(sink);
    },
    nowMs: clock,
  };
};
