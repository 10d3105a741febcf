import fc from 'fast-check';
import { big } from '../money';
import { stopTriggerPrice } from './stop-trigger';

const cents = fc.integer({ min: 1, max: 1_000_000 }).map((c) => big(String(c)).div(100).toFixed(2));

describe('stop triggers on the NBBO', () => {
  it('fires a buy stop when the offer reaches the stop price, and not a cent before', () => {
    expect(stopTriggerPrice('buy', '101.00', { bid: '100.98', ask: '100.99' })).toBeNull();
    expect(stopTriggerPrice('buy', '101.00', { bid: '100.99', ask: '101.00' })).toBe('101.00');
    expect(stopTriggerPrice('buy', '101.00', { bid: '101.50', ask: '101.52' })).toBe('101.52');
  });
  it('fires a sell stop when the bid falls to the stop price, and not a cent before', () => {
    expect(stopTriggerPrice('sell', '99.00', { bid: '99.01', ask: '99.03' })).toBeNull();
    expect(stopTriggerPrice('sell', '99.00', { bid: '99.00', ask: '99.03' })).toBe('99.00');
  });
  it('never fires on a side nobody quotes', () => {
    expect(stopTriggerPrice('buy', '1.00', { bid: '5.00', ask: null })).toBeNull();
    expect(stopTriggerPrice('sell', '100.00', { bid: null, ask: '5.00' })).toBeNull();
  });
  it('fires exactly when the price is through the stop, for any prices', () => {
    fc.assert(fc.property(cents, cents, fc.constantFrom('buy' as const, 'sell' as const), (stop, price, side) => {
      const fired = stopTriggerPrice(side, stop, { bid: price, ask: price });
      expect(fired !== null).toBe(side === 'buy' ? big(price).gte(stop) : big(price).lte(stop));
    }));
  });
});
