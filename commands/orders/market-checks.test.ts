import * as E from 'fp-ts/Either';
import { findAsset } from '../../domain/market/catalog';
import { asPrice } from '../../domain/money';
import { createLogger } from '../../infrastructure/logging';
import { createInMemoryMarketData } from '../../infrastructure/market/in-memory';
import { marketPreTradeChecks } from './market-checks';

const NOW_MS = Date.UTC(2026, 10, 25, 15);
const log = createLogger({ level: 'silent' });
const aapl = findAsset('AAPL')!;

const withQuote = async (bid: string | null, ask: string | null) => {
  const market = createInMemoryMarketData();
  await market.writeBatch([{ kind: 'quote', symbol: 'AAPL', json: JSON.stringify({ symbol: 'AAPL', bid, ask, bid_size: 1, ask_size: 1, last: null, volume: 0, ts: '2026-11-25T15:00:00.000Z' }) }]);
  return market;
};
const check = async (market: Awaited<ReturnType<typeof withQuote>> | undefined, side: 'buy' | 'sell', limitPrice?: string) =>
  marketPreTradeChecks(market, { asset: aapl, side, limitPrice: limitPrice === undefined ? undefined : asPrice(limitPrice), stopPrice: undefined, nowMs: NOW_MS }, log);

describe('market pre-trade checks: the reference price the decider gets is a Price, decoded here', () => {
  it('is the NBBO side the order meets', async () => {
    const market = await withQuote('187.41', '187.4275');
    expect(await check(market, 'buy')).toEqual(E.right({ referencePrice: '187.4275' }));
    expect(await check(market, 'sell')).toEqual(E.right({ referencePrice: '187.41' }));
  });
  it('is the asset\'s reference price without a quote, or when the quote\'s side is not a price of at most 4 dp', async () => {
    expect(await check(undefined, 'buy')).toEqual(E.right({ referencePrice: aapl.reference_price }));
    expect(await check(await withQuote('187.41', '187.42751'), 'buy')).toEqual(E.right({ referencePrice: aapl.reference_price }));
    expect(await check(await withQuote('-1.00', '187.42'), 'sell')).toEqual(E.right({ referencePrice: aapl.reference_price }));
  });
  it('refuses a limit price more than 10% from the side it meets, naming the field', async () => {
    expect(await check(await withQuote('99.00', '100.00'), 'buy', '110.01')).toEqual(E.left(expect.objectContaining({ code: 'PRICE_UNREASONABLE', field: 'limit_price' })));
  });
});
