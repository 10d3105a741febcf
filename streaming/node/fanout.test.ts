import fc from 'fast-check';
import { createInProcessBus } from '../../infrastructure/bus/in-process';
import { createFanOut, ORDER_UPDATES_QUEUED_MAX, TOPICS_PER_CONNECTION_MAX, type ClientSink } from './fanout';

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** A sink that keeps what it is given; `backlogged` simulates a client whose buffer is over the bound. */
const recordingSink = () => {
  const frames: Record<string, unknown>[][] = [];
  let backlogged = false;
  let writesWhileBacklogged = 0;
  const sink: ClientSink = {
    writeBatch: (messages) => {
      if (backlogged) writesWhileBacklogged += 1;
      frames.push(messages.map((m) => JSON.parse(m.text) as Record<string, unknown>));
    },
    writeControl: () => undefined,
    isBacklogged: () => backlogged,
    bufferedBytes: () => 0,
  };
  return { sink, frames, setBacklogged: (value: boolean) => (backlogged = value), writesWhileBacklogged: () => writesWhileBacklogged };
};

const SYMBOLS = ['AAPL', 'MSFT', 'TSLA'] as const;
type Step = { kind: 'tick'; symbol: (typeof SYMBOLS)[number]; price: number } | { kind: 'flush' };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('tick' as const), symbol: fc.constantFrom(...SYMBOLS), price: fc.integer({ min: 1, max: 1_000_000 }) }),
  fc.constant({ kind: 'flush' as const }),
);

