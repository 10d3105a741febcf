/**
 * The FIX session layer alone, over real TCP with its sequence store in PostgreSQL: NewOrderSingle from a
 * broker initiator to an in-process simulated venue (latency 0, always fills), ExecutionReports back.
 * Reference in the same run: the jspurefix codec alone (encode + frame check + decode) in a tight loop.
 *   npx tsx bench/fix-session.ts
 * Env: BENCH_ORDERS (20000), BENCH_IN_FLIGHT (200).
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import pino from 'pino';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';
import { toFixBody, fromFix } from '../fix-gateway/session/app-messages';
import { FixCodec } from '../fix-gateway/session/codec';
import { FixSessionEngine } from '../fix-gateway/session/fix-session';
import { FixFramer } from '../fix-gateway/session/framing';
import { startFixInitiator } from '../fix-gateway/session/initiator';
import type { NewOrderSingle } from '../fix-gateway/session/messages';
import { sqlFixSessionStore } from '../fix-gateway/session/session-store';
import { createTestDatabase } from '../test/support/pg-database';
import { VENUE_PROFILES } from '../venue-sim/profiles';
import { startVenue } from '../venue-sim/venue';
import { VenueQuotes } from '../venue-sim/venue-quotes';

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number.parseInt(raw, 10);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
};
const ORDERS = envInt('BENCH_ORDERS', 20_000);
const IN_FLIGHT = envInt('BENCH_IN_FLIGHT', 200);
const CODEC_ROUND_TRIPS = 50_000;
const logger = pino({ name: 'bench-fix-session' });
const silent = pino({ level: 'silent' });
const order = (n: number): NewOrderSingle => ({ msgType: 'NewOrderSingle', clOrdId: `b-${n}`, symbol: 'AAPL', side: 'buy', ordType: 'market', orderQty: '1', timeInForce: 'day', transactTimeMs: Date.now() });
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

const codecReference = async (): Promise<number> => {
  const codec = await FixCodec.create();
  const framer = new FixFramer();
  const started = performance.now();
  for (let n = 0; n < CODEC_ROUND_TRIPS; n += 1) {
    const { msgType, name, body } = toFixBody(order(n));
    const frame = codec.encode({ msgType, senderCompId: 'BROKER', targetCompId: 'XNAS', msgSeqNum: n + 1, sendingTimeMs: Date.now() }, name, body);
    for (const event of framer.push(frame)) if (event.kind === 'frame') fromFix(codec.decode(event.frame));
  }
  return CODEC_ROUND_TRIPS / ((performance.now() - started) / 1000);
};

const main = async (): Promise<void> => {
  const testDb = await createTestDatabase('bench_fix');
  const database = sqlDatabaseFromPool(new Pool({ connectionString: testDb.url, max: 6 }), true);
  try {
    logger.info({ roundTrips: CODEC_ROUND_TRIPS }, 'reference: codec alone');
    const codecPerS = await codecReference();
    const quotes = new VenueQuotes();
    quotes.set('AAPL', { bidTicks: 1_900_000, askTicks: 1_900_100, bidSize: 1_000_000_000, askSize: 1_000_000_000 });
    const venue = await startVenue({ profile: { ...VENUE_PROFILES.XNAS, latencyMs: 0, fillRate: 1, rejectRate: 0, partialFillRate: 0 }, database, quotes, logger: silent });
    const broker = new FixSessionEngine({ name: 'bench-broker', senderCompId: 'BROKER', targetCompId: 'XNAS', heartbeatIntervalS: 30, role: 'initiator' }, sqlFixSessionStore(database), await FixCodec.create(), silent);
    await broker.load();
    const sentAtMs = new Map<string, number>();
    const latenciesMs: number[] = [];
    let filled = 0;
    let release: () => void = () => undefined;
    broker.onMessage(async (message) => {
      if (message.msgType !== 'ExecutionReport' || message.execType !== 'fill') return;
      latenciesMs.push(performance.now() - sentAtMs.get(message.clOrdId)!);
      filled += 1;
      release();
    });
    const initiator = startFixInitiator(broker, () => ({ host: '127.0.0.1', port: venue.port }), silent);
    await broker.loggedOn();
    logger.info({ orders: ORDERS, inFlight: IN_FLIGHT }, 'orders through the sessions');
    const started = performance.now();
    let lastProgress = started;
    for (let n = 0; n < ORDERS; n += 1) {
      while (n - filled >= IN_FLIGHT) await new Promise<void>((resolve) => { release = resolve; });
      sentAtMs.set(`b-${n}`, performance.now());
      void broker.send(order(n));
      if (performance.now() - lastProgress > 2_000) { lastProgress = performance.now(); logger.info({ sent: n, filled }, 'progress'); }
    }
    while (filled < ORDERS) await new Promise<void>((resolve) => { release = resolve; });
    const elapsedS = (performance.now() - started) / 1000;
    latenciesMs.sort((a, b) => a - b);
    await initiator.stop();
    await venue.stop();
    const [load1] = (await import('node:os')).loadavg();
    console.table([
      { measure: 'orders through FIX sessions (NOS → venue → fill back), stored in PostgreSQL', value: `${Math.round(ORDERS / elapsedS)} orders/s`, p50_ms: percentile(latenciesMs, 0.5).toFixed(2), p99_ms: percentile(latenciesMs, 0.99).toFixed(2) },
      { measure: 'reference: codec alone (encode, frame check, decode)', value: `${Math.round(codecPerS)} round trips/s`, p50_ms: '', p99_ms: '' },
      { measure: 'machine load (1 min)', value: load1!.toFixed(1), p50_ms: '', p99_ms: '' },
    ]);
  } finally {
    await database.close();
    await testDb.drop();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
