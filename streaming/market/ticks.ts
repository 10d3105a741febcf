import { invariant } from '../../domain/invariant';

/** Inside the market data plane a price is an integer count of ticks; 1 tick = $0.0001 (the finest US equity increment). */
export const TICKS_PER_DOLLAR = 10_000;
/** Prices of ten million dollars and more are a feed error, not a quote; also keeps tick arithmetic far below 2^53. */
export const PRICE_TICKS_MAX = 100_000_000_000;
const FRACTION_DIGITS = 4;
const FRACTION_DIGITS_MIN = 2;
const DECIMAL_PRICE = /^(\d{1,7})(?:\.(\d{1,4}))?$/;

// Every possible fraction, formatted once: the edge formats a price per changed NBBO, so this is on a warm path.
const FRACTIONS: readonly string[] = Array.from({ length: TICKS_PER_DOLLAR }, (_, fractionTicks) => {
  let fraction = String(fractionTicks).padStart(FRACTION_DIGITS, '0');
  while (fraction.length > FRACTION_DIGITS_MIN && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `.${fraction}`;
});

/** Exact ticks -> decimal string ('187.42', '0.0001', '187.425'): at least cents, at most 4 dp, trailing zeros beyond cents trimmed. */
export const ticksToDecimal = (ticks: number): string => {
  invariant(Number.isSafeInteger(ticks) && ticks >= 0, `price ticks must be a non-negative integer, got ${ticks}`);
  const dollars = Math.floor(ticks / TICKS_PER_DOLLAR);
  return `${dollars}${FRACTIONS[ticks - dollars * TICKS_PER_DOLLAR]!}`;
};

/** Decimal string -> exact ticks, or undefined when it is not a non-negative price with at most 4 dp. */
export const decimalToTicks = (priceDecimal: string): number | undefined => {
  const match = DECIMAL_PRICE.exec(priceDecimal);
  if (!match) return undefined;
  const fraction = (match[2] ?? '').padEnd(FRACTION_DIGITS, '0');
  return Number(match[1]) * TICKS_PER_DOLLAR + Number(fraction);
};
