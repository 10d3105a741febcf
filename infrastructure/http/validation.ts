import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { CASH_SCALE_DP, isScaledDecimal, PRICE_SCALE_DP, QUANTITY_SCALE_DP, type Cash, type Price, type Quantity, type ScaledDecimal } from '../../domain/money';
import { apiError, type ApiError } from './errors';
import { fieldPathOf, messageOf } from './validation-errors';
import { findUnstorableText } from '../text/storable-text';

/**
 * Request bodies are closed: a field the codec does not name is refused (400
 * VALIDATION_FAILED naming it). A typo such as `limit_prise` must not silently
 * become an order without a limit.
 */
export const closedObject = <R extends t.Props, O extends t.Props>(name: string, required: R, optional: O) => {
  const requiredCodec = t.type(required);
  const optionalCodec = t.partial(optional);
  const open = t.intersection([requiredCodec, optionalCodec]);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  return new t.Type<t.TypeOf<typeof open>, t.OutputOf<typeof open>, unknown>(
    name,
    (u): u is t.TypeOf<typeof open> => open.is(u),
    (u, c) => {
      if (typeof u !== 'object' || u === null || Array.isArray(u)) return t.failure(u, c, 'expected a JSON object');
      const unknownKey = Object.keys(u).find((key) => !known.has(key));
      if (unknownKey !== undefined) {
        return t.failure((u as Record<string, unknown>)[unknownKey], t.appendContext(c, unknownKey, t.unknown, undefined), 'unknown field');
      }
      // Each half validates under this type's own context, so error paths are plain field names.
      const fixed = requiredCodec.validate(u, c);
      const optionalPart = optionalCodec.validate(u, c);
      if (E.isLeft(fixed) || E.isLeft(optionalPart)) return t.failures([...(E.isLeft(fixed) ? fixed.left : []), ...(E.isLeft(optionalPart) ? optionalPart.left : [])]);
      // Only known keys reach the result, so nothing extra rides along into a command.
      const optionalValues = pick(optionalPart.right as Record<string, unknown>, Object.keys(optional));
      const requiredValues = pick(fixed.right as Record<string, unknown>, Object.keys(required));
      return t.success({ ...optionalValues, ...requiredValues } as t.TypeOf<typeof open>);
    },
    open.encode,
  );
};

/** Only the codec's own keys, each as that codec decoded it (normalised values included); absent optionals stay absent. */
const pick = (value: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> =>
  Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, value[key]]));

/** Longest decimal string accepted anywhere: bounds big.js work per field. */
export const DECIMAL_CHARS_MAX = 32;

/**
 * Money, prices and quantities: a non-negative decimal string with at most
 * `scaleMax` decimals, decoded once here into the domain's branded type
 * (`Cash`, `Price`, `Quantity`). A JSON number is refused: it has already been
 * through a binary float by the time we see it.
 */
export const decimalString = <Scale extends number>(scaleMax: Scale, name = `Decimal(${scaleMax}dp)`) => {
  // Stricter than the domain's shape: no leading zeros on the wire.
  const pattern = new RegExp(`^(0|[1-9]\\d*)(\\.\\d{1,${scaleMax}})?$`);
  const example = scaleMax === 0 ? '"10"' : `"185.${'5'.padEnd(scaleMax, '0')}"`;
  const is = (u: unknown): u is ScaledDecimal<Scale> => typeof u === 'string' && pattern.test(u) && isScaledDecimal(u, scaleMax);
  return new t.Type<ScaledDecimal<Scale>, string, unknown>(
    name,
    is,
    (u, c) => {
      if (typeof u === 'number') return t.failure(u, c, `must be a decimal string such as ${example}, not a JSON number`);
      if (typeof u !== 'string' || u.length > DECIMAL_CHARS_MAX || !is(u)) {
        return t.failure(u, c, `must be a decimal string with at most ${scaleMax} decimals, such as ${example}`);
      }
      return t.success(u);
    },
    String,
  );
};

export const CASH_DECIMAL: t.Type<Cash, string, unknown> = decimalString(CASH_SCALE_DP, 'CashDecimal');
export const PRICE_DECIMAL: t.Type<Price, string, unknown> = decimalString(PRICE_SCALE_DP, 'PriceDecimal');
export const QUANTITY_DECIMAL: t.Type<Quantity, string, unknown> = decimalString(QUANTITY_SCALE_DP, 'QuantityDecimal');

/** A string of bounded length, so no field can carry megabytes into an event. */
export const boundedString = (charsMin: number, charsMax: number, name = `String(${charsMin}..${charsMax})`) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && u.length >= charsMin && u.length <= charsMax,
    (u, c) => (typeof u === 'string' && u.length >= charsMin && u.length <= charsMax
      ? t.success(u)
      : t.failure(u, c, `must be a string of ${charsMin} to ${charsMax} characters`)),
    String,
  );

/**
 * Decodes `input` or answers 400 VALIDATION_FAILED naming the first offending field by its JSON path.
 * Every string of every body (keys too) is checked once here, before any codec: one the event store
 * cannot hold (NUL, a lone surrogate) would otherwise fail the append batch it shares with other users.
 */
export const decodeBody = <A, O>(codec: t.Type<A, O, unknown>, input: unknown): E.Either<ApiError, A> => {
  if (input === undefined) return E.left(apiError('VALIDATION_FAILED', 'body: expected a JSON object (Content-Type: application/json)'));
  const unstorable = findUnstorableText(input);
  if (unstorable !== undefined) {
    return E.left(apiError('VALIDATION_FAILED', `${unstorable || 'body'}: must not contain NUL (\\u0000) or an unpaired UTF-16 surrogate`, unstorable === '' ? undefined : unstorable));
  }
  const decoded = codec.decode(input);
  if (E.isRight(decoded)) return E.right(decoded.right);
  const first = decoded.left[0];
  const field = first === undefined ? '' : fieldPathOf(first);
  const messages = [...new Set(decoded.left.map((error) => messageOf(error)))].slice(0, VALIDATION_MESSAGES_MAX);
  return E.left(apiError('VALIDATION_FAILED', messages.join('; '), field === '' ? undefined : field));
};

/** A body can fail in many places at once; the message names a few, the `field` names the first. */
export const VALIDATION_MESSAGES_MAX = 5;
