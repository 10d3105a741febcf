import pino from 'pino';
import { signAccessToken } from '../infrastructure/auth/jwt';
import { createInProcessBus } from '../infrastructure/bus/in-process';
import { createInMemoryEventStore } from '../infrastructure/event-store/in-memory';
import type { RecordedEvent } from '../infrastructure/event-store/port';
import { createStreamingNode } from '../streaming/node/streaming-node';
import { connectSocketIoClient, connectWsClient, eventually, expectConnected } from './support/streaming-clients';
import { publishOrderUpdates, subscribeFromHead, type OrderUpdateMapper } from '../projections/order-updates/publish';

const SECRET = 'orders-stream-secret';

/** Stands in for the lead's mapper: account streams `account-<id>`, fills become `{ order_id, status, avg_fill_price }`. */
const mapper: OrderUpdateMapper = (event: RecordedEvent) => {
  if (event.type !== 'OrderFilled') return undefined;
  const data = event.data as { orderId: string; fillPriceDecimal: string };
  return { accountId: event.streamId.slice('account-'.length), payload: { order_id: data.orderId, status: 'filled', avg_fill_price: data.fillPriceDecimal } };
};
const fill = (orderId: string, price: string) => ({ id: `fill-${orderId}`, type: 'OrderFilled', data: { orderId, fillPriceDecimal: price } });

it("an order update from the event store reaches the owner's sockets only, live from the head", async () => {
  const store = createInMemoryEventStore();
  const bus = createInProcessBus();
  const node = createStreamingNode({ bus, jwtSecret: SECRET, logger: pino({ level: 'silent' }), admissionsPerSecond: 1_000 });
  const port = await node.listen();
  const abort = new AbortController();
  try {
    await store.appendToStream('account-alice', [fill('ord_old', '100.00')], { expectedRevision: 'any' });
    const publishing = publishOrderUpdates(await subscribeFromHead(store, { signal: abort.signal }), mapper, bus);

    const alice = expectConnected(await connectSocketIoClient(port, signAccessToken({ accountId: 'alice' }, SECRET))).client;
    const aliceWs = expectConnected(await connectWsClient(port, { query: signAccessToken({ accountId: 'alice' }, SECRET) })).client;
    const bob = expectConnected(await connectSocketIoClient(port, signAccessToken({ accountId: 'bob' }, SECRET))).client;
    for (const client of [alice, aliceWs, bob]) await client.request({ action: 'subscribe', channel: 'orders' });

    await store.appendToStream('account-bob', [{ id: 'placed-1', type: 'OrderPlaced', data: { orderId: 'ord_b' } }], { expectedRevision: 'any' });
    await store.appendToStream('account-alice', [fill('ord_abc', '185.32')], { expectedRevision: 'any' });
    await eventually(() => alice.market.length > 0 && aliceWs.market.length > 0, 'alice order update');
    await bus.flush();

    expect(alice.market).toEqual([{ channel: 'orders', order_id: 'ord_abc', status: 'filled', avg_fill_price: '185.32' }]);
    expect(aliceWs.market).toEqual(alice.market);
    expect(bob.market).toEqual([]);
    abort.abort();
    expect(await publishing).toBe(1);
    for (const client of [alice, aliceWs, bob]) client.close();
  } finally {
    abort.abort();
    await node.close();
    await bus.close();
    await store.close();
  }
});
