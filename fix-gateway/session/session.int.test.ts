import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Pool } from 'pg';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../../test/support/pg-database';
import { type SqlDatabase, sqlDatabaseFromPool } from '../../infrastructure/pg/sql-client';
import { startFixAcceptor, type FixAcceptor } from './acceptor';
import * as admin from './admin-messages';
import { toFixBody } from './app-messages';
import { FixCodec } from './codec';
import { FixSessionEngine } from './fix-session';
import { FixFramer } from './framing';
import { startFixInitiator, type FixInitiator } from './initiator';
import type { ExecutionReport, FixAppMessage, NewOrderSingle } from './messages';
import { migrateFixSessionStore, sqlFixSessionStore } from './session-store';
import { startFixProxy, type FixProxy } from './test-proxy';
import { waitFor as waitUntil } from '../../test/support/wait-for';

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

  type PairOptions = {
    names?: { broker: string; venue: string };
    heartbeatIntervalS?: number;
    venueHeartbeatIntervalS?: number;
    resetOnLogon?: boolean;
    /** The broker's handler (after it records the message), with how many it runs at once. */
    brokerHandler?: (message: FixAppMessage) => Promise<void>;
    brokerConcurrency?: number;
  };
  const startPair = async (options: PairOptions = {}): Promise<Pair> => {
    pairs += 1;
    const names = options.names ?? { broker: `broker-${pairs}`, venue: `venue-${pairs}` };
    const heartbeatIntervalS = options.heartbeatIntervalS ?? 30;
    const store = sqlFixSessionStore(database);
    const broker = new FixSessionEngine({
      name: names.broker, senderCompId: 'BROKER', targetCompId: 'XNAS', heartbeatIntervalS, role: 'initiator',
      resetOnLogon: options.resetOnLogon ?? false, handlingConcurrency: options.brokerConcurrency ?? 1,
    }, store, await FixCodec.create(), logger);
    const venue = new FixSessionEngine({ name: names.venue, senderCompId: 'XNAS', targetCompId: 'BROKER', heartbeatIntervalS: options.venueHeartbeatIntervalS ?? heartbeatIntervalS, role: 'acceptor' }, store, await FixCodec.create(), logger);
    await Promise.all([broker.load(), venue.load()]);
    const atVenue: FixAppMessage[] = [];
    const atBroker: FixAppMessage[] = [];
    venue.onMessage(async (message) => {
      atVenue.push(message);
      if (message.msgType === 'NewOrderSingle') await venue.send(reportFor(message));
    });
    broker.onMessage(async (message) => {
      atBroker.push(message);
      await options.brokerHandler?.(message);
    });
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

  const storedSequences = async (name: string) => {
    const { rows } = await database.query<{ next_sender_seq: number; next_target_seq: number; epoch: number }>({ text: 'SELECT next_sender_seq, next_target_seq, epoch FROM fix_session WHERE name = $1' }, [name]);
    return { nextSenderSeq: Number(rows[0]!.next_sender_seq), nextTargetSeq: Number(rows[0]!.next_target_seq), epoch: Number(rows[0]!.epoch) };
  };
  const waitForStored = async (name: string, nextTargetSeq: number): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while ((await storedSequences(name)).nextTargetSeq !== nextTargetSeq) {
      if (Date.now() > deadline) throw new Error(`stored next target sequence number never became ${nextTargetSeq}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  it('sends one Logout when closed after answering the counterparty\'s Logout, before its socket has closed', async () => {
    const pair = await startPair();
    await pair.broker.send(order(1));
    await waitFor(() => pair.atBroker.length === 1, 'the fill');
    const before = pair.venue.sequences();
    // Closed the moment its answer is on the wire: its socket is still open (the FIN has not come back).
    let venueClosed: Promise<void> | undefined;
    pair.proxy.dropNext('down', (s) => {
      if (s.msgType !== '5') return false;
      venueClosed = pair.venue.close();
      return true;
    });
    await pair.broker.close();
    await venueClosed;
    await pair.stop();
    expect(pair.proxy.seen.filter((s) => s.direction === 'down' && s.msgType === '5')).toHaveLength(1);
    expect(pair.venue.sequences().nextSenderSeq).toBe(before.nextSenderSeq + 1);
    expect((await storedSequences(pair.venue.name)).nextSenderSeq).toBe(before.nextSenderSeq + 1);
  });

  const clOrdIdOf = (message: FixAppMessage) => ('clOrdId' in message ? message.clOrdId : '');

  it('handles reports side by side, but stores as received only what is handled below the first one still running', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const handled: string[] = [];
    const pair = await startPair({
      brokerConcurrency: 8,
      brokerHandler: async (message) => {
        if (clOrdIdOf(message) === 'ord-2') await held;
        handled.push(clOrdIdOf(message));
      },
    });
    for (let n = 1; n <= 5; n += 1) await pair.broker.send(order(n));
    await waitFor(() => handled.length === 4, 'the reports after the held one');
    expect(handled).toEqual(['ord-1', 'ord-3', 'ord-4', 'ord-5']);
    const heldReport = pair.proxy.seen.find((s) => s.direction === 'down' && s.msgType === '8' && s.field(11) === 'ord-2')!;
    // Received beyond it, but a restart now must be told the held report again.
    expect(pair.broker.sequences().nextTargetSeq).toBeGreaterThan(heldReport.seq + 3);
    const name = pair.broker.name;
    await waitForStored(name, heldReport.seq);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the writes after ord-3..5 had time to land: still there
    expect((await storedSequences(name)).nextTargetSeq).toBe(heldReport.seq);
    release();
    await waitFor(() => handled.length === 5, 'the held report');
    await waitForStored(name, pair.broker.sequences().nextTargetSeq);
    await pair.stop();
  });

  it('asks again for a report whose handler failed, and hands it over once more after the reconnect', async () => {
    let failuresLeft = 1;
    const pair = await startPair({
      brokerConcurrency: 8,
      brokerHandler: async (message) => {
        if (clOrdIdOf(message) === 'ord-3' && failuresLeft > 0) { failuresLeft -= 1; throw new Error('booking failed'); }
      },
    });
    for (let n = 1; n <= 6; n += 1) await pair.broker.send(order(n));
    await waitFor(() => pair.atBroker.filter((m) => clOrdIdOf(m) === 'ord-3').length === 2, 'the failed report again');
    await waitFor(() => pair.atBroker.filter((m) => clOrdIdOf(m) === 'ord-6').length >= 1, 'the last report');
    // The drop and the resend: nothing of ord-3 is lost; those after it may come twice (handlers are idempotent).
    expect(new Set(pair.atBroker.map(clOrdIdOf))).toEqual(new Set(['ord-1', 'ord-2', 'ord-3', 'ord-4', 'ord-5', 'ord-6']));
    expect(pair.proxy.seen.some((s) => s.direction === 'up' && s.msgType === '2')).toBe(true);
    expect(pair.atVenue.map(clOrdIdOf)).toEqual(['ord-1', 'ord-2', 'ord-3', 'ord-4', 'ord-5', 'ord-6']);
    await pair.stop();
  });

  it('ResetSeqNumFlag on logon: both sides start again at 1, the old messages are archived and never resent', async () => {
    const names = { broker: 'broker-reset', venue: 'venue-reset' };
    const first = await startPair({ names });
    for (let n = 1; n <= 5; n += 1) await first.broker.send(order(n));
    await waitFor(() => first.atBroker.length === 5, 'five fills');
    await first.stop();
    const before = await storedSequences(names.broker);
    expect(before.nextSenderSeq).toBeGreaterThan(5);

    const second = await startPair({ names, resetOnLogon: true });
    const logonUp = second.proxy.seen.find((s) => s.direction === 'up' && s.msgType === 'A')!;
    const logonDown = second.proxy.seen.find((s) => s.direction === 'down' && s.msgType === 'A')!;
    expect([logonUp.seq, logonUp.field(141)]).toEqual([1, 'Y']);
    expect([logonDown.seq, logonDown.field(141)]).toEqual([1, 'Y']);
    await second.broker.send(order(6));
    await waitFor(() => second.atBroker.length === 1, 'the fill after the reset');
    expect(second.atVenue).toEqual([order(6)]);
    // No gap was seen either way: the venue took the reset instead of asking for what it had missed.
    expect(second.proxy.seen.some((s) => s.msgType === '2' || s.msgType === '5')).toBe(false);
    expect(second.broker.sequences()).toEqual({ nextSenderSeq: 3, nextTargetSeq: 3 });
    expect(second.venue.sequences()).toEqual({ nextSenderSeq: 3, nextTargetSeq: 3 });
    const { rows: sent } = await database.query<{ seq: number }>({ text: 'SELECT seq FROM fix_sent WHERE session = $1 ORDER BY seq' }, [names.broker]);
    expect(sent.map((r) => Number(r.seq))).toEqual([2]);
    const { rows: archived } = await database.query<{ n: number }>({ text: 'SELECT count(*)::int AS n FROM fix_sent_archive WHERE session = $1' }, [names.broker]);
    expect(Number(archived[0]!.n)).toBe(5);
    expect((await storedSequences(names.broker)).epoch).toBe(before.epoch + 1);
    await second.stop();
  });

  /**
   * A counterparty that keeps its half of the TCP connection open after a Logout (allowHalfOpen): the
   * session's socket stays ended but not destroyed, the window in which a late send, heartbeat or resend
   * used to be written after end (ERR_STREAM_WRITE_AFTER_END at shutdown).
   */
  const startHalfOpenVenue = async () => {
    const received: { msgType: string; seq: number }[] = [];
    let peer: Socket | undefined;
    let peerEnded = false;
    let venueSeq = 0;
    const server = createServer({ allowHalfOpen: true }, (socket) => {
      peer = socket;
      socket.on('end', () => { peerEnded = true; });
      socket.on('error', () => undefined);
      const framer = new FixFramer();
      socket.on('data', (chunk: Buffer) => {
        for (const event of framer.push(chunk)) {
          if (event.kind !== 'frame') continue;
          const decoded = codec.decode(event.frame);
          received.push({ msgType: decoded.msgType, seq: decoded.msgSeqNum });
          if (decoded.msgType === 'A') venue.send(admin.logon(30));
          if (decoded.msgType === '5' && !received.slice(0, -1).some((r) => r.msgType === '5') && venue.answerLogout) venue.send(admin.logout());
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const venue = {
      received,
      answerLogout: false,
      ended: () => peerEnded,
      send: (message: admin.AdminMessage) => {
        venueSeq += 1;
        peer!.write(codec.encode({ msgType: message.msgType, senderCompId: 'XNAS', targetCompId: 'BROKER', msgSeqNum: venueSeq, sendingTimeMs: Date.now() }, message.name, message.body));
      },
      /** Ends the venue's half too, so the session's socket closes. */
      end: () => peer?.end(),
      port: (server.address() as AddressInfo).port,
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
    return venue;
  };

  it.each([
    ['an order sent after it answered the counterparty\'s Logout', 'their-logout', 'order'],
    ['an order sent while close() waits for the answer to its own Logout', 'our-logout', 'order'],
    ['the heartbeat answering a TestRequest that came after its Logout', 'their-logout', 'test-request'],
  ] as const)('writes nothing once its socket has ended: %s', async (_, logout, late) => {
    const venue = await startHalfOpenVenue();
    const store = sqlFixSessionStore(database);
    const name = `broker-half-open-${logout}-${late}`;
    const broker = new FixSessionEngine({ name, senderCompId: 'BROKER', targetCompId: 'XNAS', heartbeatIntervalS: 30, role: 'initiator' }, store, codec, logger);
    await broker.load();
    const socket = connect({ host: '127.0.0.1', port: venue.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const socketErrors: Error[] = [];
    socket.on('error', (error) => socketErrors.push(error));
    const attached = broker.attach(socket);
    await broker.loggedOn();
    let closed: Promise<void> | undefined;
    if (logout === 'their-logout') {
      venue.send(admin.logout());
    } else {
      venue.answerLogout = true;
      closed = broker.close();
    }
    // The broker's FIN has arrived: its socket is ended, and stays open while the venue keeps its half.
    await waitFor(() => venue.ended(), 'the broker ending its socket');
    const storedBefore = (await storedSequences(name)).nextSenderSeq;
    if (late === 'order') {
      await broker.send(order(1));
    } else {
      venue.send(admin.testRequest('after-logout'));
    }
    // Stored first, then written (or not) in the same turn: once the store moved, the write was tried.
    await waitUntil(async () => ((await storedSequences(name)).nextSenderSeq > storedBefore ? true : undefined), 'the late message stored');
    venue.end();
    await attached;
    await closed;
    await venue.stop();
    expect(socketErrors).toEqual([]);
    const logoutAt = venue.received.findIndex((r) => r.msgType === '5');
    expect(venue.received.slice(logoutAt + 1)).toEqual([]);
    if (late === 'order') {
      // Never on the wire, but stored: the next logon's resend delivers it.
      expect((await store.readSent(name, storedBefore, storedBefore)).map((s) => s.message)).toEqual([order(1)]);
    }
  });

  it("an acceptor keeps to the initiator's HeartBtInt, not its own", async () => {
    const pair = await startPair({ heartbeatIntervalS: 1, venueHeartbeatIntervalS: 60 });
    const logonDown = pair.proxy.seen.find((s) => s.direction === 'down' && s.msgType === 'A')!;
    expect(logonDown.field(108)).toBe('1');
    // Idle: the venue's own 60 s would send nothing for a minute; the agreed 1 s sends heartbeats now.
    await waitFor(() => pair.proxy.seen.filter((s) => s.direction === 'down' && s.msgType === '0' && s.field(112) === undefined).length >= 2, 'two heartbeats from the venue', 10_000);
    await pair.stop();
  });
});
