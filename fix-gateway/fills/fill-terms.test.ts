import * as E from 'fp-ts/Either';
import { decodeFillTerms } from './fill-terms';

describe('decodeFillTerms: a fill decoded once, where the ExecutionReport enters', () => {
  it('takes a LastQty of up to 6 decimals and a LastPx of up to 4, as they came', () => {
    expect(decodeFillTerms({ lastQty: '1.000001', lastPx: '99.9950' })).toEqual(E.right({ quantity: '1.000001', price: '99.9950' }));
    expect(decodeFillTerms({ lastQty: '100', lastPx: '185' })).toEqual(E.right({ quantity: '100', price: '185' }));
  });
  it.each([
    [{ lastQty: '1', lastPx: '100.00001' }, 31, 'at most 4 dp'],
    [{ lastQty: '1.0000001', lastPx: '100.00' }, 32, 'at most 6 dp'],
    [{ lastQty: '0', lastPx: '100.00' }, 32, 'not above zero'],
    [{ lastQty: '0.000000', lastPx: '100.00' }, 32, 'not above zero'],
    [{ lastQty: '1', lastPx: '0.0000' }, 31, 'not above zero'],
    [{ lastQty: '-1', lastPx: '100.00' }, 32, 'at most 6 dp'],
    [{ lastQty: '1e2', lastPx: '100.00' }, 32, 'at most 6 dp'],
    [{ lastQty: '1', lastPx: ' 100.00' }, 31, 'at most 4 dp'],
    [{ lastPx: '100.00' }, 32, 'missing'],
    [{ lastQty: '1' }, 31, 'missing'],
  ])('names %j a malformed fill on tag %i (%s)', (report, tag, detail) => {
    const decoded = decodeFillTerms(report);
    expect(decoded).toEqual(E.left({ tag, detail: expect.stringContaining(detail) as string }));
  });
});
