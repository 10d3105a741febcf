/**
 * The one symbol rule, for orders, the asset catalog, ingest's symbol table, the market routes and the
 * streaming protocol: an upper-case ticker starting with a letter, up to 10 letters and digits, with at
 * most one class suffix after a dot (BRK.B, BF.B). No wildcards, spaces or `_`: a symbol becomes a bus
 * subject token, where `_` stands for the dot (so accepting `BRK_B` would let it alias `BRK.B`).
 */
const SYMBOL_PATTERN = /^[A-Z][A-Z0-9]{0,9}(\.[A-Z0-9]{1,4})?$/;

/** Exact: `aapl` is not well-formed. Callers that accept any case normalize first. */
export const isWellFormedSymbol = (symbol: string): boolean => SYMBOL_PATTERN.test(symbol);

/** Symbols are matched upper-cased; `brk.b` finds `BRK.B`. */
export const normalizeSymbol = (symbol: string): string => symbol.trim().toUpperCase();
