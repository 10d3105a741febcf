import * as E from 'fp-ts/Either';
import { decodeAccountEvent } from './events';
import { ack, cancel, confirmCancel, confirmReplace, deposit, expire, fill, history, open, place, reject, rejectReplace, replace, returnDeposit, settleDeposit, settleTrades, T0, withdraw } from './test-builders';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('account event codecs', () => {
  const events = history(
    open(),
    deposit('d1', '5000.00'),
    settleDeposit('d1'),
    deposit('d2', '50.00'),
    returnDeposit('d2'),
    withdraw('w1', '10.00'),
    place('b1', { quantity: '10' }),
    ack('b1'),
    fill('b1', 'x1', '10', '99.50'),
    place('s1', { side: 'sell', quantity: '4', limitPrice: '101.00' }),
    ack('s1'),
    replace('s1', 2, { limitPrice: '102.00' }),
    rejectReplace('s1'),
    replace('s1', 4, { limitPrice: '103.00' }),
    confirmReplace('s1'),
    fill('s1', 'x2', '4', '103.00'),
    place('b2', { quantity: '1' }),
    cancel('b2'),
    confirmCancel('b2'),
    place('b3', { quantity: '1' }),
    reject('b3'),
    place('b4', { quantity: '1' }),
    expire('b4'),
    settleTrades(T0 + DAY_MS),
  );

  it('covers every event type', () => {
    expect(new Set(events.map((e) => e.type)).size).toBe(16);
  });
  it('decodes every event decide produces after a JSON trip, unchanged, with schemaVersion 1', () => {
    for (const event of events) {
      const stored = JSON.parse(JSON.stringify(event.data)) as unknown;
      expect(decodeAccountEvent(event.type, stored)).toEqual(E.right(event));
      expect(event.data.schemaVersion).toBe(1);
    }
  });
  it('refuses a missing or unknown schemaVersion, unknown types and floats for money; drops unknown fields', () => {
    const placed = events.find((e) => e.type === 'OrderPlaced')!;
    const { schemaVersion: _dropped, ...withoutVersion } = placed.data;
    expect(E.isLeft(decodeAccountEvent('OrderPlaced', withoutVersion))).toBe(true);
    expect(E.isLeft(decodeAccountEvent('OrderPlaced', { ...placed.data, schemaVersion: 2 }))).toBe(true);
    expect(E.isLeft(decodeAccountEvent('OrderPlaced', { ...placed.data, reservedCash: 1000 }))).toBe(true);
    expect(E.isLeft(decodeAccountEvent('OrderPlaced', { ...placed.data, reservedCash: '1000.001' }))).toBe(true);
    expect(E.isLeft(decodeAccountEvent('OrderTeleported', placed.data))).toBe(true);
    // A tolerant reader: fields this version does not know are dropped, not trusted.
    expect(decodeAccountEvent('OrderPlaced', { ...placed.data, sneaky: true })).toEqual(E.right(placed));
    // Also nested: in a sale's consumed lots, and at the top level beside `data`'s named keys.
    const sale = events.find((e) => e.type === 'OrderFilled' && e.data.side === 'sell')!;
    expect(sale.type === 'OrderFilled' && sale.data.lotsConsumed.length).toBeGreaterThan(0);
    const withSneakyLot = { ...sale.data, lotsConsumed: sale.type === 'OrderFilled' ? sale.data.lotsConsumed.map((lot) => ({ ...lot, sneaky: 1 })) : [] };
    expect(decodeAccountEvent('OrderFilled', withSneakyLot)).toEqual(E.right(sale));
    expect(decodeAccountEvent('OrderFilled', JSON.parse(JSON.stringify(sale.data)))).toEqual(E.right(sale));
  });
});
