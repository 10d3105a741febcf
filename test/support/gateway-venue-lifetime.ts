/**
 * A process that starts a simulated venue and a gateway logged on to it, routes one order end to end, stops
 * both, closes every pool and store it opened, and then simply returns: whatever handle a component left
 * alive (a timer, socket or server) keeps the process from exiting. argv: database URL. Prints `filled` and
 * `stopped` as it gets there.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createAccounts } from '../../commands/accounts/account-stream';
import { alwaysOpen } from '../../domain/market-hours/calendar';
import { asCash, asPrice, asQuantity } from '../../domain/money';
import { startGateway } from '../../fix-gateway/gateway';
import { createPostgresEventStore } from '../../infrastructure/event-store/postgres';
import { createLogger } from '../../infrastructure/logging';
import { createInMemoryMarketData } from '../../infrastructure/market/in-memory';
import { sqlDatabaseFromPool } from '../../infrastructure/pg/sql-client';
import { decimalToTicks } from '../../streaming/market/ticks';
import { VENUE_PROFILES } from '../../venue-sim/profiles';
import { startVenue } from '../../venue-sim/venue';
import { VenueQuotes } from '../../venue-sim/venue-quotes';

const main = async () => {
  const databaseUrl = process.argv[2]!;
  const logger = createLogger({ level: 'silent' });
  const store = await createPostgresEventStore({ connectionString: databaseUrl, poolSize: 4, logger });
  const database = sqlDatabaseFromPool(new Pool({ connectionString: databaseUrl, max: 4 }), true);
  const quotes = new VenueQuotes();
  quotes.set('AAPL', { bidTicks: decimalToTicks('189.99')!, askTicks: decimalToTicks('190.01')!, bidSize: 1_000, askSize: 1_000 });
  const venue = await startVenue({ profile: { ...VENUE_PROFILES.XNAS, latencyMs: 1, fillRate: 1, rejectRate: 0, partialFillRate: 0 }, database, quotes, logger, chance: () => 0.5 });
  const market = createInMemoryMarketData();
  await market.writeBatch([{ kind: 'quote', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bid: '189.99', ask: '190.01', bid_size: 1, ask_size: 1, last: null, volume: 0, ts: new Date().toISOString() }) }]);
  const gateway = await startGateway({
    store, database, market, marketHours: alwaysOpen, logger,
    venues: [{ name: 'XNAS', host: '127.0.0.1', port: venue.port, senderCompId: 'BROKER', targetCompId: 'XNAS', orderTypes: ['market', 'limit'] }],
    quotes: { quotesOf: async () => [{ venue: 'XNAS', bid: '189.99', ask: '190.01' }] },
  });
  await gateway.loggedOn();

  const accounts = createAccounts(store);
  const accountId = randomUUID();
  const orderId = randomUUID();
  const atMs = Date.now();
  await accounts.execute(accountId, { type: 'OpenAccount', data: { accountId, email: 'a@b.c', atMs } }, { eventIdSource: 'open', metadata: {} });
  await accounts.execute(accountId, { type: 'RequestDeposit', data: { transferId: 't1', amount: asCash('1000.00'), atMs } }, { eventIdSource: 'deposit', metadata: {} });
  await accounts.execute(accountId, { type: 'SettleDeposit', data: { transferId: 't1', atMs } }, { eventIdSource: 'settle', metadata: {} });
  await accounts.execute(accountId, {
    type: 'PlaceOrder', data: { orderId, symbol: 'AAPL', side: 'buy', type: 'market', quantity: asQuantity('1'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('190.01'), atMs },
  }, { eventIdSource: orderId, metadata: {} });
  for await (const event of store.subscribeToAll({ filter: { eventTypes: ['OrderFilled'] } })) if ((event.data as { orderId: string }).orderId === orderId) break;
  process.stdout.write('filled\n');

  await gateway.stop();
  await venue.stop();
  await database.close();
  await store.close();
  process.stdout.write('stopped\n');
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
