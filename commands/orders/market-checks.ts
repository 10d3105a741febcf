import * as E from 'fp-ts/Either';
import type { Asset } from '../../domain/market/catalog';
import { isScaledDecimal, PRICE_SCALE_DP, type Price } from '../../domain/money';
import { MarketErrorCode } from '../../domain/market/errors';
import type { ApiError } from '../../infrastructure/http/errors';
import type { Logger } from '../../infrastructure/logging';
import type { MarketDataReader } from '../../infrastructure/market/port';
import { checkPriceReasonable, referencePriceDecimal } from '../../domain/market/price-reasonability';
import type { Quote } from '../../infrastructure/market/quote';

/**
 * Market data is the AP plane: an order never waits long for it. Past this bound the check runs
 * as if there were no quote (the asset's reference price, no halt known), and says so in the log.
 */
export const MARKET_LOOKUP_TIMEOUT_MS = 50;

type MarketFacts = { readonly quote: Quote | undefined; readonly haltedUntilMs: number | undefined };

const withTimeout = <T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    promise.then((value) => { clearTimeout(timer); resolve(value); }, () => { clearTimeout(timer); resolve(undefined); });
  });

const marketFacts = async (market: MarketDataReader | undefined, symbol: string, nowMs: number, log: Logger): Promise<MarketFacts> => {
  if (!market) return { quote: undefined, haltedUntilMs: undefined };
  const facts = await withTimeout(Promise.all([market.lastQuote(symbol), market.haltedUntilMs(symbol, nowMs)]), MARKET_LOOKUP_TIMEOUT_MS);
  if (facts === undefined) {
    log.warn({ symbol }, 'market data unavailable for pre-trade checks; using the reference price');
    return { quote: undefined, haltedUntilMs: undefined };
  }
  return { quote: facts[0], haltedUntilMs: facts[1] };
};

/**
 * The price the decider reserves and limits with, decoded here once: the quote's side, when it is a
 * price (our ingest writes nothing else), else the asset's reference price.
 */
const referencePriceOf = (input: PreTradeInput, quote: Quote | undefined, log: Logger): Price => {
  const quoted = referencePriceDecimal(input.side, quote);
  if (quoted === undefined) return input.asset.reference_price;
  if (isScaledDecimal(quoted, PRICE_SCALE_DP)) return quoted;
  log.warn({ symbol: input.asset.symbol, quoted }, 'the quote\'s price is not a decimal of at most 4 dp; using the reference price');
  return input.asset.reference_price;
};

/** What the market refuses an order for: its own codes only. */
export type MarketRefusal = ApiError & { readonly code: MarketErrorCode };

export type PreTradeInput = {
  readonly asset: Asset;
  readonly side: 'buy' | 'sell';
  /** As the body decoded them (`PRICE_DECIMAL`): checked once, at the edge. */
  readonly limitPrice: Price | undefined;
  readonly stopPrice: Price | undefined;
  readonly nowMs: number;
};

/**
 * The pre-trade checks that need market data: tradability (not halted) and price reasonability
 * against the NBBO. Answers the reference price the decider reserves and limits with: the side of
 * the NBBO the order meets, else the asset's reference price.
 */
export const marketPreTradeChecks = async (
  market: MarketDataReader | undefined, input: PreTradeInput, log: Logger,
): Promise<E.Either<MarketRefusal, { readonly referencePrice: Price }>> => {
  const { quote, haltedUntilMs } = await marketFacts(market, input.asset.symbol, input.nowMs, log);
  if (haltedUntilMs !== undefined) {
    return E.left({ code: MarketErrorCode.SymbolHalted, message: `${input.asset.symbol} is halted until ${new Date(haltedUntilMs).toISOString()}`, field: 'symbol' });
  }
  for (const [field, price] of [['limit_price', input.limitPrice], ['stop_price', input.stopPrice]] as const) {
    if (price === undefined) continue;
    const check = checkPriceReasonable(input.side, price, quote);
    if (E.isLeft(check)) return E.left({ code: check.left.code, message: check.left.detail, field });
  }
  return E.right({ referencePrice: referencePriceOf(input, quote, log) });
};
