import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decimalToTicks, ticksToDecimal } from '../market/ticks';
import { VENUES, venueId } from '../market/venues';
import type { SymbolTable } from '../market/symbol-table';
import { DEPTH_LEVELS, type FeedSink } from './feed-sink';

/**
 * Recorded feed format: NDJSON, one event per line, in feed order (ts_ms never decreases). Blank lines are skipped.
 *   {"ts_ms":1764081000000,"type":"quote","symbol":"AAPL","venue":"XNAS","level":0,"bid":"187.42","ask":"187.44","bid_size":300,"ask_size":200}
 *   {"ts_ms":1764081000001,"type":"trade","symbol":"AAPL","venue":"XNAS","price":"187.43","size":100}
 *   {"ts_ms":1764081000002,"type":"halt","symbol":"AAPL","halted_until_ms":1764081300002}
 * ts_ms: feed time in epoch ms. venue: a MIC from VENUES. level: 0 (top of book, the default) to 4.
 * Prices: decimal strings with at most 4 dp; "0" (with size 0) means that side is empty. Sizes: whole shares.
 */
export type ReplayResult = { readonly delivered: number; readonly rejected: number };
export type ReplayOptions = {
  /** Called before each event with its feed time; lets a caller pace replay in real time. Omit to replay flat out. */
  readonly pace?: (tsMs: number) => Promise<void> | void;
  readonly onRejected?: (lineNumber: number, reason: string) => void;
};

/** A recording longer than this is split; it bounds one replay call. */
export const REPLAY_LINES_MAX = 50_000_000;

type Fields = Record<string, unknown>;
const isShares = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const ticksOf = (value: unknown): number | undefined => (typeof value === 'string' ? decimalToTicks(value) : undefined);

/** Delivers one parsed line, or returns why it is refused. */
const deliver = (fields: Fields, symbols: SymbolTable, sink: FeedSink): string | undefined => {
  const tsMs = fields.ts_ms;
  if (typeof tsMs !== 'number' || !Number.isSafeInteger(tsMs)) return 'ts_ms';
  const symbolId = typeof fields.symbol === 'string' ? symbols.id(fields.symbol) : undefined;
  if (symbolId === undefined) return 'symbol';
  if (fields.type === 'halt') {
    const until = fields.halted_until_ms;
    if (typeof until !== 'number' || !Number.isSafeInteger(until)) return 'halted_until_ms';
    sink.onHalt(symbolId, until, tsMs);
    return undefined;
  }
  const venue = typeof fields.venue === 'string' ? venueId(fields.venue) : undefined;
  if (venue === undefined) return 'venue';
  if (fields.type === 'trade') {
    const price = ticksOf(fields.price);
    if (price === undefined || price === 0) return 'price';
    if (!isShares(fields.size) || fields.size === 0) return 'size';
    sink.onTrade(symbolId, venue, price, fields.size, tsMs);
    return undefined;
  }
  if (fields.type !== 'quote') return 'type';
  const level = fields.level ?? 0;
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level >= DEPTH_LEVELS) return 'level';
  const bid = ticksOf(fields.bid);
  const ask = ticksOf(fields.ask);
  if (bid === undefined) return 'bid';
  if (ask === undefined) return 'ask';
  if (!isShares(fields.bid_size)) return 'bid_size';
  if (!isShares(fields.ask_size)) return 'ask_size';
  sink.onQuote(symbolId, venue, level, bid, ask, fields.bid_size, fields.ask_size, tsMs);
  return undefined;
};

const parse = (line: string): Fields | undefined => {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
  } catch {
    return undefined;
  }
};

/** Replays recorded lines through the same sink the simulator feeds. A bad line is counted and skipped, never fatal. */
export const replayNdjson = async (lines: AsyncIterable<string> | Iterable<string>, symbols: SymbolTable, sink: FeedSink, options: ReplayOptions = {}): Promise<ReplayResult> => {
  let delivered = 0;
  let rejected = 0;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (lineNumber > REPLAY_LINES_MAX) break;
    if (line.trim() === '') continue;
    const fields = parse(line);
    if (fields && options.pace && typeof fields.ts_ms === 'number') await options.pace(fields.ts_ms);
    const refusal = fields ? deliver(fields, symbols, sink) : 'not a JSON object';
    if (refusal === undefined) delivered += 1;
    else {
      rejected += 1;
      options.onRejected?.(lineNumber, refusal);
    }
  }
  return { delivered, rejected };
};

export const readLines = (path: string): AsyncIterable<string> => createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });

/** A FeedSink that writes the recording format, so a simulated session can be saved and replayed. */
export const createNdjsonRecorder = (symbols: SymbolTable, writeLine: (line: string) => void): FeedSink => ({
  onQuote: (s, v, level, bid, ask, bidSize, askSize, tsMs) =>
    writeLine(JSON.stringify({ ts_ms: tsMs, type: 'quote', symbol: symbols.name(s), venue: VENUES[v], level, bid: ticksToDecimal(bid), ask: ticksToDecimal(ask), bid_size: bidSize, ask_size: askSize })),
  onTrade: (s, v, price, size, tsMs) =>
    writeLine(JSON.stringify({ ts_ms: tsMs, type: 'trade', symbol: symbols.name(s), venue: VENUES[v], price: ticksToDecimal(price), size })),
  onHalt: (s, until, tsMs) => writeLine(JSON.stringify({ ts_ms: tsMs, type: 'halt', symbol: symbols.name(s), halted_until_ms: until })),
});
