import * as E from 'fp-ts/Either';
import { listAssets } from '../../domain/market/catalog';
import { parseClientRequest, ProtocolErrorCode, subjectsFor } from './protocol';

const subscribe = (symbols: unknown[]) => parseClientRequest({ action: 'subscribe', channel: 'quotes', symbols });

describe('client protocol symbols', () => {
  it('accepts every symbol of the asset catalog, class shares included', () => {
    const symbols = listAssets().map((asset) => asset.symbol);
    const refused = symbols.filter((symbol) => E.isLeft(subscribe([symbol])));
    expect(refused).toEqual([]);
    expect(subscribe(['BRK.B', 'BF.B'])).toEqual(E.right({ action: 'subscribe', channel: 'quotes', symbols: ['BRK.B', 'BF.B'] }));
  });

  it('maps a dotted symbol to single-token subjects', () => {
    expect(subjectsFor('quotes', 'BRK.B')).toEqual(['md.quote.BRK_B', 'md.halt.BRK_B']);
    expect(subjectsFor('book', 'BF.B')).toEqual(['md.book.BF_B']);
  });

  it.each([['md.>'], ['AAPL.*'], ['BRK_B'], ['BRK.B.C'], ['.B'], ['BRK.'], ['brk.b'], ['A B']])('refuses %s as a symbol', (symbol) => {
    expect(subscribe([symbol])).toEqual(E.left(expect.objectContaining({ code: ProtocolErrorCode.InvalidSymbol })));
  });
});
