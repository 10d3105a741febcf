import { history, place, ack, fill, cancel, deposit, settleDeposit, open } from '../../domain/account/test-builders';
import type { RecordedEvent } from '../../infrastructure/event-store/port';
import { orderUpdateOf } from './order-update';

const recorded = (streamId: string, events: ReturnType<typeof history>): RecordedEvent[] =>
  events.map((event, index) => ({
    id: `e${index}`, streamId, revision: BigInt(index), position: BigInt(100 + index), type: event.type, data: event.data, metadata: {}, createdAtMs: 0,
  }));

describe('order updates for the orders channel', () => {
  it('tells the owner each step of an order, with fills in decimal strings, and nothing else', () => {
    const events = recorded('account-acc-1', history(open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1'), ack('o1'), fill('o1', 'x1', '0.4', '100.00'), cancel('o1')));
    const updates = events.map(orderUpdateOf).filter((u) => u !== undefined);
    expect(updates.map((u) => u.accountId)).toEqual(['acc-1', 'acc-1', 'acc-1', 'acc-1']);
    expect(updates.map((u) => u.payload.status)).toEqual(['pending_new', 'submitted', 'partially_filled', 'pending_cancel']);
    expect(updates[2]!.payload).toMatchObject({ channel: 'orders', order_id: 'o1', fill_quantity: '0.400000', fill_price: '100.00', position: '105' });
  });

  it('ignores other streams and events that fail their codec', () => {
    const [placed] = recorded('account-acc-1', history(open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1'))).slice(-1);
    expect(orderUpdateOf({ ...placed!, streamId: 'user-abc' })).toBeUndefined();
    expect(orderUpdateOf({ ...placed!, data: { orderId: 'o1' } })).toBeUndefined();
  });
});
