import { listAssets } from '../../domain/market/catalog';
import { subjectMatches } from '../bus/in-process';
import { marketSubject, subjectToken, symbolOfSubjectToken } from './subjects';

describe('market data subjects', () => {
  it('turns a class-share symbol into one subject token and back', () => {
    expect(subjectToken('BRK.B')).toBe('BRK_B');
    expect(symbolOfSubjectToken('BRK_B')).toBe('BRK.B');
    expect(marketSubject('quote', 'BF.B')).toBe('md.quote.BF_B');
    expect(marketSubject('trade', 'AAPL')).toBe('md.trade.AAPL');
  });

  it('gives every catalog symbol a subject that a one-token wildcard matches, distinct per symbol', () => {
    const symbols = listAssets().map((asset) => asset.symbol);
    expect(symbols).toEqual(expect.arrayContaining(['BRK.B', 'BF.B']));
    const subjects = symbols.map((symbol) => marketSubject('quote', symbol));
    expect(subjects.filter((subject) => !subjectMatches(['md', 'quote', '*'], subject))).toEqual([]);
    expect(new Set(subjects).size).toBe(symbols.length);
    expect(symbols.filter((symbol) => symbolOfSubjectToken(subjectToken(symbol)) !== symbol)).toEqual([]);
  });

  it('refuses, as a bug, a symbol that holds the stand-in or a wildcard', () => {
    expect(() => subjectToken('BRK_B')).toThrow('stand-in');
    expect(() => subjectToken('md.>')).toThrow('wildcard');
  });
});
