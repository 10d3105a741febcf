import { asPrice, type Price } from '../money';
import rows from './sp500.json';
import { normalizeSymbol } from './symbol';

/**
 * The tradable universe: the S&P 500 constituents (symbol, name, GICS
 * sub-industry) with a reference price, from the public-domain
 * datasets/s-and-p-500-companies-financials list. The price is only a plausible
 * starting point for the simulated feed and price-reasonability checks.
 */
export type Asset = {
  readonly symbol: string;
  readonly name: string;
  readonly sector: string;
  /** 2 dp in the list; checked as a price once, when the list loads. */
  readonly reference_price: Price;
};

const assets: readonly Asset[] = Object.freeze(rows.map((row) => Object.freeze({ ...row, reference_price: asPrice(row.reference_price) })));
const bySymbol: ReadonlyMap<string, Asset> = new Map(assets.map((asset) => [asset.symbol, asset]));

export const findAsset = (symbol: string): Asset | undefined => bySymbol.get(normalizeSymbol(symbol));

export const listAssets = (): readonly Asset[] => assets;
