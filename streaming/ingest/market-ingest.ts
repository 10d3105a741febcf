import type { Bus } from '../../infrastructure/bus/port';
import { mergeCandleDelta, type CandleDelta, type CandleInterval, type CandleTicks } from '../market/candle';
import { candleJson } from '../market/candle-json';
import type { SnapshotEntry } from '../../infrastructure/market/port';
import { CHANNEL_OF_KIND, marketSubject } from '../../infrastructure/market/subjects';
import type { SymbolTable } from '../market/symbol-table';
import { VENUE_COUNT, VENUES } from '../market/venues';
import type { FeedSink } from '../feed/feed-sink';
import { CandleRoller } from './candle-roller';
import { createAggregatedLevels, DepthBook } from './depth-book';
import { bookJson, bookLevelsJson, haltJson, tradeJson, withChannel } from './edge-json';
import { LULD_HALT_MS, LuldBands } from './luld-bands';
import { NBBO_STRIDE as NBBO_STRIDE_EXPORTED, type NbboBook } from './nbbo-book';
import { PublishBatch } from './publish-batch';
import { asciiBytes, QUOTE_JSON_BYTES_MAX as QUOTE_JSON_BYTES_MAX_EXPORTED, QuoteWriter, TAPE_LAST, TAPE_TS, TAPE_VOLUME } from './quote-writer';

/** `md.book.<SYM>` goes out at most this often per symbol (by feed time); changes in between coalesce. */
export const BOOK_MIN_INTERVAL_MS = 250;
/** Halts waiting for the next snapshot write; beyond this they are dropped and counted (they are also on the bus). */
export const HALTS_PENDING_MAX = 10_000;
const DAY_MS = 86_400_000;
// The first three as QuoteWriter reads them: a quote's bytes are written from this array in place.
const TAPE_LAST_TICKS = TAPE_LAST;
const TAPE_DAY_VOLUME = TAPE_VOLUME;
const TAPE_UPDATED_MS = TAPE_TS;
const TAPE_DAY_START_MS = 3;
const TAPE_STRIDE = 4;
const MARK_BOOK_TOUCHED = 1;
const MARK_QUOTE_DIRTY = 2;
const MARK_BOOK_DIRTY = 4;
const MARK_SNAPSHOT_QUEUED = 8;

export type IngestOptions = {
  readonly bookMinIntervalMs?: number;
  /** Prepended to every subject (tests on a shared NATS); empty in production. */
  readonly subjectPrefix?: string;
};

export type IngestStats = {
  quotes: number; nbboChanges: number; trades: number; halts: number; booksPublished: number;
  haltsDropped: number; candleDeltasDropped: number;
};

// Read on every quote: a local copy, not the CommonJS export getter tsx compiles an import to (V8 does not inline it).
const QUOTE_JSON_BYTES_MAX = QUOTE_JSON_BYTES_MAX_EXPORTED;
const NBBO_STRIDE = NBBO_STRIDE_EXPORTED;
const QUOTE_CLOSING = asciiBytes(`,"channel":"${CHANNEL_OF_KIND.quote}"}`);
const SNAPSHOT_CLOSING = asciiBytes('}');

/**
 * The market data ingest: a FeedSink that keeps NBBO, depth, candles, LULD bands, last trade and day volume per
 * symbol, publishes `md.quote` (only on NBBO change), `md.trade`, `md.halt` and rate-limited `md.book`, and
 * hands out coalesced snapshots and candle deltas for the service to persist. Time is the feed's: no clock here.
 */
