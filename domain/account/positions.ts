import type Big from 'big.js';
import { averagePriceString, big, cashString, proRataCash, quantityString, sumBig } from '../money';
import { openOrders, orderReservedShares } from './buying-power';
import { entry, type AccountState, type OpenAccountState, type TaxLot } from './state';

export const heldShares = (state: OpenAccountState, symbol: string): Big => big(entry(state.positions, symbol)?.quantity ?? '0');

export const reservedShares = (state: OpenAccountState, symbol: string): Big =>
  sumBig(openOrders(state).filter((o) => o.symbol === symbol && o.side === 'sell').map(orderReservedShares));

export const unreservedShares = (state: OpenAccountState, symbol: string): Big => heldShares(state, symbol).minus(reservedShares(state, symbol));

export type LotConsumption = { readonly lotId: string; readonly quantity: string; readonly costBasis: string };

/**
 * Take `quantity` shares from the lots, oldest first (FIFO). A partly consumed lot gives up its
 * cost basis pro rata (rounded down to the cent), so the lot's last share carries the remainder
 * and a lot's consumptions sum to its basis exactly.
 */
export const consumeLotsFifo = (lots: readonly TaxLot[], quantity: Big): LotConsumption[] => {
  const consumed: LotConsumption[] = [];
  let left = quantity;
  for (const lot of lots) {
    if (left.lte(0)) break;
    const take = left.lt(lot.quantity) ? left : big(lot.quantity);
    consumed.push({ lotId: lot.lotId, quantity: quantityString(take), costBasis: cashString(proRataCash(lot.costBasis, take, lot.quantity)) });
    left = left.minus(take);
  }
  return consumed;
};

/** Lots after a sale's consumptions (evolve's side of consumeLotsFifo). */
export const applyConsumption = (lots: readonly TaxLot[], consumed: readonly LotConsumption[]): TaxLot[] => {
  const byLot = new Map(consumed.map((c) => [c.lotId, c]));
  const result: TaxLot[] = [];
  for (const lot of lots) {
    const used = byLot.get(lot.lotId);
    if (used === undefined) {
      result.push(lot);
      continue;
    }
    const quantityLeft = big(lot.quantity).minus(used.quantity);
    if (quantityLeft.gt(0)) {
      result.push({ ...lot, quantity: quantityString(quantityLeft), costBasis: cashString(big(lot.costBasis).minus(used.costBasis)) });
    }
  }
  return result;
};

export type PositionView = {
  readonly symbol: string;
  readonly quantity: string;
  readonly reservedQuantity: string;
  readonly costBasis: string;
  readonly avgCost: string;
  readonly realizedPnl: string;
  readonly lots: readonly TaxLot[];
};

/** Positions with shares held, by symbol. Average cost = cost basis / shares, half-even to 4 dp. */
export const positions = (state: AccountState): PositionView[] => {
  if (state.status !== 'open') return [];
  return Object.values(state.positions)
    .filter((p) => big(p.quantity).gt(0))
    .sort((a, b) => (a.symbol < b.symbol ? -1 : 1))
    .map((p) => {
      const costBasis = sumBig(p.lots.map((l) => l.costBasis));
      return {
        symbol: p.symbol,
        quantity: p.quantity,
        reservedQuantity: quantityString(reservedShares(state, p.symbol)),
        costBasis: cashString(costBasis),
        avgCost: averagePriceString(costBasis, p.quantity),
        realizedPnl: p.realizedPnl,
        lots: p.lots,
      };
    });
};
