import Big from 'big.js';
import * as E from 'fp-ts/Either';
import { invariant } from './invariant';

/**
 * Decimal arithmetic for the ledger. Decimal strings outside, Big inside, and every
 * rounding this project does is one named function below, with its mode and its reason.
 */

export const CASH_SCALE_DP = 2; // the ledger holds whole cents
export const PRICE_SCALE_DP = 4; // venue ticks go down to 1/10_000
export const QUANTITY_SCALE_DP = 6; // fractional shares down to a millionth
export const DECIMAL_INTEGER_DIGITS_MAX = 12; // a trillion of anything is a typo, not an order

/**
 * Our own Big constructor so we never touch the global Big.DP / Big.RM others may rely on.
 * Divisions keep 40 digits truncated: every divisor here has far fewer digits than that, so an
 * exact quotient that is not on a rounding boundary sits more than 1e-30 away from it and the
 * final named rounding below is exact.
 */
const Exact = Big();
Exact.DP = 40;
Exact.RM = Big.roundDown;

export type DecimalInput = Big | string;

export const big = (value: DecimalInput): Big => new Exact(value);

export const ZERO = big('0');

export type DecimalParseError = {
  readonly reason: 'NOT_A_DECIMAL' | 'NEGATIVE' | 'ZERO' | 'TOO_MANY_DECIMALS' | 'TOO_LARGE';
  readonly message: string;
};

export type DecimalRule = {
  /** Most decimals accepted. */
  readonly scaleDp: number;
  /** A leading minus is refused unless this is set. */
  readonly allowNegative?: boolean;
  /** Zero is refused unless this is set. */
  readonly allowZero?: boolean;
};

// Plain positional notation only: no exponent, no '+', no leading or trailing dot, no spaces.
const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;

export const parseDecimal = (raw: unknown, rule: DecimalRule): E.Either<DecimalParseError, Big> => {
  if (typeof raw !== 'string') return E.left({ reason: 'NOT_A_DECIMAL', message: 'expected a decimal string' });
  const match = DECIMAL_PATTERN.exec(raw);
  if (match === null) return E.left({ reason: 'NOT_A_DECIMAL', message: `"${raw}" is not a plain decimal` });
  const [, sign, integerPart = '', fraction = ''] = match;
  if (fraction.length > rule.scaleDp) {
    return E.left({ reason: 'TOO_MANY_DECIMALS', message: `"${raw}" has more than ${rule.scaleDp} decimals` });
  }
  if (integerPart.replace(/^0+/, '').length > DECIMAL_INTEGER_DIGITS_MAX) {
    return E.left({ reason: 'TOO_LARGE', message: `"${raw}" has more than ${DECIMAL_INTEGER_DIGITS_MAX} integer digits` });
  }
  const value = big(raw);
  if (value.eq(0)) {
    return rule.allowZero === true ? E.right(ZERO) : E.left({ reason: 'ZERO', message: 'must not be zero' });
  }
  if (sign === '-' && rule.allowNegative !== true) return E.left({ reason: 'NEGATIVE', message: `"${raw}" must not be negative` });
  return E.right(value);
};

// ---- decimals decoded once, at the edge ----

declare const scaleBrand: unique symbol;
/**
 * A decimal string already checked where it entered (an HTTP body, a FIX message): plain positional
 * notation, not negative, at most `Scale` decimals. The brand records that the check was done, so
 * what takes one need not parse it again to know its shape.
 */
export type ScaledDecimal<Scale extends number> = string & { readonly [scaleBrand]: Scale };
/** Cash, at most 2 decimals (whole cents). */
export type Cash = ScaledDecimal<typeof CASH_SCALE_DP>;
/** A price, at most 4 decimals (a venue tick). */
export type Price = ScaledDecimal<typeof PRICE_SCALE_DP>;
/** A share quantity, at most 6 decimals (a millionth of a share). */
export type Quantity = ScaledDecimal<typeof QUANTITY_SCALE_DP>;

