import { Client, Pool } from 'pg';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-database';
import { type SqlDatabase, sqlDatabaseFromPool } from '../../infrastructure/pg/sql-client';
import { VENUE_PROFILES } from '../../venue-sim/profiles';
import { startVenue, type RunningVenue } from '../../venue-sim/venue';
import { VenueQuotes } from '../../venue-sim/venue-quotes';
import { FixCodec } from './codec';
import { FixSessionEngine, SessionClosedError } from './fix-session';
import { startLeasedInitiator } from './leased-session';
import type { ExecutionReport, FixAppMessage, NewOrderSingle } from './messages';
import { postgresLeaser, type SessionLeaser } from './session-lease';
import { sqlFixSessionStore } from './session-store';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const waitFor = async (condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const order = (n: number): NewOrderSingle => ({ msgType: 'NewOrderSingle', clOrdId: `lease-${n}`, symbol: 'AAPL', side: 'buy', ordType: 'market', orderQty: '1', timeInForce: 'day', transactTimeMs: Date.now() });

describe('one owner per FIX session: a PostgreSQL advisory lock, a standby that takes over', () => {
  let testDb: TestDatabase;
  let database: SqlDatabase;
  let venue: RunningVenue;
  let codec: FixCodec;

  beforeAll(async () => {
    testDb = await createTestDatabase('fix_lease');
    database = sqlDatabaseFromPool(new Pool({ connectionString: testDb.url, max: 6 }), true);
    const quotes = new VenueQuotes();
    quotes.set('AAPL', { bidTicks: 1_900_000, askTicks: 1_900_100, bidSize: 10_000, askSize: 10_000 });
    venue = await startVenue({ profile: { ...VENUE_PROFILES.XNAS, latencyMs: 0, fillRate: 1, rejectRate: 0, partialFillRate: 0 }, database, quotes, logger, runId: 'lease' });
    codec = await FixCodec.create();
  });
  afterAll(async () => {
    await venue.stop();
    await database.close();
    await testDb.drop();
  });

  it('the standby takes the session over when the owner\'s lease connection dies, and carries on its sequence', async () => {
    const store = sqlFixSessionStore(database);
    const name = 'broker-XNAS';
    /**
     * A process whose lease connection dies has crashed: it never competes again. Without this the old owner's
     * loop would race the standby for the lock it just lost, and win about as often.
     */
    const crashesOnLoss = (leaser: SessionLeaser): SessionLeaser => {
      let held = false;
      return {
        acquire: async (session, abort) => {
          if (held) { await abort; return undefined; }
          const lease = await leaser.acquire(session, abort);
          held = lease !== undefined;
          return lease;
        },
      };
    };
    const processOf = () => {
      const fills: FixAppMessage[] = [];
      const session = startLeasedInitiator({
        name,
        // Each "process" has a lease connection of its own.
        leaser: crashesOnLoss(postgresLeaser(testDb.url, logger, 50)),
        createEngine: () => new FixSessionEngine({ name, senderCompId: 'BROKER', targetCompId: 'XNAS', heartbeatIntervalS: 30, role: 'initiator' }, store, codec, logger),
        address: () => ({ host: '127.0.0.1', port: venue.port }),
        logger,
        backoffMs: { min: 20, max: 200 },
      });
      session.onMessage(async (message) => { fills.push(message); });
      return { session, fills };
    };
    const a = processOf();
    await a.session.loggedOn();
    const b = processOf();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect([a.session.isOwner(), b.session.isOwner()]).toEqual([true, false]);
      await expect(b.session.send(order(0))).rejects.toBeInstanceOf(SessionClosedError);

      await a.session.send(order(1));
      await waitFor(() => a.fills.some((m) => (m as ExecutionReport).execType === 'fill'), 'the first fill at the owner');

      // The owner's lease connection dies (its process crashed, or the network to PostgreSQL did).
      const admin = new Client({ connectionString: testDb.url });
      await admin.connect();
      const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
      expect(killed.rowCount).toBe(1);
      await admin.end();

      await waitFor(() => b.session.isOwner() && b.session.isLoggedOn(), 'the standby owning and logged on');
      expect(a.session.isOwner()).toBe(false);
      await expect(a.session.send(order(9))).rejects.toBeInstanceOf(SessionClosedError);
      await b.session.send(order(2));
      await waitFor(() => b.fills.some((m) => m.msgType === 'ExecutionReport' && m.clOrdId === 'lease-2' && m.execType === 'fill'), 'the fill at the new owner');

      // The venue saw each order once, on one unbroken sequence: no reset, no "too low" logout.
      const atVenue = (await venue.dropCopy.read()).filter((row) => row.execType === 'new').map((row) => row.clOrdId);
      expect(atVenue).toEqual(['lease-1', 'lease-2']);
    } finally {
      // Closed whatever happened: a lease loop left running would outlive the test and break the next suite.
      await a.session.close();
      await b.session.close();
    }
  });
});
