import { randomUUID } from 'node:crypto';
import { orderView, type AccountEvent } from '../../domain/account';
import { ack, cancel, confirmReplace, deposit, fill, history, open, place, replace, route, settleDeposit, stateOf } from '../../domain/account/test-builders';
import { createInMemoryEventStore } from '../../infrastructure/event-store/in-memory';
import type { EventStore, RecordedEvent } from '../../infrastructure/event-store/port';
import { orderUpdatesFrom, type OrderUpdateMessage } from './order-update';

const storeHolding = async (streamId: string, events: readonly AccountEvent[]): Promise<{ store: EventStore; recorded: RecordedEvent[] }> => {
  const store = createInMemoryEventStore();
  await store.appendToStream(streamId, events.map((event) => ({ id: randomUUID(), type: event.type, data: event.data })), { expectedRevision: 'no_stream' });
  const recorded: RecordedEvent[] = [];
  for await (const event of store.readStream(streamId)) recorded.push(event);
  return { store, recorded };
};

const payloads = async (store: EventStore, recorded: readonly RecordedEvent[]): Promise<OrderUpdateMessage[]> => {
  const mapper = orderUpdatesFrom(store);
  const out: OrderUpdateMessage[] = [];
  for (const event of recorded) {
    const update = await mapper(event);
    if (update !== undefined) out.push(update.payload as OrderUpdateMessage);
  }
  return out;
};

/** Placed 10 @ 100, two partial fills (2 @ 100.00, 1 @ 103.00), then replaced to 8: still partially filled. */
const partiallyFilledThenReplaced = (): AccountEvent[] => {
  const steps = [open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1'), route('o1'), ack('o1'), fill('o1', 'x1', '2', '100.00'), fill('o1', 'x2', '1', '103.00')];
  const version = orderView(stateOf(history(...steps)), 'o1')!.version;
  return history(...steps, replace('o1', version, { quantity: '8' }), confirmReplace('o1'));
};

describe('order updates for the orders channel', () => {
  const accountId = randomUUID();
  const streamId = `account-${accountId}`;

  it('tells the owner each step of an order with its status, filled quantity and average fill price after it', async () => {
    const { store, recorded } = await storeHolding(streamId, history(open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1'), route('o1'), ack('o1'), fill('o1', 'x1', '0.4', '100.00'), fill('o1', 'x2', '0.6', '101.00'), cancel('o1')));
    const updates = await payloads(store, recorded);
    expect(updates.map((u) => [u.status, u.filled_qty, u.avg_fill_price])).toEqual([
      ['pending_new', '0.000000', null],
      ['submitted', '0.000000', null],
      ['partially_filled', '0.400000', '100.00'],
      ['partially_filled', '1.000000', '100.60'], // (0.4 × 100 + 0.6 × 101) / 1
      ['pending_cancel', '1.000000', '100.60'],
    ]);
    expect(updates[2]).toMatchObject({ channel: 'orders', order_id: 'o1', symbol: 'AAPL', fill_quantity: '0.400000', fill_price: '100.00', position: String(recorded[6]!.position) });
  });

  it('says the real status after a replace: a partially filled order stays partially_filled', async () => {
    const { store, recorded } = await storeHolding(streamId, partiallyFilledThenReplaced());
    const updates = await payloads(store, recorded);
    expect(recorded[recorded.length - 1]!.type).toBe('OrderReplaced');
    expect(updates.slice(-2).map((u) => [u.status, u.filled_qty, u.avg_fill_price])).toEqual([
      ['pending_replace', '3.000000', '101.00'],
      ['partially_filled', '3.000000', '101.00'],
    ]);
  });

  it('reads the events it did not see: a publisher that starts late still says the state after the event', async () => {
    const { store, recorded } = await storeHolding(streamId, partiallyFilledThenReplaced());
    const [last] = await payloads(store, recorded.slice(-1));
    expect(last).toMatchObject({ status: 'partially_filled', filled_qty: '3.000000', avg_fill_price: '101.00' });
  });

  it('ignores other streams and events that are not order updates', async () => {
    const { store, recorded } = await storeHolding(streamId, history(open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1'), route('o1')));
    const mapper = orderUpdatesFrom(store);
    expect(await mapper({ ...recorded[3]!, streamId: 'user-abc' })).toBeUndefined();
    expect(await mapper(recorded[4]!)).toBeUndefined(); // OrderRouted: the engine's bookkeeping
    expect(await mapper(recorded[1]!)).toBeUndefined(); // a deposit
  });
});
