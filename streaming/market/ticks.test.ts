import fc from 'fast-check';
import Big from 'big.js';
import { decimalToTicks, ticksToDecimal } from './ticks';

describe('price ticks at the edge', () => {
  it('formats with at least cents and at most 4 dp', () => {
    expect(ticksToDecimal(1_874_200)).toBe('187.42');
    expect(ticksToDecimal(1_874_250)).toBe('187.425');
    expect(ticksToDecimal(1)).toBe('0.0001');
    expect(ticksToDecimal(0)).toBe('0.00');
    expect(ticksToDecimal(10_000)).toBe('1.00');
  });

  it('parses only non-negative prices with at most 4 dp', () => {
    expect(decimalToTicks('187.42')).toBe(1_874_200);
    expect(decimalToTicks('0.0001')).toBe(1);
    expect(decimalToTicks('5')).toBe(50_000);
    for (const bad of ['-1', '1.00001', 'abc', '', '1e3', ' 1', '1.']) expect(decimalToTicks(bad)).toBeUndefined();
  });

  it('round-trips every tick count exactly, agreeing with big.js', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (ticks) => {
      const decimal = ticksToDecimal(ticks);
      expect(decimalToTicks(decimal)).toBe(ticks);
      expect(new Big(decimal).eq(new Big(ticks).div(10_000))).toBe(true);
    }));
  });
});
