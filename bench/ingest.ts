/**
 * Market data ingest hot path: `npx tsx bench/ingest.ts [quotes] [passes]`.
 * Pre-generates level-0 quotes for 10,000 symbols x 4 venues with the simulator (integer ticks in typed arrays),
 * then times on one core: (0) a fixed reference loop, the machine's speed in this run; (1) NBBO update alone;
 * (3) the full MarketIngest.onQuote (depth, book scheduling, snapshot marking, quote bytes, batched publish to a
 * no-op bus), with the garbage collections it caused; (2) NBBO + the quote of every changed NBBO, as the former
 * hand-built string encoded to bytes, then as the bytes QuoteWriter writes in place. The full step runs before (2)
 * because the former serializer's garbage slowed whatever ran after it.
 * `INGEST_STAGES=ingest` (a comma list of reference, nbbo, ingest, json, bytes; all by default) runs only those
 * stages: under `valgrind --tool=callgrind` the difference between two pass counts is the step's instructions per quote.
 */
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { SymbolTable } from '../streaming/market/symbol-table';
import { VENUE_COUNT } from '../streaming/market/venues';
import type { Bus } from '../infrastructure/bus/port';
import { createPrng } from '../streaming/feed/prng';
import { createFeedSimulator } from '../streaming/feed/simulator';
import { quoteJson } from '../streaming/ingest/edge-json';
import { MarketIngest } from '../streaming/ingest/market-ingest';
import { NBBO_STRIDE, NbboBook } from '../streaming/ingest/nbbo-book';
import { asciiBytes, QUOTE_JSON_BYTES_MAX, QuoteWriter, TAPE_TS } from '../streaming/ingest/quote-writer';

const SYMBOL_COUNT = 10_000;
const QUOTES = Number(process.argv[2] ?? 2_000_000);
const PASSES = Number(process.argv[3] ?? 5);
const SEED = 20_261_125;
const START_MS = Date.UTC(2026, 10, 25, 14, 30);

const STAGES = new Set((process.env.INGEST_STAGES ?? 'reference,nbbo,ingest,json,bytes').split(','));

const log = (message: string) => process.stdout.write(`${message}\n`);

const prng = createPrng(SEED);
const universe = Array.from({ length: SYMBOL_COUNT }, (_, i) => ({ symbol: `S${String(i).padStart(5, '0')}`, priceTicks: prng.int(50_000, 5_000_000) }));
const symbols = new SymbolTable(universe.map((u) => u.symbol));

log(`generating ${QUOTES.toLocaleString()} quotes for ${SYMBOL_COUNT} symbols x ${VENUE_COUNT} venues...`);
const sym = new Uint16Array(QUOTES);
const venue = new Uint8Array(QUOTES);
const bid = new Float64Array(QUOTES);
const ask = new Float64Array(QUOTES);
const bidSize = new Uint32Array(QUOTES);
const askSize = new Uint32Array(QUOTES);
const ts = new Float64Array(QUOTES);
let n = 0;
const simulator = createFeedSimulator({ symbols: universe, seed: SEED, eventsPerSecond: 500_000, startMs: START_MS, prng, tradeProbability: 0, depthProbability: 0, haltProbability: 0 });
const collect = {
  onQuote: (s: number, v: number, _level: number, b: number, a: number, bs: number, as: number, tsMs: number) => {
    sym[n] = s; venue[n] = v; bid[n] = b; ask[n] = a; bidSize[n] = bs; askSize[n] = as; ts[n] = tsMs;
    n += 1;
  },
  onTrade: () => undefined,
  onHalt: () => undefined,
};
const GENERATE_CHUNK = 250_000;
while (n < QUOTES) {
  simulator.emit(collect, Math.min(GENERATE_CHUNK, QUOTES - n));
  log(`  generated ${n.toLocaleString()}`);
}

/**
 * Wall time and this process's CPU time per pass. On a machine shared with other work the wall clock also counts
 * the time the process waited for a core; the CPU time is what the step itself cost, so the quotes/s by CPU is
 * the figure for "one core".
 */
const cpuNs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1_000;
};
const time = (label: string, run: (pass: number) => number): void => {
  let changed = 0;
  let elapsedNs = 0;
  let elapsedCpuNs = 0;
  for (let pass = 0; pass < PASSES; pass += 1) {
    const started = process.hrtime.bigint();
    const startedCpu = cpuNs();
    const passChanged = run(pass);
    const passNs = Number(process.hrtime.bigint() - started);
    const passCpuNs = cpuNs() - startedCpu;
    elapsedNs += passNs;
    elapsedCpuNs += passCpuNs;
    changed += passChanged;
    log(`  ${label} pass ${pass + 1}/${PASSES}: ${Math.round(QUOTES / (passNs / 1e9)).toLocaleString()} quotes/s wall, ${Math.round(QUOTES / (passCpuNs / 1e9)).toLocaleString()} by CPU`);
  }
  const total = QUOTES * PASSES;
  log(`${label}: ${total.toLocaleString()} quotes in ${(elapsedNs / 1e6).toFixed(0)} ms wall = ${Math.round(total / (elapsedNs / 1e9)).toLocaleString()} quotes/s (${(elapsedNs / total).toFixed(1)} ns/quote); `
    + `by CPU ${(elapsedCpuNs / 1e6).toFixed(0)} ms = ${Math.round(total / (elapsedCpuNs / 1e9)).toLocaleString()} quotes/s (${(elapsedCpuNs / total).toFixed(1)} ns/quote); NBBO changed on ${((100 * changed) / total).toFixed(1)}% of quotes`);
};

