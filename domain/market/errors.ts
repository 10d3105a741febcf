// Codes leave the process (API, logs): never rename or reuse one.
/** Refusals that come from the market: what is tradable, whether it trades now, at what prices. */
export const MarketErrorCode = {
  UnknownSymbol: 'UNKNOWN_SYMBOL',
  SymbolHalted: 'SYMBOL_HALTED',
  PriceUnreasonable: 'PRICE_UNREASONABLE',
} as const;
export type MarketErrorCode = (typeof MarketErrorCode)[keyof typeof MarketErrorCode];
