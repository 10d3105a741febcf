import * as E from 'fp-ts/Either';
import { isScaledDecimal, positiveDecimal, PRICE_SCALE_DP, QUANTITY_SCALE_DP, type Price, type Quantity } from '../../domain/money';
import type { ExecutionReport } from '../session/messages';

/** A fill's LastQty (32) and LastPx (31), decoded once where the report enters: what ApplyFill carries. */
export type FillTerms = { readonly quantity: Quantity; readonly price: Price };

/** Why a venue's fill cannot be booked as it stands: a protocol error of the venue's, not a refusal of ours. */
export type MalformedFill = { readonly tag: 31 | 32; readonly detail: string };

const term = <Scale extends number>(raw: string | undefined, tag: 31 | 32, name: string, scaleDp: Scale) => {
  if (raw === undefined) return E.left<MalformedFill>({ tag, detail: `${name} (${tag}) is missing on a fill` });
  if (!isScaledDecimal(raw, scaleDp)) return E.left<MalformedFill>({ tag, detail: `${name} (${tag}) "${raw}" is not a decimal of at most ${scaleDp} dp` });
  // The session codec bounds the digits; zero is no fill at all.
  return E.isLeft(positiveDecimal(raw)) ? E.left<MalformedFill>({ tag, detail: `${name} (${tag}) "${raw}" is not above zero` }) : E.right(raw);
};

/**
 * The session codec has already refused a LastQty or LastPx that is not a plain decimal (with a Reject);
 * this holds them to the ledger's scales, so a fill finer than a millionth of a share or a 1/10_000 tick
 * is the venue's error, named here, and never reaches the decider.
 */
export const decodeFillTerms = (report: Pick<ExecutionReport, 'lastQty' | 'lastPx'>): E.Either<MalformedFill, FillTerms> => {
  const quantity = term(report.lastQty, 32, 'LastQty', QUANTITY_SCALE_DP);
  if (E.isLeft(quantity)) return quantity;
  const price = term(report.lastPx, 31, 'LastPx', PRICE_SCALE_DP);
  if (E.isLeft(price)) return price;
  return E.right({ quantity: quantity.right, price: price.right });
};