export class MarketIngest implements FeedSink {
  readonly nbbo: NbboBook;
  readonly #nbboBest: Float64Array;
  readonly depth: DepthBook;
  readonly candles: CandleRoller;
  readonly luld: LuldBands;
  readonly haltedUntilMs: Float64Array;
  /** Per symbol, TAPE_STRIDE numbers side by side (last trade, day volume, last update, day start): a quote reads one cache line for them. */
  readonly #tape: Float64Array;
  readonly #subjects: { quote: string[]; trade: string[]; book: string[]; halt: string[] };
  readonly #subjectPrefix: string;
  /** The current candle of each interval per symbol that has traded: bounded by the symbol table. */
  readonly #liveCandles = new Map<string, Partial<Record<CandleInterval, CandleTicks>>>();
  readonly #bookMinIntervalMs: number;
  /**
   * Per symbol, the MARK_* bits: whether its depth changed since its last book (it waits in the book queue for its
   * rate limit), whether its quote or book changed since the last snapshot drain, and whether it waits in the
   * snapshot queue. One byte, so a quote touches one cache line for all of them.
   */
  readonly #marks: Uint8Array;
  readonly #bookQueue: Int32Array;
  #bookQueueLength = 0;
  readonly #bookPublishedMs: Float64Array;
  readonly #bookLevels: (string | undefined)[];
  readonly #bookSnapshot: (string | undefined)[];
  readonly #levels = createAggregatedLevels();
  readonly #snapshotQueue: Int32Array;
  #snapshotQueueLength = 0;
  #pendingHalts: SnapshotEntry[] = [];
  readonly #batch: PublishBatch;
  readonly #quoteWriter: QuoteWriter;
  readonly #snapshotBytes = Buffer.alloc(QUOTE_JSON_BYTES_MAX);
  #feedNowMs = 0;
  readonly stats: IngestStats = { quotes: 0, nbboChanges: 0, trades: 0, halts: 0, booksPublished: 0, haltsDropped: 0, candleDeltasDropped: 0 };

