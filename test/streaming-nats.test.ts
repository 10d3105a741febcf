import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { signAccessToken } from '../infrastructure/auth/jwt';
import type { Bus, BusSubscription } from '../infrastructure/bus/port';
import { connectNatsBus } from '../infrastructure/bus/nats';
import { SymbolTable } from '../streaming/market/symbol-table';
import { MarketIngest } from '../streaming/ingest/market-ingest';
import { createStreamingNode, type StreamingNode } from '../streaming/node/streaming-node';
import { connectSocketIoClient, connectWsClient, eventually, expectConnected, type TestClient } from './support/streaming-clients';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SECRET = 'streaming-nats-secret';
const NEVER_MS = 3_600_000;
const bytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/** The real NATS bus, with a log of what the node asked it to subscribe to. */
const recordingBus = (bus: Bus, live: Set<string>): Bus => ({
  ...bus,
  subscribe(subject, onMessage): BusSubscription {
    live.add(subject);
    const subscription = bus.subscribe(subject, onMessage);
    return { unsubscribe: () => { live.delete(subject); subscription.unsubscribe(); } };
  },
});

it('two nodes behind the real NATS each subscribe to and deliver only what their own clients watch', async () => {
  const prefix = `test.${randomBytes(4).toString('hex')}.`;
  const open = (name: string) => connectNatsBus({ servers: NATS_URL, subjectPrefix: prefix, name: `streaming-nats-test-${name}` });
  const [publisher, busA, busB] = await Promise.all([open('publisher'), open('a'), open('b')]);
  const buses = [publisher, busA, busB];
  const subjectsA = new Set<string>();
  const subjectsB = new Set<string>();
  const nodes: StreamingNode[] = [
    createStreamingNode({ bus: recordingBus(busA, subjectsA), jwtSecret: SECRET, logger: pino({ level: 'silent' }), conflationWindowMs: NEVER_MS }),
    createStreamingNode({ bus: recordingBus(busB, subjectsB), jwtSecret: SECRET, logger: pino({ level: 'silent' }), conflationWindowMs: NEVER_MS }),
  ];
  const clients: TestClient[] = [];
  try {
    const [portA, portB] = await Promise.all(nodes.map((n) => n.listen()));
    const onA = expectConnected(await connectSocketIoClient(portA!, signAccessToken({ accountId: 'a1' }, SECRET))).client;
    const onB = expectConnected(await connectWsClient(portB!, { query: signAccessToken({ accountId: 'b1' }, SECRET) })).client;
    clients.push(onA, onB);
    await onA.request({ action: 'subscribe', channel: 'quotes', symbols: ['AAPL'] });
    await onB.request({ action: 'subscribe', channel: 'trades', symbols: ['TSLA'] });
    // Besides its clients' subjects, each node always holds the revocation notices' (auth.revoked).
    expect([...subjectsA].sort()).toEqual(['auth.revoked', 'md.halt.AAPL', 'md.quote.AAPL']);
    expect([...subjectsB].sort()).toEqual(['auth.revoked', 'md.trade.TSLA']);

    publisher.publish('md.quote.AAPL', bytes({ symbol: 'AAPL', bid: '187.42', ask: '187.44', last: '187.43', volume: 48293017 }));
    publisher.publish('md.trade.TSLA', bytes({ symbol: 'TSLA', last: '250.00', size: '3' }));
    publisher.publish('md.quote.MSFT', bytes({ symbol: 'MSFT', bid: '1.00' }));
    await publisher.flush();
    // Each round ends a window on both nodes, until the ticks have crossed NATS.
    await eventually(() => {
      nodes.forEach((n) => n.flushWindow());
      return onA.market.length > 0 && onB.market.length > 0;
    }, 'deliveries');

    expect(onA.market).toEqual([{ channel: 'quotes', symbol: 'AAPL', bid: '187.42', ask: '187.44', last: '187.43', volume: 48293017 }]);
    expect(onB.market).toEqual([{ channel: 'trades', symbol: 'TSLA', last: '250.00', size: '3' }]);

    onA.close();
    await eventually(() => subjectsA.size === 1 && subjectsA.has('auth.revoked'), 'node A to leave its subjects');
  } finally {
    for (const client of clients) client.close();
    for (const node of nodes) await node.close();
    for (const bus of buses) await bus.close();
  }
});

it('a client subscribed to BRK.B quotes gets the quote MarketIngest publishes over the real NATS, and md.quote.* sees it as one symbol', async () => {
  const prefix = `test.${randomBytes(4).toString('hex')}.`;
  const open = (name: string) => connectNatsBus({ servers: NATS_URL, subjectPrefix: prefix, name: `streaming-nats-test-${name}` });
  const [ingestBus, nodeBus, watcherBus] = await Promise.all([open('ingest'), open('node'), open('watcher')]);
  const node = createStreamingNode({ bus: nodeBus, jwtSecret: SECRET, logger: pino({ level: 'silent' }), conflationWindowMs: NEVER_MS });
  const ingest = new MarketIngest(new SymbolTable(['BRK.B', 'BF.B']), ingestBus);
  const client = expectConnected(await connectWsClient(await node.listen(), { query: signAccessToken({ accountId: 'a1' }, SECRET) })).client;
  const anyQuote: string[] = [];
  watcherBus.subscribe('md.quote.*', (message) => anyQuote.push(message.subject));
  try {
    expect(await client.request({ action: 'subscribe', channel: 'quotes', symbols: ['BRK.B'] })).toEqual({ action: 'subscribed', channel: 'quotes', symbols: ['BRK.B'] });
    await watcherBus.flush();
    ingest.onQuote(0, 1, 0, 4_500_000, 4_500_100, 10, 20, Date.UTC(2026, 10, 25, 15));
    ingest.onQuote(1, 1, 0, 400_000, 400_100, 10, 20, Date.UTC(2026, 10, 25, 15));
    await ingestBus.flush();
    await eventually(() => {
      node.flushWindow();
      return client.market.length > 0 && anyQuote.length === 2;
    }, 'the BRK.B quote');
    expect(client.market).toEqual([expect.objectContaining({ channel: 'quotes', symbol: 'BRK.B', bid: '450.00', ask: '450.01' })]);
    expect(anyQuote.sort()).toEqual(['md.quote.BF_B', 'md.quote.BRK_B']);
  } finally {
    client.close();
    await node.close();
    for (const bus of [ingestBus, nodeBus, watcherBus]) await bus.close();
  }
});
