import * as E from 'fp-ts/Either';
import { checkPriceReasonable, referencePriceDecimal, type QuotePrices } from './price-reasonability';
import { asPrice } from '../money';

const quote = (bid: string | null, ask: string | null, last: string | null = null): QuotePrices => ({ bid, ask, last });

describe('price reasonability (10% of the NBBO side the order meets)', () => {
  it('accepts a buy limit up to exactly 10% above the ask and down to 10% below it', () => {
    expect(checkPriceReasonable('buy', asPrice('110.00'), quote('99.00', '100.00'))).toEqual(E.right('WITHIN_BAND'));
    expect(checkPriceReasonable('buy', asPrice('90.00'), quote('99.00', '100.00'))).toEqual(E.right('WITHIN_BAND'));
  });

  it('refuses a buy limit a tick beyond the band', () => {
    const result = checkPriceReasonable('buy', asPrice('110.0001'), quote('99.00', '100.00'));
    expect(result).toEqual(E.left(expect.objectContaining({ code: 'PRICE_UNREASONABLE' })));
    expect(checkPriceReasonable('buy', asPrice('89.9999'), quote('99.00', '100.00'))).toEqual(E.left(expect.objectContaining({ code: 'PRICE_UNREASONABLE' })));
  });

  it('measures sells against the bid', () => {
    expect(checkPriceReasonable('sell', asPrice('89.10'), quote('99.00', '100.00'))).toEqual(E.right('WITHIN_BAND'));
    expect(checkPriceReasonable('sell', asPrice('89.09'), quote('99.00', '100.00'))).toEqual(E.left(expect.objectContaining({ code: 'PRICE_UNREASONABLE' })));
  });

  it('falls back to the last trade, and lets the order through when there is no market at all', () => {
    expect(checkPriceReasonable('buy', asPrice('120.00'), quote(null, null, '100.00'))).toEqual(E.left(expect.objectContaining({ code: 'PRICE_UNREASONABLE' })));
    expect(checkPriceReasonable('buy', asPrice('120.00'), quote(null, null))).toEqual(E.right('NO_REFERENCE'));
    expect(checkPriceReasonable('buy', asPrice('120.00'), undefined)).toEqual(E.right('NO_REFERENCE'));
  });

  it('takes the ask as a buy\'s reference and the bid as a sell\'s', () => {
    expect(referencePriceDecimal('buy', quote('99.00', '100.00'))).toBe('100.00');
    expect(referencePriceDecimal('sell', quote('99.00', '100.00'))).toBe('99.00');
  });
});
