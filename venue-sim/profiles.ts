import type { FixOrdType } from '../fix-gateway/session/messages';
import { VENUES, type Venue } from '../streaming/market/venues';

/**
 * How each simulated venue behaves. The four are the venues the market data feed quotes, so a venue fills at
 * the prices a user sees it quote. They differ on purpose, so the router has something to choose between.
 */
export type VenueProfile = {
  readonly mic: Venue;
  /** Time from receiving a message to acting on it. */
  readonly latencyMs: number;
  /** Chance that a marketable order finds the quoted liquidity still there (otherwise it waits for the next quote). */
  readonly fillRate: number;
  /** Chance that a new order is refused outright (VENUE_REJECT). */
  readonly rejectRate: number;
  /** Chance that a fill takes only part of what it could, leaving the rest for the next quote. */
  readonly partialFillRate: number;
  readonly orderTypes: readonly FixOrdType[];
  /** The FIX acceptor's port in distributed mode (embedded and tests use an ephemeral one). */
  readonly fixPort: number;
};

export const VENUE_PROFILES: Readonly<Record<Venue, VenueProfile>> = {
  XNYS: { mic: 'XNYS', latencyMs: 4, fillRate: 0.97, rejectRate: 0.002, partialFillRate: 0.1, orderTypes: ['market', 'limit'], fixPort: 9101 },
  XNAS: { mic: 'XNAS', latencyMs: 2, fillRate: 0.95, rejectRate: 0.005, partialFillRate: 0.15, orderTypes: ['market', 'limit'], fixPort: 9102 },
  ARCX: { mic: 'ARCX', latencyMs: 3, fillRate: 0.9, rejectRate: 0.01, partialFillRate: 0.2, orderTypes: ['market', 'limit'], fixPort: 9103 },
  BATS: { mic: 'BATS', latencyMs: 1, fillRate: 0.85, rejectRate: 0.02, partialFillRate: 0.3, orderTypes: ['market', 'limit'], fixPort: 9104 },
};

export const venueProfile = (name: string): VenueProfile | undefined =>
  (VENUES as readonly string[]).includes(name) ? VENUE_PROFILES[name as Venue] : undefined;
