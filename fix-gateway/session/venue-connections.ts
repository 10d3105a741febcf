import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { formatValidationErrors } from '../../infrastructure/http/validation-errors';
import type { FixOrdType } from './messages';

/**
 * Venues are configuration: where each is, who each side is on FIX, and what each takes. The gateway
 * connects to any standard FIX 4.4 acceptor described here, not only the simulated ones. Read from
 * FIX_VENUES (a JSON array); without it, the four simulated venues on this machine.
 */
export type VenueConnection = {
  /** The venue's name (its MIC for ours); also the session's name in the store with the CompIDs. */
  readonly venue: string;
  readonly host: string;
  readonly port: number;
  /** Ours, on every message we send (49). */
  readonly senderCompId: string;
  /** Theirs (56). */
  readonly targetCompId: string;
  readonly orderTypes: readonly FixOrdType[];
  readonly heartbeatIntervalS: number;
  /** Whether it takes CashOrderQty (152) for notional orders; otherwise the gateway sends shares. */
  readonly cashOrderQty: boolean;
};

export const DEFAULT_HEARTBEAT_INTERVAL_S = 30;

const CompId = t.refinement(t.string, (s) => /^[A-Za-z0-9_.-]{1,32}$/.test(s), 'CompID');
const Port = t.refinement(t.number, (n) => Number.isInteger(n) && n > 0 && n <= 65_535, 'Port');
const OrdType = t.keyof({ market: null, limit: null, stop: null, stop_limit: null });
const VenueConnectionCodec = t.intersection([
  t.type({ venue: CompId, host: t.string, port: Port, senderCompId: CompId, targetCompId: CompId, orderTypes: t.array(OrdType) }),
  t.partial({ heartbeatIntervalS: t.refinement(t.number, (n) => Number.isInteger(n) && n >= 1 && n <= 300, 'HeartbeatSeconds'), cashOrderQty: t.boolean }),
]);

/** The store key of a venue's session: one per venue and CompID pair. */
export const sessionName = (connection: VenueConnection): string => `${connection.venue}:${connection.senderCompId}->${connection.targetCompId}`;

/** The simulated venues (venue-sim/profiles.ts ports 9101-9104) as a gateway on this host reaches them. */
export const localSimulatedVenues = (ports: Readonly<Record<string, number>> = { XNYS: 9101, XNAS: 9102, ARCX: 9103, BATS: 9104 }): VenueConnection[] =>
  Object.entries(ports).map(([venue, port]) => ({
    venue, host: '127.0.0.1', port, senderCompId: 'BROKER', targetCompId: venue, orderTypes: ['market', 'limit'], heartbeatIntervalS: DEFAULT_HEARTBEAT_INTERVAL_S, cashOrderQty: false,
  }));

/** FIX_VENUES, validated; a bad entry is named. Pure. */
export const parseVenueConnections = (raw: string | undefined): E.Either<string, VenueConnection[]> => {
  if (raw === undefined || raw.trim() === '') return E.right(localSimulatedVenues());
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return E.left('FIX_VENUES is not JSON');
  }
  const decoded = t.array(VenueConnectionCodec).decode(json);
  if (E.isLeft(decoded)) return E.left(`FIX_VENUES: ${formatValidationErrors(decoded.left, {})}`);
  const venues = decoded.right.map((v) => ({ ...v, heartbeatIntervalS: v.heartbeatIntervalS ?? DEFAULT_HEARTBEAT_INTERVAL_S, cashOrderQty: v.cashOrderQty ?? false }));
  const names = new Set(venues.map((v) => v.venue));
  if (names.size !== venues.length) return E.left('FIX_VENUES names a venue twice');
  if (venues.length === 0) return E.left('FIX_VENUES is empty');
  return E.right(venues);
};