if (STAGES.has('reference')) {
  log('(0) reference: a fixed integer loop (xorshift32), 100M steps');
  const STEPS = 100_000_000;
  const started = process.hrtime.bigint();
  const startedCpu = cpuNs();
  let x = 2_463_534_242;
  for (let i = 0; i < STEPS; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  const ns = Number(process.hrtime.bigint() - started);
  const cpu = cpuNs() - startedCpu;
  log(`reference: ${(ns / STEPS).toFixed(2)} ns/step wall, ${(cpu / STEPS).toFixed(2)} ns/step by CPU (checksum ${x >>> 0}); load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

if (STAGES.has('nbbo')) {
  log('(1) NBBO hot path only');
  const book = new NbboBook(SYMBOL_COUNT, VENUE_COUNT);
  time('nbbo', () => {
    let changed = 0;
    for (let i = 0; i < QUOTES; i += 1) if (book.update(sym[i]!, venue[i]!, bid[i]!, ask[i]!, bidSize[i]!, askSize[i]!)) changed += 1;
    return changed;
  });
}

if (STAGES.has('ingest')) {
  log('(3) full MarketIngest.onQuote (depth, book scheduling, snapshots, quote bytes, batched publish to a no-op bus)');
  let published = 0;
  let gcs = 0;
  let gcMs = 0;
  const gcObserver = new PerformanceObserver((list) => list.getEntries().forEach((entry) => { gcs += 1; gcMs += entry.duration; }));
  const bus: Bus = { publish: () => void (published += 1), publishBatch: (batch) => void (published += batch.count), subscribe: () => ({ unsubscribe: () => undefined }), flush: async () => undefined, close: async () => undefined };
  const ingest = new MarketIngest(symbols, bus);
  gcObserver.observe({ entryTypes: ['gc'] });
  time('ingest', () => {
    const before = ingest.stats.nbboChanges;
    for (let i = 0; i < QUOTES; i += 1) ingest.onQuote(sym[i]!, venue[i]!, 0, bid[i]!, ask[i]!, bidSize[i]!, askSize[i]!, ts[i]!);
    ingest.publishPending();
    // The service would drain these on its timers; draining per pass keeps the work comparable.
    ingest.publishDueBooks();
    ingest.drainSnapshots();
    return ingest.stats.nbboChanges - before;
  });
  // The observer reports once the synchronous passes are over.
  setImmediate(() => {
    gcObserver.disconnect();
    log(`  ${published.toLocaleString()} messages published (quotes + books); ${gcs} garbage collections (${gcMs.toFixed(0)} ms) over all passes`);
  });
}

if (STAGES.has('json')) {
  log('(2a) NBBO + the former quote JSON of each changed NBBO (hand-built string, encoded to bytes)');
  const book = new NbboBook(SYMBOL_COUNT, VENUE_COUNT);
  const encoder = new TextEncoder();
  let bytes = 0;
  time('nbbo+json', () => {
    let changed = 0;
    for (let i = 0; i < QUOTES; i += 1) {
      const s = sym[i]!;
      if (!book.update(s, venue[i]!, bid[i]!, ask[i]!, bidSize[i]!, askSize[i]!)) continue;
      changed += 1;
      bytes += encoder.encode(quoteJson(symbols.name(s), book.bestBid(s), book.bestAsk(s), book.bestBidSize(s), book.bestAskSize(s), 0, 0, ts[i]!)).length;
    }
    return changed;
  });
  log(`  ${bytes.toLocaleString()} bytes of quote JSON`);
}

if (STAGES.has('bytes')) {
  log('(2b) NBBO + the quote bytes QuoteWriter writes in place (decimals cached per symbol, no string)');
  const book = new NbboBook(SYMBOL_COUNT, VENUE_COUNT);
  const writer = new QuoteWriter(symbols);
  const out = new Uint8Array(QUOTE_JSON_BYTES_MAX);
  const closing = asciiBytes(',"channel":"quotes"}');
  // No trades in this feed: last and volume stay 0; the quote's time is the tape's TAPE_TS.
  const tape = new Float64Array(3);
  let bytes = 0;
  time('nbbo+bytes', () => {
    let changed = 0;
    for (let i = 0; i < QUOTES; i += 1) {
      const s = sym[i]!;
      if (!book.update(s, venue[i]!, bid[i]!, ask[i]!, bidSize[i]!, askSize[i]!)) continue;
      changed += 1;
      tape[TAPE_TS] = ts[i]!;
      bytes += writer.write(out, 0, s, book.best, s * NBBO_STRIDE, tape, 0, closing);
    }
    return changed;
  });
  log(`  ${bytes.toLocaleString()} bytes of quote JSON (with the channel member)`);
}
