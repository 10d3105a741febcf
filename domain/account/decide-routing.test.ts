import { DomainErrorCode } from './errors';
import { cancelClOrdIdOf, clOrdIdOf, orderIdOfClOrdId } from './routing';
import { ack, confirmReplace, deposit, errorCode, eventsOf, given, history, open, place, rejectReplace, replace, route, settleDeposit, stateOf } from './test-builders';

const funded = () => history(open(), deposit('d1', '10000.00'), settleDeposit('d1'));
const continueWith = (events: ReturnType<typeof history>, ...commands: Parameters<ReturnType<typeof given>['when']>[0][]) =>
  commands.reduce((acc, command) => [...acc, ...eventsOf(given(acc).when(command))], events);
const orderOf = (events: ReturnType<typeof history>, orderId: string) => {
  const state = stateOf(events);
  if (state.status !== 'open') throw new Error('account not open');
  return state.orders[orderId]!;
};

describe('routing an order', () => {
  it('records the venue and the first ClOrdID once, without changing the order\'s version', () => {
    const placed = continueWith(funded(), place('o1', { quantity: '1', limitPrice: '100.00' }));
    const routed = continueWith(placed, route('o1', 'ARCX'));
    expect(orderOf(routed, 'o1')).toMatchObject({ route: { venue: 'ARCX', clOrdId: 'o1.0' }, version: orderOf(placed, 'o1').version, status: 'pending_new' });
    expect(errorCode(given(routed).when(route('o1')))).toBe(DomainErrorCode.InvalidTransition);
    expect(errorCode(given(placed).when(route('nope')))).toBe(DomainErrorCode.OrderNotFound);
  });

  it('refuses to route an order that has ended or waits on a cancel', () => {
    const cancelled = continueWith(funded(), place('o1', { quantity: '1', limitPrice: '100.00' }), { type: 'RequestOrderCancel', data: { orderId: 'o1', atMs: 1 } });
    expect(errorCode(given(cancelled).when(route('o1')))).toBe(DomainErrorCode.InvalidTransition);
  });

  it('moves the working ClOrdID to the replace request\'s once the venue confirms it, and not when it rejects it', () => {
    const working = continueWith(funded(), place('o1', { quantity: '2', limitPrice: '100.00' }), route('o1'), ack('o1'));
    const rejected = continueWith(working, replace('o1', 2, { limitPrice: '99.00' }), rejectReplace('o1'));
    expect(orderOf(rejected, 'o1')).toMatchObject({ route: { clOrdId: 'o1.0' }, replaceCount: 1 });
    const version = orderOf(rejected, 'o1').version;
    const confirmed = continueWith(rejected, replace('o1', version, { limitPrice: '98.00' }), confirmReplace('o1'));
    expect(orderOf(confirmed, 'o1')).toMatchObject({ route: { clOrdId: 'o1.2' }, replaceCount: 2, limitPrice: '98.00' });
  });

  it('derives ClOrdIDs from the order id and reads the order id back', () => {
    const orderId = '0b1e6f3a-2c4d-5e6f-8a9b-0c1d2e3f4a5b';
    expect(orderIdOfClOrdId(clOrdIdOf(orderId, 0))).toBe(orderId);
    expect(orderIdOfClOrdId(clOrdIdOf(orderId, 17))).toBe(orderId);
    expect(orderIdOfClOrdId(cancelClOrdIdOf(orderId))).toBe(orderId);
    expect(orderIdOfClOrdId('SOMEONE-ELSES-123')).toBeUndefined();
  });
});
