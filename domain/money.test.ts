import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import {
  asCash,
  asQuantity,
  averagePrice,
  averagePriceString,
  big,
  CASH_SCALE_DP,
  QUANTITY_SCALE_DP,
  CASH_RULE,
  cashString,
  fillCash,
  isScaledDecimal,
  notionalToQuantity,
  positiveDecimal,
  parseDecimal,
  PRICE_RULE,
  priceString,
  proRataRelease,
  QUANTITY_RULE,
  quantityString,
  reserveCash,
  reserveCashWithCollar,
  sumBig,
} from './money';
import { InvariantViolation } from './invariant';

const reason = (raw: unknown, rule = CASH_RULE) => {
  const parsed = parseDecimal(raw, rule);
  return E.isLeft(parsed) ? parsed.left.reason : 'ok';
};

describe('parseDecimal', () => {
  it('accepts plain decimals within the scale', () => {
    expect(reason('185.50')).toBe('ok');
    expect(reason('0.000001', QUANTITY_RULE)).toBe('ok');
    expect(reason('12', PRICE_RULE)).toBe('ok');
  });
  it.each([['1e3'], ['1E3'], ['+5'], ['.5'], ['5.'], [' 5'], ['5 '], ['0x10'], ['1,000.00'], [''], ['NaN'], ['Infinity']])('refuses %p as not a decimal', (raw) => {
    expect(reason(raw)).toBe('NOT_A_DECIMAL');
  });
  it('refuses non-strings, numbers included', () => {
    expect(reason(5)).toBe('NOT_A_DECIMAL');
    expect(reason(null)).toBe('NOT_A_DECIMAL');
  });
  it('refuses too many decimals for the scale', () => {
    expect(reason('1.001')).toBe('TOO_MANY_DECIMALS');
    expect(reason('1.00001', PRICE_RULE)).toBe('TOO_MANY_DECIMALS');
    expect(reason('1.0000001', QUANTITY_RULE)).toBe('TOO_MANY_DECIMALS');
  });
  it('refuses a sign unless allowed, zero unless allowed, and absurd sizes', () => {
    expect(reason('-1.00')).toBe('NEGATIVE');
    expect(reason('-1.00', { scaleDp: 2, allowNegative: true })).toBe('ok');
    expect(reason('0.00')).toBe('ZERO');
    expect(reason('0.00', { scaleDp: 2, allowZero: true })).toBe('ok');
    expect(reason('1000000000000.00')).toBe('TOO_LARGE');
    expect(reason('000000000000001.00')).toBe('ok');
  });
});

describe('rounding rules', () => {
  it('reserves round UP to the cent so they cover the cost', () => {
    expect(reserveCash('10.0001', '1').toFixed(2)).toBe('10.01');
    expect(reserveCash('185.50', '10').toFixed(2)).toBe('1855.00');
    expect(reserveCashWithCollar('100', '0.05', '0.333333').toFixed(2)).toBe('35.00'); // 34.99996...
  });
  it('a reserve never falls short of the cost of filling at its price', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000_000 }), (ticks, micros) => {
        const price = big(String(ticks)).div(10_000);
        const quantity = big(String(micros)).div(1_000_000);
        return reserveCash(price, quantity).gte(fillCash(price, quantity));
      }),
    );
  });
  it('fill cash rounds half-even to the cent', () => {
    expect(fillCash('0.125', '1').toFixed(2)).toBe('0.12');
    expect(fillCash('0.135', '1').toFixed(2)).toBe('0.14');
    expect(fillCash('10.0050', '1').toFixed(2)).toBe('10.00');
  });
  it('notional to quantity rounds DOWN to 6 dp, never buying more than the notional', () => {
    expect(notionalToQuantity('5.00', '3').toFixed(6)).toBe('1.666666');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), (cents, ticks) => {
        const notional = big(String(cents)).div(100);
        const price = big(String(ticks)).div(10_000);
        const quantity = notionalToQuantity(notional, price);
        return quantity.times(price).lte(notional) && quantity.plus('0.000001').times(price).gt(notional);
      }),
    );
  });
  it('pro-rata releases sum to the reserve exactly, the last part taking the remainder', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 20 }), (cents, parts) => {
        let remaining = big(String(cents)).div(100);
        const reserve = remaining;
        let open = sumBig(parts.map(String));
        const releases = parts.map((part) => {
          const release = proRataRelease(remaining, String(part), open, 2);
          remaining = remaining.minus(release);
          open = open.minus(String(part));
          return release;
        });
        return sumBig(releases).eq(reserve) && releases.every((r) => r.gte(0) && r.eq(r.round(2, 0)));
      }),
    );
    expect(proRataRelease('10.00', '1', '3', 2).toFixed(2)).toBe('3.33');
    expect(proRataRelease('6.67', '2', '2', 2).toFixed(2)).toBe('6.67');
  });
  it('average prices round half-even to 4 dp', () => {
    expect(averagePrice('10', '3').toFixed(4)).toBe('3.3333');
    expect(averagePrice('0.00005', '1').toFixed(4)).toBe('0.0000');
    expect(averagePrice('0.00015', '1').toFixed(4)).toBe('0.0002');
    // The four-decimal form, what a position's avg cost and a venue's AvgPx are written as.
    expect(averagePriceString('10', '3')).toBe('3.3333');
    expect(averagePriceString('300', '3')).toBe('100.0000');
    expect(averagePriceString('0.00025', '1')).toBe('0.0002');
    expect(averagePriceString('0', '0')).toBe('0.0000');
  });
});