describe('fan-out conflation', () => {
  it('delivers, per window, exactly the latest tick of each symbol that ticked, in one frame per client', async () => {
    await fc.assert(fc.asyncProperty(fc.array(stepArb, { maxLength: 60 }), async (steps) => {
      const bus = createInProcessBus();
      const fanOut = createFanOut(bus);
      const client = recordingSink();
      fanOut.watch(fanOut.attach('a1', client.sink), SYMBOLS.map((s) => `md.quote.${s}`));
      const expectedFrames: Record<string, unknown>[][] = [];
      let latest = new Map<string, number>();
      for (const step of [...steps, { kind: 'flush' } as Step]) {
        if (step.kind === 'tick') {
          bus.publish(`md.quote.${step.symbol}`, bytes({ symbol: step.symbol, bid: String(step.price) }));
          latest.set(step.symbol, step.price);
          continue;
        }
        await bus.flush();
        fanOut.flush();
        // Order inside a frame follows the first tick of each symbol in the window.
        if (latest.size > 0) expectedFrames.push([...latest].map(([symbol, price]) => ({ symbol, bid: String(price), channel: 'quotes' })));
        latest = new Map();
      }
      expect(client.frames).toEqual(expectedFrames);
      await bus.close();
    }));
  });

  it('matches a model with backlog: no write while backlogged, and each frame holds queued orders, then the newest of every topic not yet delivered', async () => {
    type SlowStep = Step | { kind: 'backlog'; on: boolean } | { kind: 'order' };
    const slowStepArb: fc.Arbitrary<SlowStep> = fc.oneof(
      { arbitrary: stepArb, weight: 4 }, { arbitrary: fc.record({ kind: fc.constant('backlog' as const), on: fc.boolean() }), weight: 2 }, { arbitrary: fc.constant({ kind: 'order' as const }), weight: 1 },
    );
    // Orders keep their order; market messages are one per topic, in no promised order.
    const canonical = (frame: Record<string, unknown>[]) => [
      ...frame.filter((m) => m.channel === 'orders'),
      ...frame.filter((m) => m.channel !== 'orders').sort((a, b) => String(a.symbol).localeCompare(String(b.symbol))),
    ];
    await fc.assert(fc.asyncProperty(fc.array(slowStepArb, { maxLength: 60 }), async (steps) => {
      const bus = createInProcessBus();
      const fanOut = createFanOut(bus);
      const client = recordingSink();
      const connection = fanOut.attach('a1', client.sink);
      fanOut.watch(connection, [...SYMBOLS.map((s) => `md.quote.${s}`), 'orders.a1']);
      const expectedFrames: Record<string, unknown>[][] = [];
      let backlogged = false;
      let ordersQueued: Record<string, unknown>[] = [];
      // Insertion order is the order of first appearance, as in the node's per-connection map.
      let owed = new Map<string, number>();
      let inWindow = new Map<string, number>();
      let orderCount = 0;
      const quote = (symbol: string, price: number) => ({ symbol, bid: String(price), channel: 'quotes' });
      for (const step of [...steps, { kind: 'backlog', on: false } as SlowStep, { kind: 'flush' } as SlowStep]) {
        switch (step.kind) {
          case 'tick':
            bus.publish(`md.quote.${step.symbol}`, bytes({ symbol: step.symbol, bid: String(step.price) }));
            await bus.flush();
            inWindow.set(step.symbol, step.price);
            break;
          case 'order': {
            const order = { order_id: `o${orderCount}`, channel: 'orders' };
            orderCount += 1;
            bus.publish('orders.a1', bytes({ order_id: order.order_id }));
            await bus.flush();
            ordersQueued.push(order);
            if (backlogged) break;
            expectedFrames.push([...ordersQueued, ...[...owed].map(([symbol, price]) => quote(symbol, price))]);
            ordersQueued = [];
            owed = new Map();
            break;
          }
          case 'backlog':
            backlogged = step.on;
            client.setBacklogged(step.on);
            break;
          case 'flush': {
            fanOut.flush();
            for (const [symbol, price] of inWindow) owed.set(symbol, price);
            inWindow = new Map();
            if (backlogged) break;
            const frame = [...ordersQueued, ...[...owed].map(([symbol, price]) => quote(symbol, price))];
            if (frame.length > 0) expectedFrames.push(frame);
            ordersQueued = [];
            owed = new Map();
            break;
          }
        }
        expect(connection.owed.size).toBeLessThanOrEqual(SYMBOLS.length);
      }
      expect(client.frames.map(canonical)).toEqual(expectedFrames.map(canonical));
      expect(client.writesWhileBacklogged()).toBe(0);
      expect(fanOut.stats()).toEqual(expect.objectContaining({ connectionsBehind: 0, orderUpdatesDropped: 0 }));
      await bus.close();
    }));
  });

  it('serializes a message once for every watcher and counts each symbol update delivered', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const clients = [recordingSink(), recordingSink()];
    for (const client of clients) fanOut.watch(fanOut.attach('a', client.sink), ['md.quote.AAPL', 'md.trade.AAPL']);
    bus.publish('md.quote.AAPL', bytes({ symbol: 'AAPL', bid: '1.00' }));
    bus.publish('md.trade.AAPL', bytes({ symbol: 'AAPL', last: '1.01' }));
    await bus.flush();
    fanOut.flush();
    expect(clients.map((c) => c.frames.length)).toEqual([1, 1]);
    expect(fanOut.stats()).toEqual(expect.objectContaining({ messagesDelivered: 4, framesWritten: 2, messagesDropped: 0, busSubscriptions: 2, subscriptions: 4 }));
  });

  it('gives a client that was backlogged the latest of every topic it missed in its next frame, quiet symbols included', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const slow = recordingSink();
    const fast = recordingSink();
    const slowConnection = fanOut.attach('slow', slow.sink);
    fanOut.watch(slowConnection, ['md.quote.AAPL', 'md.quote.MSFT']);
    fanOut.watch(fanOut.attach('fast', fast.sink), ['md.quote.AAPL']);
    slow.setBacklogged(true);
    bus.publish('md.quote.AAPL', bytes({ bid: '1' }));
    bus.publish('md.quote.MSFT', bytes({ bid: '2' }));
    await bus.flush();
    fanOut.flush();
    bus.publish('md.quote.AAPL', bytes({ bid: '3' }));
    await bus.flush();
    fanOut.flush();
    expect(slow.frames).toEqual([]);
    expect(fast.frames).toEqual([[{ bid: '1', channel: 'quotes' }], [{ bid: '3', channel: 'quotes' }]]);
    // AAPL 1 was replaced by AAPL 3 before the client could take it: that one is dropped, and counted.
    expect(fanOut.stats()).toEqual(expect.objectContaining({ messagesDropped: 1, connectionsBehind: 1 }));
    expect(slowConnection.owed.size).toBe(2);
    // MSFT is quiet from here on: no tick in the window in which the client can take writes again.
    slow.setBacklogged(false);
    fanOut.flush();
    expect(slow.frames).toEqual([[{ bid: '3', channel: 'quotes' }, { bid: '2', channel: 'quotes' }]]);
    expect(fanOut.stats()).toEqual(expect.objectContaining({ connectionsBehind: 0, messagesDelivered: 4 }));
    expect(slowConnection.owed.size).toBe(0);
  });

  it('merges a fresh tick into what a recovering client is owed: one message per topic, the newest', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const slow = recordingSink();
    fanOut.watch(fanOut.attach('slow', slow.sink), ['md.quote.AAPL', 'md.quote.MSFT']);
    slow.setBacklogged(true);
    bus.publish('md.quote.AAPL', bytes({ bid: '1' }));
    bus.publish('md.quote.MSFT', bytes({ bid: '2' }));
    await bus.flush();
    fanOut.flush();
    slow.setBacklogged(false);
    bus.publish('md.quote.AAPL', bytes({ bid: '3' }));
    await bus.flush();
    fanOut.flush();
    expect(slow.frames).toEqual([[{ bid: '3', channel: 'quotes' }, { bid: '2', channel: 'quotes' }]]);
  });

  it('queues order updates for a backlogged client and delivers them in order once it can take writes', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const slow = recordingSink();
    const connection = fanOut.attach('alice', slow.sink);
    fanOut.watch(connection, ['orders.alice', 'md.quote.AAPL']);
    slow.setBacklogged(true);
    bus.publish('orders.alice', bytes({ order_id: 'o1', status: 'partially_filled' }));
    bus.publish('md.quote.AAPL', bytes({ bid: '1' }));
    bus.publish('orders.alice', bytes({ order_id: 'o1', status: 'filled' }));
    await bus.flush();
    fanOut.flush();
    expect(slow.frames).toEqual([]);
    expect(connection.orderUpdates).toHaveLength(2);
    slow.setBacklogged(false);
    fanOut.flush();
    expect(slow.frames).toEqual([[
      { order_id: 'o1', status: 'partially_filled', channel: 'orders' }, { order_id: 'o1', status: 'filled', channel: 'orders' }, { bid: '1', channel: 'quotes' },
    ]]);
    // A writable client gets its update at once, not at the end of the window.
    bus.publish('orders.alice', bytes({ order_id: 'o2', status: 'new' }));
    await bus.flush();
    expect(slow.frames[1]).toEqual([{ order_id: 'o2', status: 'new', channel: 'orders' }]);
    expect(fanOut.stats()).toEqual(expect.objectContaining({ orderUpdatesDropped: 0, messagesDropped: 0, connectionsBehind: 0 }));
  });

  it('keeps the newest order updates when a backlogged client’s queue overflows, and counts the oldest it drops', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const slow = recordingSink();
    const connection = fanOut.attach('alice', slow.sink);
    fanOut.watch(connection, ['orders.alice']);
    slow.setBacklogged(true);
    const overflow = 5;
    const published = ORDER_UPDATES_QUEUED_MAX + overflow;
    for (let i = 0; i < published; i += 1) bus.publish('orders.alice', bytes({ order_id: `o${i}` }));
    await bus.flush();
    fanOut.flush();
    expect(connection.orderUpdates).toHaveLength(ORDER_UPDATES_QUEUED_MAX);
    expect(fanOut.stats().orderUpdatesDropped).toBe(overflow);
    slow.setBacklogged(false);
    fanOut.flush();
    expect(slow.frames).toHaveLength(1);
    expect(slow.frames[0]!.map((m) => m.order_id)).toEqual(Array.from({ length: ORDER_UPDATES_QUEUED_MAX }, (_, i) => `o${i + overflow}`));
  });

  it('holds, for a client that never drains, at most one message per watched topic and a full order queue, however long it lasts', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const slow = recordingSink();
    const connection = fanOut.attach('alice', slow.sink);
    const subjects = Array.from({ length: TOPICS_PER_CONNECTION_MAX - 1 }, (_, i) => `md.quote.S${i}`);
    expect(fanOut.watch(connection, [...subjects, 'orders.alice'])).toBe(TOPICS_PER_CONNECTION_MAX);
    slow.setBacklogged(true);
    const WINDOWS = 30;
    for (let window = 0; window < WINDOWS; window += 1) {
      for (const subject of subjects) bus.publish(subject, bytes({ window }));
      for (let i = 0; i < 10; i += 1) bus.publish('orders.alice', bytes({ window, i }));
      await bus.flush();
      fanOut.flush();
      expect(connection.owed.size).toBeLessThanOrEqual(connection.topics.size);
      expect(connection.orderUpdates.length).toBeLessThanOrEqual(ORDER_UPDATES_QUEUED_MAX);
      expect(connection.pending).toHaveLength(0);
    }
    expect(connection.owed.size).toBe(subjects.length);
    expect(connection.orderUpdates).toHaveLength(ORDER_UPDATES_QUEUED_MAX);
    expect(fanOut.stats()).toEqual(expect.objectContaining({
      messagesDropped: (WINDOWS - 1) * subjects.length, orderUpdatesDropped: WINDOWS * 10 - ORDER_UPDATES_QUEUED_MAX, framesWritten: 0, connectionsBehind: 1,
    }));
    // Leaving a topic leaves what was owed for it; leaving altogether leaves the rest.
    fanOut.unwatch(connection, subjects.slice(0, 10));
    expect(connection.owed.size).toBe(subjects.length - 10);
    fanOut.detach(connection);
    expect(connection.owed.size).toBe(0);
    expect(fanOut.stats().connectionsBehind).toBe(0);
  });

  it('never sends a topic the client has left, even if it was owed', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const slow = recordingSink();
    const connection = fanOut.attach('alice', slow.sink);
    fanOut.watch(connection, ['md.quote.AAPL', 'md.quote.MSFT']);
    slow.setBacklogged(true);
    bus.publish('md.quote.AAPL', bytes({ bid: '1' }));
    bus.publish('md.quote.MSFT', bytes({ bid: '2' }));
    await bus.flush();
    fanOut.flush();
    fanOut.unwatch(connection, ['md.quote.AAPL']);
    slow.setBacklogged(false);
    fanOut.flush();
    expect(slow.frames).toEqual([[{ bid: '2', channel: 'quotes' }]]);
  });

  it('ignores a payload that is not a JSON object and counts it', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const client = recordingSink();
    fanOut.watch(fanOut.attach('a', client.sink), ['md.quote.AAPL']);
    bus.publish('md.quote.AAPL', new TextEncoder().encode('not json'));
    await bus.flush();
    fanOut.flush();
    expect(client.frames).toEqual([]);
    expect(fanOut.stats().malformedBusMessages).toBe(1);
  });

  it('writes a control message to one share of the connections per call: every connection once over all the shares', () => {
    const fanOut = createFanOut(createInProcessBus());
    const received = new Map<number, number>();
    const connections = Array.from({ length: 95 }, (_, i) => fanOut.attach(`a${i}`, {
      ...recordingSink().sink,
      writeControl: () => received.set(i, (received.get(i) ?? 0) + 1),
    }));
    const shares = 30;
    const perCall: number[] = [];
    for (let share = 0; share < shares; share += 1) {
      const before = [...received.values()].reduce((a, b) => a + b, 0);
      fanOut.controlToShare('{"channel":"heartbeat"}', share, shares);
      perCall.push([...received.values()].reduce((a, b) => a + b, 0) - before);
    }
    expect(received.size).toBe(connections.length);
    expect([...received.values()].every((count) => count === 1)).toBe(true);
    expect(Math.max(...perCall)).toBeLessThanOrEqual(Math.ceil(connections.length / shares));
  });
});
