import { listAssets } from '../../domain/market/catalog';
import { decimalToTicks } from '../market/ticks';
import { invariant } from '../../domain/invariant';

/** The simulator's symbols and start prices from the tradable asset list (S&P 500). */
export const assetUniverse = (): { symbol: string; priceTicks: number }[] =>
  listAssets().map((asset) => {
    const priceTicks = decimalToTicks(asset.reference_price);
    invariant(priceTicks !== undefined && priceTicks > 0, `asset ${asset.symbol} has no usable reference price`);
    return { symbol: asset.symbol, priceTicks };
  });
