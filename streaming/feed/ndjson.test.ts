import path from 'node:path';
import { SymbolTable } from '../market/symbol-table';
import type { Quote } from '../../infrastructure/market/quote';
import { createRecordingBus } from '../../test/support/recording-bus';
import { MarketIngest } from '../ingest/market-ingest';
import type { FeedSink } from './feed-sink';
import { createNdjsonRecorder, readLines, replayNdjson } from './ndjson';
import { createPrng } from './prng';
import { createFeedSimulator } from './simulator';

const FIXTURE = path.join(__dirname, 'fixtures', 'small-session.ndjson');

describe('recorded feed replay', () => {
  it('replays a small recorded file through ingest, skipping and counting bad lines', async () => {
    const bus = createRecordingBus();
    const ingest = new MarketIngest(new SymbolTable(['AAPL', 'MSFT']), bus);
    const rejected: [number, string][] = [];
    const result = await replayNdjson(readLines(FIXTURE), ingest.symbols, ingest, { onRejected: (line, reason) => rejected.push([line, reason]) });
    expect(result).toEqual({ delivered: 9, rejected: 3 });
    expect(rejected).toEqual([[9, 'symbol'], [10, 'ask'], [11, 'not a JSON object']]);
    const aapl = bus.json('md.quote.AAPL') as Quote[];
    expect(aapl.map((q) => [q.bid, q.ask, q.bid_size, q.ask_size])).toEqual([
      ['187.41', '187.45', 300, 200],
      ['187.42', '187.44', 100, 400],
      ['187.42', '187.44', 300, 500], // ARCX joins the best on both sides; its level-1 quote changed no NBBO
    ]);
    expect(ingest.drainCandles().filter((c) => c.symbol === 'AAPL' && c.interval === '1m')).toEqual([
      { symbol: 'AAPL', interval: '1m', bucketStartMs: 1764082800000, openTicks: 1_874_300, highTicks: 1_874_400, lowTicks: 1_874_300, closeTicks: 1_874_400, volume: 125, tradeCount: 2 },
    ]);
    expect(ingest.haltedUntilMs[1]).toBe(1764083161000);
  });

  it('replays a recorded simulator session into the same calls the live session made', async () => {
    const symbols = new SymbolTable(['AAPL', 'MSFT']);
    const universe = [{ symbol: 'AAPL', priceTicks: 1_874_200 }, { symbol: 'MSFT', priceTicks: 4_151_000 }];
    const calls = (into: unknown[]): FeedSink => ({
      onQuote: (...args) => void into.push(['q', ...args]), onTrade: (...args) => void into.push(['t', ...args]), onHalt: (...args) => void into.push(['h', ...args]),
    });
    const live: unknown[] = [];
    const lines: string[] = [];
    const recorder = createNdjsonRecorder(symbols, (line) => lines.push(line));
    const tee: FeedSink = {
      onQuote: (...a) => { calls(live).onQuote(...a); recorder.onQuote(...a); },
      onTrade: (...a) => { calls(live).onTrade(...a); recorder.onTrade(...a); },
      onHalt: (...a) => { calls(live).onHalt(...a); recorder.onHalt(...a); },
    };
    createFeedSimulator({ symbols: universe, seed: 42, eventsPerSecond: 500, startMs: Date.UTC(2026, 10, 25, 15), prng: createPrng(42), haltProbability: 0.001 }).emit(tee, 3_000);
    const replayed: unknown[] = [];
    expect(await replayNdjson(lines, symbols, calls(replayed))).toEqual({ delivered: lines.length, rejected: 0 });
    expect(replayed).toEqual(live);
  });
});
