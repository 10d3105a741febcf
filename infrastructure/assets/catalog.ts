import rows from './sp500.json';

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
  /** Decimal string, 2 dp. */
  readonly reference_price: string;
};

const SYMBOL_PATTERN = /^[A-Z]{1,5}(\.[A-Z])?$/;
const assets: readonly Asset[] = Object.freeze((rows as Asset[]).map((row) => Object.freeze({ ...row })));
const bySymbol: ReadonlyMap<string, Asset> = new Map(assets.map((asset) => [asset.symbol, asset]));

/** Symbols are matched upper-cased; `brk.b` finds `BRK.B`. */
export const normalizeSymbol = (symbol: string): string => symbol.trim().toUpperCase();

export const isWellFormedSymbol = (symbol: string): boolean => SYMBOL_PATTERN.test(normalizeSymbol(symbol));

export const findAsset = (symbol: string): Asset | undefined => bySymbol.get(normalizeSymbol(symbol));

export const listAssets = (): readonly Asset[] => assets;
