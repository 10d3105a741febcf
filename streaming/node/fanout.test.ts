import fc from 'fast-check';
import { createInProcessBus } from '../../infrastructure/bus/in-process';
import { createFanOut, type ClientSink } from './fanout';

const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** A sink that keeps what it is given; `backlogged` simulates a client whose buffer is over the bound. */
const recordingSink = () => {
  const frames: Record<string, unknown>[][] = [];
  let backlogged = false;
  const sink: ClientSink = {
    writeBatch: (messages) => frames.push(messages.map((m) => JSON.parse(m) as Record<string, unknown>)),
    writeControl: () => undefined,
    isBacklogged: () => backlogged,
    bufferedBytes: () => 0,
  };
  return { sink, frames, setBacklogged: (value: boolean) => (backlogged = value) };
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

  it('drops a backlogged client’s window and counts it, leaving other clients untouched; it gets fresh ticks once it drains', async () => {
    const bus = createInProcessBus();
    const fanOut = createFanOut(bus);
    const slow = recordingSink();
    const fast = recordingSink();
    fanOut.watch(fanOut.attach('slow', slow.sink), ['md.quote.AAPL', 'md.quote.MSFT']);
    fanOut.watch(fanOut.attach('fast', fast.sink), ['md.quote.AAPL']);
    slow.setBacklogged(true);
    bus.publish('md.quote.AAPL', bytes({ bid: '1' }));
    bus.publish('md.quote.MSFT', bytes({ bid: '2' }));
    await bus.flush();
    fanOut.flush();
    expect(slow.frames).toEqual([]);
    expect(fast.frames).toHaveLength(1);
    expect(fanOut.stats().messagesDropped).toBe(2);
    slow.setBacklogged(false);
    bus.publish('md.quote.AAPL', bytes({ bid: '3' }));
    await bus.flush();
    fanOut.flush();
    expect(slow.frames).toEqual([[{ bid: '3', channel: 'quotes' }]]);
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
});