describe('canonical strings', () => {
  it('write cash with 2 decimals, quantities with 6, prices with 2 to 4', () => {
    expect(cashString(big('5'))).toBe('5.00');
    expect(quantityString(big('1.5'))).toBe('1.500000');
    expect(priceString(big('185.5'))).toBe('185.50');
    expect(priceString(big('185.5025'))).toBe('185.5025');
    expect(priceString(big('185.503'))).toBe('185.503');
  });
  it('refuse a value finer than its scale: a forgotten rounding is a bug', () => {
    expect(() => cashString(big('1.001'))).toThrow(InvariantViolation);
  });
  it('agree with plain rounding for any decimal: the scale is checked, the digits padded', () => {
    // The reference: the value's own decimal places from its digits, and toFixed for the form.
    const decimals = (raw: string) => (raw.split('.')[1] ?? '').replace(/0+$/, '').length;
    const rawDecimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 14n }), fc.integer({ min: 0, max: 8 }), fc.boolean())
      .map(([digits, scale, negative]) => {
        const text = digits.toString().padStart(scale + 1, '0');
        const raw = scale === 0 ? text : `${text.slice(0, -scale)}.${text.slice(-scale)}`;
        return negative && digits !== 0n ? `-${raw}` : raw;
      });
    fc.assert(fc.property(rawDecimal, (raw) => {
      const d = decimals(raw);
      const cases: Array<[(value: ReturnType<typeof big>) => string, number, string]> = [
        [cashString, 2, big(raw).toFixed(2)],
        [quantityString, 6, big(raw).toFixed(6)],
        [priceString, 4, d <= 2 ? big(raw).toFixed(2) : big(raw).toFixed(d)],
      ];
      for (const [format, scale, expected] of cases) {
        if (d > scale) expect(() => format(big(raw))).toThrow(InvariantViolation);
        else expect(format(big(raw))).toBe(expected);
      }
    }), { numRuns: 2_000 });
  });
});

describe('decimals decoded once at the edge', () => {
  it('are plain, not negative, and no finer than their scale', () => {
    expect(['10', '10.25', '0.5', '007.50'].every((raw) => isScaledDecimal(raw, CASH_SCALE_DP))).toBe(true);
    expect(['10.255', '-1', '1e3', '', '.5', '5.', ' 5'].some((raw) => isScaledDecimal(raw, CASH_SCALE_DP))).toBe(false);
    expect(isScaledDecimal(10.25, CASH_SCALE_DP)).toBe(false);
    expect(isScaledDecimal('1.000001', QUANTITY_SCALE_DP)).toBe(true);
    expect(isScaledDecimal('1.0000001', QUANTITY_SCALE_DP)).toBe(false);
  });
  it('written by us (reference data, test literals), are checked like any other; a malformed one is our bug', () => {
    expect(asCash('10.25')).toBe('10.25');
    expect(() => asCash('10.255')).toThrow(InvariantViolation);
    expect(() => asQuantity('1e3')).toThrow(InvariantViolation);
  });
  it('are range-checked without parsing: above zero and at most 12 integer digits, with parseDecimal\'s reasons', () => {
    expect(positiveDecimal(asCash('999999999999.99'))).toEqual(E.right(big('999999999999.99')));
    expect(positiveDecimal(asQuantity('0.000001'))).toEqual(E.right(big('0.000001')));
    expect(positiveDecimal(asCash('0.00'))).toEqual(E.left(expect.objectContaining({ reason: 'ZERO' })));
    expect(positiveDecimal(asCash('1000000000000.00'))).toEqual(E.left(expect.objectContaining({ reason: 'TOO_LARGE' })));
  });
});
