/**
 * The ingest step's instructions per quote, load-independent: run under callgrind, which dumps at every
 * process.cpuUsage() call (uv_getrusage), so each phase lands in its own dump:
 *   valgrind --tool=callgrind --separate-threads=yes --dump-before=uv_getrusage node --import tsx bench/ingest-instructions.ts [quotes] [warm-up passes]
 * After the warm-up passes, two rounds of: [onQuote over every quote + publishPending] [publishDueBooks] [drainSnapshots].
 * The main thread's dumps (`*-01`) of the quotes phase, divided by the quote count, are the figure in the README.
 */
import { SymbolTable } from '../streaming/market/symbol-table';
import type { Bus } from '../infrastructure/bus/port';
import { createPrng } from '../streaming/feed/prng';
import { createFeedSimulator } from '../streaming/feed/simulator';
import { MarketIngest } from '../streaming/ingest/market-ingest';
const SYMBOL_COUNT = 10_000;
const QUOTES = Number(process.argv[2] ?? 200_000);
const WARM = Number(process.argv[3] ?? 4);
const SEED = 20_261_125;
const prng = createPrng(SEED);
const universe = Array.from({ length: SYMBOL_COUNT }, (_, i) => ({ symbol: `S${String(i).padStart(5, '0')}`, priceTicks: prng.int(50_000, 5_000_000) }));
const symbols = new SymbolTable(universe.map((u) => u.symbol));
const sym = new Uint16Array(QUOTES); const venue = new Uint8Array(QUOTES); const bid = new Float64Array(QUOTES); const ask = new Float64Array(QUOTES);
const bidSize = new Uint32Array(QUOTES); const askSize = new Uint32Array(QUOTES); const ts = new Float64Array(QUOTES);
let n = 0;
const simulator = createFeedSimulator({ symbols: universe, seed: SEED, eventsPerSecond: 500_000, startMs: Date.UTC(2026, 10, 25, 14, 30), prng, tradeProbability: 0, depthProbability: 0, haltProbability: 0 });
const collect = { onQuote: (s: number, v: number, _l: number, b: number, a: number, bs: number, as: number, t: number) => { if (n < QUOTES) { sym[n] = s; venue[n] = v; bid[n] = b; ask[n] = a; bidSize[n] = bs; askSize[n] = as; ts[n] = t; } n += 1; }, onTrade: () => undefined, onHalt: () => undefined };
while (n < QUOTES) simulator.emit(collect, QUOTES - n);
let published = 0;
const bus: Bus = { publish: () => void (published += 1), publishBatch: (batch) => void (published += batch.count), subscribe: () => ({ unsubscribe: () => undefined }), flush: async () => undefined, close: async () => undefined };
const ingest = new MarketIngest(symbols, bus);
const quotes = () => { for (let i = 0; i < QUOTES; i += 1) ingest.onQuote(sym[i]!, venue[i]!, 0, bid[i]!, ask[i]!, bidSize[i]!, askSize[i]!, ts[i]!); ingest.publishPending(); };
for (let w = 0; w < WARM; w += 1) { quotes(); ingest.publishDueBooks(); ingest.drainSnapshots(); }
// Each call is a callgrind dump boundary.
const mark = process.cpuUsage;
for (let r = 0; r < 2; r += 1) {
  mark(); quotes(); mark(); ingest.publishDueBooks(); mark(); ingest.drainSnapshots(); mark();
}
process.stdout.write(`published ${published} changes ${ingest.stats.nbboChanges}\n`);
