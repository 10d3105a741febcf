import Big from 'big.js';
import { findAsset, listAssets } from './catalog';
import { isWellFormedSymbol } from './symbol';

describe('asset catalog', () => {
  it('holds at least the S&P 500, each with a unique well-formed symbol and a positive decimal price', () => {
    const assets = listAssets();
    expect(assets.length).toBeGreaterThanOrEqual(500);
    expect(new Set(assets.map((a) => a.symbol)).size).toBe(assets.length);
    for (const asset of assets) {
      expect(isWellFormedSymbol(asset.symbol)).toBe(true);
      expect(asset.reference_price).toMatch(/^\d+\.\d{2}$/);
      expect(new Big(asset.reference_price).gt(0)).toBe(true);
      expect(asset.name.length).toBeGreaterThan(0);
    }
  });

  it('finds symbols case-insensitively and nothing for unknown ones', () => {
    expect(findAsset(' msft ')?.symbol).toBe('MSFT');
    expect(findAsset('NOPE')).toBeUndefined();
  });
});
