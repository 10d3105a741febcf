import { Pool } from 'pg';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-database';
import { type SqlDatabase, sqlDatabaseFromPool } from '../../infrastructure/pg/sql-client';
import { startFixAcceptor, type FixAcceptor } from './acceptor';
import { toFixBody } from './app-messages';
import { FixCodec } from './codec';
import { FixSessionEngine } from './fix-session';
import { startFixInitiator, type FixInitiator } from './initiator';
import type { ExecutionReport, FixAppMessage, NewOrderSingle } from './messages';
import { migrateFixSessionStore, sqlFixSessionStore } from './session-store';
import { startFixProxy, type FixProxy } from './test-proxy';

const logger = pino({ level: 'silent' });
const waitFor = async (condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const order = (n: number): NewOrderSingle => ({ msgType: 'NewOrderSingle', clOrdId: `ord-${n}`, symbol: 'AAPL', side: 'buy', ordType: 'market', orderQty: '1', timeInForce: 'day', transactTimeMs: Date.UTC(2026, 0, 5, 15) + n });
const reportFor = (o: NewOrderSingle): ExecutionReport => ({ msgType: 'ExecutionReport', orderId: `v-${o.clOrdId}`, clOrdId: o.clOrdId, execId: `x-${o.clOrdId}`, execType: 'fill', ordStatus: 'filled', symbol: o.symbol, side: o.side, lastQty: '1', lastPx: '190.01', leavesQty: '0', cumQty: '1', avgPx: '190.01', transactTimeMs: o.transactTimeMs });

/** A broker initiator and a venue acceptor, through a recording proxy; the venue fills every order. */
type Pair = {
  readonly broker: FixSessionEngine;
  readonly venue: FixSessionEngine;
  readonly atVenue: FixAppMessage[];
  readonly atBroker: FixAppMessage[];
  readonly proxy: FixProxy;
  stop(): Promise<void>;
};

describe('FIX session layer over real TCP, sequence numbers in PostgreSQL', () => {
  let testDb: TestDatabase;
  let pool: Pool;
  let database: SqlDatabase;
  let codec: FixCodec;
  let pairs = 0;

  beforeAll(async () => {
    testDb = await createTestDatabase('fix_session');
    pool = new Pool({ connectionString: testDb.url, max: 4 });
    database = sqlDatabaseFromPool(pool, true);
    await migrateFixSessionStore(database);
    codec = await FixCodec.create();
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const startPair = async (options: { names?: { broker: string; venue: string }; heartbeatIntervalS?: number } = {}): Promise<Pair> => {
    pairs += 1;
    const names = options.names ?? { broker: `broker-${pairs}`, venue: `venue-${pairs}` };
    const heartbeatIntervalS = options.heartbeatIntervalS ?? 30;
    const store = sqlFixSessionStore(database);
    const broker = new FixSessionEngine({ name: names.broker, senderCompId: 'BROKER', targetCompId: 'XNAS', heartbeatIntervalS, role: 'initiator' }, store, await FixCodec.create(), logger);
    const venue = new FixSessionEngine({ name: names.venue, senderCompId: 'XNAS', targetCompId: 'BROKER', heartbeatIntervalS, role: 'acceptor' }, store, await FixCodec.create(), logger);
    await Promise.all([broker.load(), venue.load()]);
    const atVenue: FixAppMessage[] = [];
    const atBroker: FixAppMessage[] = [];
    venue.onMessage(async (message) => {
      atVenue.push(message);
      if (message.msgType === 'NewOrderSingle') await venue.send(reportFor(message));
    });
    broker.onMessage(async (message) => { atBroker.push(message); });
    const acceptor: FixAcceptor = await startFixAcceptor({ host: '127.0.0.1', port: 0, sessions: [venue], codec, logger });
    const proxy = await startFixProxy(codec, acceptor.port);
    const initiator: FixInitiator = startFixInitiator(broker, () => ({ host: '127.0.0.1', port: proxy.port }), logger, { min: 20, max: 200 });
    await broker.loggedOn();
    return {
      broker, venue, atVenue, atBroker, proxy,
      stop: async () => {
        await initiator.stop();
        await acceptor.stop();
        await proxy.stop();
      },
    };
  };

  it('logs on, fills an order both ways, and keeps the link alive with heartbeats and a test request', async () => {
    const pair = await startPair({ heartbeatIntervalS: 1 });
    await pair.broker.send(order(1));
    await waitFor(() => pair.atBroker.length === 1, 'the fill');
    expect(pair.atVenue).toEqual([order(1)]);
    expect(pair.atBroker).toEqual([reportFor(order(1))]);
    await waitFor(() => pair.proxy.seen.some((s) => s.direction === 'up' && s.msgType === '0') && pair.proxy.seen.some((s) => s.direction === 'down' && s.msgType === '0'), 'heartbeats both ways');
    // The venue goes quiet (its messages lost): the broker asks with a TestRequest, which the venue answers.
    pair.proxy.silence('down', true);
    await waitFor(() => pair.proxy.seen.some((s) => s.direction === 'up' && s.msgType === '1'), 'a test request');
    const testReqId = pair.proxy.seen.find((s) => s.direction === 'up' && s.msgType === '1')!.field(112);
    await waitFor(() => pair.proxy.seen.some((s) => s.direction === 'down' && s.msgType === '0' && s.field(112) === testReqId), 'the heartbeat answering it');
    // Still nothing gets through: the broker drops the link and logs on again once the venue is heard.
    await waitFor(() => !pair.broker.isLoggedOn(), 'the broker dropping a silent link');
    pair.proxy.silence('down', false);
    await pair.broker.loggedOn();
    await pair.broker.send(order(2));
    await waitFor(() => pair.atBroker.length === 2, 'the second fill');
    expect(pair.atVenue).toEqual([order(1), order(2)]);
    await pair.stop();
  });

  it('recovers a TCP drop mid-stream: every order reaches the venue once and every fill comes back once', async () => {
    const pair = await startPair();
    const sends: Promise<void>[] = [];
    for (let n = 1; n <= 40; n += 1) {
      sends.push(pair.broker.send(order(n)));
      if (n === 15) { await Promise.all(sends); pair.proxy.cut(); }
    }
    await Promise.all(sends);
    await waitFor(() => pair.atBroker.length === 40, 'forty fills');
    expect(pair.atVenue.map((m) => (m as NewOrderSingle).clOrdId)).toEqual(Array.from({ length: 40 }, (_, i) => `ord-${i + 1}`));
    expect(pair.atBroker.map((m) => (m as ExecutionReport).clOrdId)).toEqual(Array.from({ length: 40 }, (_, i) => `ord-${i + 1}`));
    // The recovery went through a ResendRequest answered from the store.
    expect(pair.proxy.seen.some((s) => s.msgType === '2')).toBe(true);
    await pair.stop();
  });

  it('delivers an order lost on the wire through the ResendRequest its gap triggers, PossDup with OrigSendingTime', async () => {
    const pair = await startPair();
    pair.proxy.dropNext('up', (s) => s.msgType === 'D');
    await pair.broker.send(order(1));
    await pair.broker.send(order(2));
    await waitFor(() => pair.atVenue.length === 2, 'both orders at the venue');
    expect(pair.atVenue).toEqual([order(1), order(2)]);
    const [lost, resent] = pair.proxy.seen.filter((s) => s.direction === 'up' && s.msgType === 'D' && s.field(11) === 'ord-1');
    expect(lost!.possDup).toBe(false);
    expect(resent).toMatchObject({ seq: lost!.seq, possDup: true });
    expect(resent!.field(122)).toBeDefined();
    const request = pair.proxy.seen.find((s) => s.direction === 'down' && s.msgType === '2')!;
    expect(Number(request.field(7))).toBe(lost!.seq);
    // Admin messages inside the range come back as a gap fill, never resent themselves.
    const resentUp = pair.proxy.seen.filter((s) => s.direction === 'up' && s.possDup);
    expect(resentUp.every((s) => s.msgType === 'D' || (s.msgType === '4' && s.field(123) === 'Y'))).toBe(true);
    await pair.stop();
  });

  it('stores an order sent while logged off and delivers it after the next logon', async () => {
    const pair = await startPair();
    pair.proxy.silence('down', true);
    pair.proxy.silence('up', true);
    pair.proxy.cut();
    await waitFor(() => !pair.broker.isConnected(), 'the drop');
    // The venue stays unreachable for a moment: the order goes to the store, not the wire.
    const stored = pair.broker.send(order(7));
    await stored;
    pair.proxy.silence('down', false);
    pair.proxy.silence('up', false);
    await waitFor(() => pair.atBroker.length === 1, 'the fill after reconnecting');
    expect(pair.atVenue).toEqual([order(7)]);
    await pair.stop();
  });

  it('ignores a PossDup duplicate of a message already handled', async () => {
    const pair = await startPair();
    await pair.broker.send(order(1));
    await waitFor(() => pair.atBroker.length === 1, 'the fill');
    const first = pair.proxy.seen.find((s) => s.direction === 'up' && s.msgType === 'D')!;
    const { msgType, name, body } = toFixBody(order(1));
    const duplicate = codec.encode({ msgType, senderCompId: 'BROKER', targetCompId: 'XNAS', msgSeqNum: first.seq, sendingTimeMs: Date.now(), origSendingTimeMs: Date.now() - 1_000 }, name, body);
    pair.proxy.inject('up', duplicate);
    await pair.broker.send(order(2));
    await waitFor(() => pair.atBroker.length === 2, 'the second fill');
    expect(pair.atVenue).toEqual([order(1), order(2)]);
    expect(pair.broker.isLoggedOn()).toBe(true);
    await pair.stop();
  });

  it('keeps sequence numbers across a restart of both sides, with no reset', async () => {
    const names = { broker: 'broker-restart', venue: 'venue-restart' };
    const first = await startPair({ names });
    for (let n = 1; n <= 5; n += 1) await first.broker.send(order(n));
    await waitFor(() => first.atBroker.length === 5, 'five fills');
    const before = { broker: first.broker.sequences(), venue: first.venue.sequences() };
    await first.stop();
    const { rows } = await database.query<{ name: string; next_sender_seq: number; next_target_seq: number }>({ text: 'SELECT * FROM fix_session WHERE name = ANY($1) ORDER BY name' }, [[names.broker, names.venue]]);
    expect(rows.map((r) => [r.name, r.next_sender_seq, r.next_target_seq])).toEqual([
      [names.broker, before.broker.nextSenderSeq + 1, before.broker.nextTargetSeq + 1], // plus the Logout each way
      [names.venue, before.venue.nextSenderSeq + 1, before.venue.nextTargetSeq + 1],
    ]);
    const second = await startPair({ names });
    const logon = second.proxy.seen.find((s) => s.direction === 'up' && s.msgType === 'A')!;
    expect(logon.seq).toBe(before.broker.nextSenderSeq + 1);
    await second.broker.send(order(6));
    await waitFor(() => second.atBroker.length === 1, 'the fill after the restart');
    expect(second.atVenue).toEqual([order(6)]);
    expect(second.proxy.seen.some((s) => s.msgType === '2' || s.msgType === '5')).toBe(false);
    await second.stop();
  });
});