  constructor(readonly symbols: SymbolTable, bus: Bus, options: IngestOptions = {}) {
    const n = symbols.size;
    this.depth = new DepthBook(n, VENUE_COUNT);
    this.nbbo = this.depth.top;
    this.#nbboBest = this.nbbo.best;
    this.candles = new CandleRoller(symbols);
    this.luld = new LuldBands(n);
    this.haltedUntilMs = new Float64Array(n);
    this.#tape = new Float64Array(n * TAPE_STRIDE);
    const prefix = options.subjectPrefix ?? '';
    this.#subjectPrefix = prefix;
    const names = Array.from({ length: n }, (_, id) => symbols.name(id));
    this.#subjects = {
      quote: names.map((s) => prefix + marketSubject('quote', s)), trade: names.map((s) => prefix + marketSubject('trade', s)),
      book: names.map((s) => prefix + marketSubject('book', s)), halt: names.map((s) => prefix + marketSubject('halt', s)),
    };
    this.#bookMinIntervalMs = options.bookMinIntervalMs ?? BOOK_MIN_INTERVAL_MS;
    this.#marks = new Uint8Array(n);
    this.#bookQueue = new Int32Array(n);
    this.#bookPublishedMs = new Float64Array(n).fill(-Infinity);
    this.#bookLevels = new Array<string | undefined>(n).fill(undefined);
    this.#bookSnapshot = new Array<string | undefined>(n).fill(undefined);
    this.#snapshotQueue = new Int32Array(n);
    this.#batch = new PublishBatch(bus);
    this.#quoteWriter = new QuoteWriter(symbols);
  }

  /** The symbol's last trade price in ticks (0: none yet). */
  lastTicksOf(symbolId: number): number {
    return this.#tape[symbolId * TAPE_STRIDE + TAPE_LAST_TICKS]!;
  }

  /** The shares the symbol traded on the day of its last trade. */
  dayVolumeOf(symbolId: number): number {
    return this.#tape[symbolId * TAPE_STRIDE + TAPE_DAY_VOLUME]!;
  }

  /** The latest feed timestamp seen: the ingest's notion of now. */
  get feedNowMs(): number {
    return this.#feedNowMs;
  }

  onQuote(symbolId: number, venueId: number, level: number, bidTicks: number, askTicks: number, bidSize: number, askSize: number, tsMs: number): void {
    if (tsMs > this.#feedNowMs) this.#feedNowMs = tsMs;
    this.stats.quotes += 1;
    const marks = this.#marks;
    if ((marks[symbolId]! & MARK_BOOK_TOUCHED) === 0) {
      marks[symbolId] = marks[symbolId]! | MARK_BOOK_TOUCHED;
      this.#bookQueue[this.#bookQueueLength] = symbolId;
      this.#bookQueueLength += 1;
    }
    // A top-of-book quote lives in the NBBO book only (the depth book reads its level 0 from there).
    if (level !== 0) {
      this.depth.update(symbolId, venueId, level, bidTicks, askTicks, bidSize, askSize);
      return;
    }
    if (!this.nbbo.update(symbolId, venueId, bidTicks, askTicks, bidSize, askSize)) return;
    this.stats.nbboChanges += 1;
    const tape = this.#tape;
    const at = symbolId * TAPE_STRIDE;
    tape[at + TAPE_UPDATED_MS] = tsMs;
    this.#markQuoteDirty(symbolId);
    // The hot path: the quote's bytes go straight into the batch buffer.
    const batch = this.#batch;
    const start = batch.begin(QUOTE_JSON_BYTES_MAX);
    const end = this.#quoteWriter.write(batch.data, start, symbolId, this.#nbboBest, symbolId * NBBO_STRIDE, tape, at, QUOTE_CLOSING);
    batch.commit(this.#subjects.quote[symbolId]!, end);
  }

  onTrade(symbolId: number, venueId: number, priceTicks: number, size: number, tsMs: number): void {
    if (tsMs > this.#feedNowMs) this.#feedNowMs = tsMs;
    this.stats.trades += 1;
    const dayStartMs = Math.floor(tsMs / DAY_MS) * DAY_MS;
    const tape = this.#tape;
    const at = symbolId * TAPE_STRIDE;
    if (dayStartMs !== tape[at + TAPE_DAY_START_MS]) {
      tape[at + TAPE_DAY_START_MS] = dayStartMs;
      tape[at + TAPE_DAY_VOLUME] = 0;
    }
    tape[at + TAPE_DAY_VOLUME]! += size;
    tape[at + TAPE_LAST_TICKS] = priceTicks;
    tape[at + TAPE_UPDATED_MS] = tsMs;
    this.#markQuoteDirty(symbolId);
    this.candles.onTrade(symbolId, priceTicks, size, tsMs);
    const symbol = this.symbols.name(symbolId);
    this.#batch.add(this.#subjects.trade[symbolId]!, withChannel(tradeJson(symbol, VENUES[venueId] ?? 'UNKNOWN', priceTicks, size, tsMs), CHANNEL_OF_KIND.trade));
    if (this.haltedUntilMs[symbolId]! > tsMs) return;
    if (this.luld.onTrade(symbolId, priceTicks, tsMs)) this.#halt(symbolId, tsMs + LULD_HALT_MS, 'LULD', tsMs);
  }

  onHalt(symbolId: number, haltedUntilMs: number, tsMs: number): void {
    if (tsMs > this.#feedNowMs) this.#feedNowMs = tsMs;
    this.luld.reset(symbolId);
    this.#halt(symbolId, haltedUntilMs, 'FEED', tsMs);
  }

  /**
   * Hands the messages made so far to the bus now. They go on their own at the end of the current turn; callers
   * that read the bus inside the same turn (tests, a benchmark pass) call this first.
   */
  publishPending(): void {
    this.#batch.publish();
  }

  /** Publishes the books of symbols whose depth changed and whose rate limit has passed at the feed's now. */
  publishDueBooks(): number {
    const nowMs = this.#feedNowMs;
    let published = 0;
    let kept = 0;
    for (let i = 0; i < this.#bookQueueLength; i += 1) {
      const s = this.#bookQueue[i]!;
      if (nowMs - this.#bookPublishedMs[s]! < this.#bookMinIntervalMs) {
        this.#bookQueue[kept] = s;
        kept += 1;
        continue;
      }
      this.#marks[s] = this.#marks[s]! & ~MARK_BOOK_TOUCHED;
      this.depth.aggregate(s, this.#levels);
      const levels = bookLevelsJson(this.#levels);
      if (levels === this.#bookLevels[s]) continue;
      this.#bookLevels[s] = levels;
      this.#bookPublishedMs[s] = nowMs;
      const json = bookJson(this.symbols.name(s), levels, nowMs);
      this.#bookSnapshot[s] = json;
      this.#marks[s] = this.#marks[s]! | MARK_BOOK_DIRTY;
      this.#enqueueSnapshot(s);
      this.#batch.add(this.#subjects.book[s]!, withChannel(json, CHANNEL_OF_KIND.book));
      published += 1;
    }
    this.#bookQueueLength = kept;
    this.stats.booksPublished += published;
    this.#batch.publish();
    return published;
  }

  /** Latest quote and book of every symbol that changed since the previous drain, plus new halts. */
  drainSnapshots(): SnapshotEntry[] {
    const out = this.#pendingHalts;
    this.#pendingHalts = [];
    for (let i = 0; i < this.#snapshotQueueLength; i += 1) {
      const s = this.#snapshotQueue[i]!;
      const symbol = this.symbols.name(s);
      const marks = this.#marks[s]!;
      if ((marks & MARK_QUOTE_DIRTY) !== 0) out.push({ kind: 'quote', symbol, json: this.#quoteJson(s) });
      const book = this.#bookSnapshot[s];
      if ((marks & MARK_BOOK_DIRTY) !== 0 && book !== undefined) out.push({ kind: 'book', symbol, json: book });
      this.#marks[s] = marks & MARK_BOOK_TOUCHED;
    }
    this.#snapshotQueueLength = 0;
    return out;
  }

  /**
   * The candle deltas since the last drain, for the store; and, on `md.candle.<SYM>`, each touched symbol's
   * live candles of every interval in one message (one message per symbol, so per-symbol conflation keeps them all).
   */
  drainCandles(): CandleDelta[] {
    const deltas = this.candles.drain();
    this.stats.candleDeltasDropped = this.candles.droppedDeltas;
    const touched = new Set<string>();
    for (const delta of deltas) {
      const live = this.#liveCandles.get(delta.symbol) ?? {};
      const current = live[delta.interval];
      if (current !== undefined && current.bucketStartMs > delta.bucketStartMs) continue; // a closed bucket's late delta
      live[delta.interval] = mergeCandleDelta(current?.bucketStartMs === delta.bucketStartMs ? current : undefined, delta);
      this.#liveCandles.set(delta.symbol, live);
      touched.add(delta.symbol);
    }
    for (const symbol of touched) {
      const live = this.#liveCandles.get(symbol)!;
      const candles = Object.fromEntries(Object.entries(live).map(([interval, candle]) => [interval, candleJson(candle)]));
      this.#batch.add(this.#subjectPrefix + marketSubject('candle', symbol), JSON.stringify({ symbol, candles, channel: CHANNEL_OF_KIND.candle }));
    }
    this.#batch.publish();
    return deltas;
  }

  /** The stored quote: QuoteWriter's bytes (the same as edge-json's quoteJson, without the date and string building per symbol). */
  #quoteJson(s: number): string {
    const end = this.#quoteWriter.write(this.#snapshotBytes, 0, s, this.#nbboBest, s * NBBO_STRIDE, this.#tape, s * TAPE_STRIDE, SNAPSHOT_CLOSING);
    return this.#snapshotBytes.toString('latin1', 0, end);
  }

  #markQuoteDirty(s: number): void {
    this.#marks[s] = this.#marks[s]! | MARK_QUOTE_DIRTY;
    this.#enqueueSnapshot(s);
  }

  #enqueueSnapshot(s: number): void {
    if ((this.#marks[s]! & MARK_SNAPSHOT_QUEUED) !== 0) return;
    this.#marks[s] = this.#marks[s]! | MARK_SNAPSHOT_QUEUED;
    this.#snapshotQueue[this.#snapshotQueueLength] = s;
    this.#snapshotQueueLength += 1;
  }

  #halt(s: number, haltedUntilMs: number, reason: 'LULD' | 'FEED', tsMs: number): void {
    if (haltedUntilMs <= tsMs) return;
    this.haltedUntilMs[s] = Math.max(this.haltedUntilMs[s]!, haltedUntilMs);
    this.stats.halts += 1;
    const symbol = this.symbols.name(s);
    if (this.#pendingHalts.length < HALTS_PENDING_MAX) {
      this.#pendingHalts.push({ kind: 'halt', symbol, haltedUntilMs: this.haltedUntilMs[s]!, ttlMs: this.haltedUntilMs[s]! - tsMs });
    } else this.stats.haltsDropped += 1;
    this.#batch.add(this.#subjects.halt[s]!, withChannel(haltJson(symbol, this.haltedUntilMs[s]!, reason, tsMs), CHANNEL_OF_KIND.halt));
  }
}