const UNSIGNED_DECIMAL_PATTERN = /^\d+(?:\.(\d+))?$/;

/** Whether `raw` is a `ScaledDecimal` of this scale: the one check every edge decoder ends with. */
export const isScaledDecimal = <Scale extends number>(raw: unknown, scaleDp: Scale): raw is ScaledDecimal<Scale> => {
  if (typeof raw !== 'string') return false;
  const match = UNSIGNED_DECIMAL_PATTERN.exec(raw);
  return match !== null && (match[1] ?? '').length <= scaleDp;
};

/**
 * For decimals this code base writes itself (reference data, test and bench literals): one that is not a
 * `ScaledDecimal` of its scale is our bug. Input from outside is decoded by its edge codec instead.
 */
export const asScaledDecimal = <Scale extends number>(raw: string, scaleDp: Scale): ScaledDecimal<Scale> => {
  invariant(isScaledDecimal(raw, scaleDp), `"${raw}" is not a decimal of at most ${scaleDp} dp`);
  return raw;
};
export const asCash = (raw: string): Cash => asScaledDecimal(raw, CASH_SCALE_DP);
export const asPrice = (raw: string): Price => asScaledDecimal(raw, PRICE_SCALE_DP);
export const asQuantity = (raw: string): Quantity => asScaledDecimal(raw, QUANTITY_SCALE_DP);

export type DecimalRangeError = Pick<DecimalParseError, 'message'> & { readonly reason: 'ZERO' | 'TOO_LARGE' };

// Above this a decimal has more than DECIMAL_INTEGER_DIGITS_MAX integer digits.
const MAGNITUDE_BOUND = big(`1${'0'.repeat(DECIMAL_INTEGER_DIGITS_MAX)}`);

/**
 * The range every amount, price and quantity of a command is in, checked on the decoded value (no
 * parsing): above zero, and at most DECIMAL_INTEGER_DIGITS_MAX integer digits. Same reasons and
 * messages as `parseDecimal`.
 */
export const positiveDecimal = (value: ScaledDecimal<number>): E.Either<DecimalRangeError, Big> => {
  const decimal = big(value);
  if (decimal.gte(MAGNITUDE_BOUND)) return E.left({ reason: 'TOO_LARGE', message: `"${value}" has more than ${DECIMAL_INTEGER_DIGITS_MAX} integer digits` });
  if (decimal.eq(0)) return E.left({ reason: 'ZERO', message: 'must not be zero' });
  return E.right(decimal);
};

export const CASH_RULE: DecimalRule = { scaleDp: CASH_SCALE_DP };
export const PRICE_RULE: DecimalRule = { scaleDp: PRICE_SCALE_DP };
export const QUANTITY_RULE: DecimalRule = { scaleDp: QUANTITY_SCALE_DP };

// ---- canonical string forms (what events and state hold) ----

/** Cash is always written with exactly two decimals; the value must already be whole cents. */
export const cashString = (value: Big): string => {
  assertScale(value, CASH_SCALE_DP, 'cash');
  return value.toFixed(CASH_SCALE_DP);
};

/** Quantities are always written with exactly six decimals. */
export const quantityString = (value: Big): string => {
  assertScale(value, QUANTITY_SCALE_DP, 'quantity');
  return value.toFixed(QUANTITY_SCALE_DP);
};

/** Prices keep at least two decimals ("185.50") and at most four ("185.5025"). */
export const priceString = (value: Big): string => {
  assertScale(value, PRICE_SCALE_DP, 'price');
  // Four decimals less up to two trailing zeros: two decimals at least, four at most.
  return value.toFixed(PRICE_SCALE_DP).replace(/0{1,2}$/, '');
};

/**
 * Decimal places of a Big, read from its documented coefficient and exponent (`c`, `e`; big.js keeps the
 * coefficient without trailing zeros, as its own comparisons need). Every event folded formats a few
 * amounts, and rounding a copy to compare it with cost more than the rest of the formatting.
 */
