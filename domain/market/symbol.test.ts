import { listAssets } from './catalog';
import { isWellFormedSymbol, normalizeSymbol } from './symbol';

describe('the symbol rule', () => {
  it('accepts every catalog symbol, class shares and the synthetic symbols of the benchmarks', () => {
    expect(listAssets().filter((asset) => !isWellFormedSymbol(asset.symbol))).toEqual([]);
    expect(['A', 'AAPL', 'BRK.B', 'BF.B', 'S0001', 'S09999', 'ABCDEFGHIJ', 'ABCD.WS1'].filter((s) => !isWellFormedSymbol(s))).toEqual([]);
  });

  it.each(['', 'aapl', 'brk.b', '1AB', 'BRK.B.C', '.B', 'BRK.', 'BRK_B', 'md.>', 'AAPL.*', 'A B', ' AAPL', 'ABCDEFGHIJK', 'BRK.ABCDE', 'BRK-B'])(
    'refuses %p',
    (symbol) => expect(isWellFormedSymbol(symbol)).toBe(false),
  );

  it('normalizes case and surrounding space, so a lower-case lookup finds the symbol', () => {
    expect(normalizeSymbol(' brk.b ')).toBe('BRK.B');
    expect(isWellFormedSymbol(normalizeSymbol(' brk.b '))).toBe(true);
  });
});
