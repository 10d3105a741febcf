import { chooseVenue, type VenueStanding } from './router';

const steady: VenueStanding = { fillRate: 0.9, speed: 0.9, stability: 1 };
const shaky: VenueStanding = { fillRate: 0.5, speed: 0.2, stability: 0.3 };
const venue = (name: string, bid: string | null, ask: string | null, standing = steady, takes = true) => ({ name, takes, quote: { venue: name, bid, ask }, standing });

describe('the smart order router', () => {
  it('sends a marketable buy only to a venue at the national best offer, however well another scores otherwise', () => {
    const decision = chooseVenue({ side: 'buy', orderType: 'market', limitPrice: null }, [
      venue('XNYS', '99.98', '100.02', steady),
      venue('BATS', '99.97', '100.01', shaky),
    ]);
    expect(decision).toMatchObject({ venue: 'BATS', nbboBid: '99.98', nbboAsk: '100.01' });
    expect(decision!.candidates.find((c) => c.venue === 'XNYS')).toMatchObject({ eligible: false, ask: '100.02' });
  });

  it('sends a marketable sell only to a venue at the national best bid', () => {
    const decision = chooseVenue({ side: 'sell', orderType: 'limit', limitPrice: '99.00' }, [venue('XNAS', '99.99', '100.03'), venue('ARCX', '99.98', '100.01')]);
    expect(decision?.venue).toBe('XNAS');
  });

  it('lets the other scores choose among venues at the NBBO, and for a resting limit order among all', () => {
    expect(chooseVenue({ side: 'buy', orderType: 'market', limitPrice: null }, [venue('XNYS', '99.98', '100.01', shaky), venue('XNAS', '99.98', '100.01', steady)])?.venue).toBe('XNAS');
    // A buy limit below the offer rests: a venue a cent off the best may win on fill rate, speed and stability.
    const resting = chooseVenue({ side: 'buy', orderType: 'limit', limitPrice: '99.00' }, [venue('XNYS', '99.98', '100.01', shaky), venue('XNAS', '99.98', '100.02', steady)]);
    expect(resting?.venue).toBe('XNAS');
    expect(resting?.candidates.every((c) => c.eligible)).toBe(true);
  });

  it('never picks a venue that does not take the order type, and answers null when none is eligible', () => {
    expect(chooseVenue({ side: 'buy', orderType: 'market', limitPrice: null }, [venue('XNYS', '99.98', '100.01', steady, false), venue('XNAS', '99.98', '100.02')])).toBeNull();
    expect(chooseVenue({ side: 'buy', orderType: 'limit', limitPrice: '1.00' }, [venue('XNYS', null, null, steady, false)])).toBeNull();
  });

  it('routes on standing alone when no venue quotes the symbol, and records that there was no NBBO', () => {
    const decision = chooseVenue({ side: 'buy', orderType: 'market', limitPrice: null }, [venue('XNYS', null, null, shaky), venue('XNAS', null, null, steady)]);
    expect(decision).toMatchObject({ venue: 'XNAS', nbboBid: null, nbboAsk: null });
  });
});