const decimalsOf = (value: Big): number => Math.max(0, value.c.length - value.e - 1);

const assertScale = (value: Big, scaleDp: number, what: string): void => {
  // A value finer than its scale here means a rounding was forgotten upstream: our bug. (The message only
  // then: writing the value out costs as much as the check.)
  if (decimalsOf(value) > scaleDp) invariant(false, `${what} ${value.toString()} finer than ${scaleDp} dp`);
};

// ---- every rounding rule of the ledger ----

/**
 * Cash reserved for a buy: ROUND UP to the cent, so a reserve always covers the cost it was
 * computed for (a fill at the reserved price never costs more than its share of the reserve).
 */
export const reserveCash = (price: DecimalInput, quantity: DecimalInput): Big =>
  big(price).times(quantity).round(CASH_SCALE_DP, Big.roundUp);

/** Cash reserved for a market or stop buy: reference × (1 + collar) × quantity, ROUND UP to the cent. */
export const reserveCashWithCollar = (price: DecimalInput, collar: DecimalInput, quantity: DecimalInput): Big =>
  big(price).times(big('1').plus(collar)).times(quantity).round(CASH_SCALE_DP, Big.roundUp);

/**
 * Cash moved by a fill (a buy's cost, a sell's proceeds): ROUND HALF-EVEN to the cent, so over
 * many fills the rounding neither favours the customer nor us.
 */
export const fillCash = (price: DecimalInput, quantity: DecimalInput): Big =>
  big(price).times(quantity).round(CASH_SCALE_DP, Big.roundHalfEven);

/** Notional order to shares: ROUND DOWN to 6 dp, so the shares never cost more than the notional. */
export const notionalToQuantity = (notional: DecimalInput, price: DecimalInput): Big =>
  big(notional).div(price).round(QUANTITY_SCALE_DP, Big.roundDown);

/** Order value for limits (rate limit, position limit): ROUND HALF-EVEN to the cent. */
export const notionalValue = (price: DecimalInput, quantity: DecimalInput): Big =>
  big(price).times(quantity).round(CASH_SCALE_DP, Big.roundHalfEven);

/**
 * Pro-rata release of what remains reserved when part of what remains is consumed:
 * remaining × part / whole, ROUND DOWN to the scale, and the part that consumes the whole
 * releases the remainder. Releases therefore never exceed the reserve and sum to it exactly.
 * Used for a buy's cash reserve on each fill and for a tax lot's cost basis on each sale.
 */
export const proRataRelease = (remaining: DecimalInput, part: DecimalInput, whole: DecimalInput, scaleDp: number): Big => {
  const partBig = big(part);
  const wholeBig = big(whole);
  if (partBig.gte(wholeBig)) return big(remaining);
  return big(remaining).times(partBig).div(wholeBig).round(scaleDp, Big.roundDown);
};

/** Cost-basis share of a tax lot: the pro-rata rule at cash scale. */
export const proRataCash = (remaining: DecimalInput, part: DecimalInput, whole: DecimalInput): Big =>
  proRataRelease(remaining, part, whole, CASH_SCALE_DP);

/** Average price shown to users (avg fill price, avg cost): ROUND HALF-EVEN to 4 dp. */
export const averagePrice = (total: DecimalInput, quantity: DecimalInput): Big =>
  big(quantity).eq(0) ? ZERO : big(total).div(quantity).round(PRICE_SCALE_DP, Big.roundHalfEven);

/** The average price as a position shows it (avg cost) and a venue reports it (AvgPx): always four decimals, "100.0000". */
export const averagePriceString = (total: DecimalInput, quantity: DecimalInput): string =>
  averagePrice(total, quantity).toFixed(PRICE_SCALE_DP);

export const minBig = (a: Big, b: Big): Big => (a.lte(b) ? a : b);
export const maxBig = (a: Big, b: Big): Big => (a.gte(b) ? a : b);
export const sumBig = (values: readonly DecimalInput[]): Big => values.reduce<Big>((acc, v) => acc.plus(v), ZERO);
