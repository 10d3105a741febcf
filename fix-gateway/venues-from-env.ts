import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import type { VenueConfig } from './engine/venue-config';

const VenueCodec = t.strict({
  name: t.string,
  host: t.string,
  port: t.Int,
  senderCompId: t.string,
  targetCompId: t.string,
  orderTypes: t.array(t.keyof({ market: null, limit: null })),
});

/** The simulated venues (`npm run start:venue -- <MIC>`) on this host, when FIX_VENUES does not say otherwise. */
export const SIMULATED_VENUES: readonly VenueConfig[] = [
  { name: 'XNYS', host: '127.0.0.1', port: 9101, senderCompId: 'BROKER', targetCompId: 'XNYS', orderTypes: ['market', 'limit'] },
  { name: 'XNAS', host: '127.0.0.1', port: 9102, senderCompId: 'BROKER', targetCompId: 'XNAS', orderTypes: ['market', 'limit'] },
  { name: 'ARCX', host: '127.0.0.1', port: 9103, senderCompId: 'BROKER', targetCompId: 'ARCX', orderTypes: ['market', 'limit'] },
  { name: 'BATS', host: '127.0.0.1', port: 9104, senderCompId: 'BROKER', targetCompId: 'BATS', orderTypes: ['market', 'limit'] },
];

/**
 * `FIX_VENUES`: a JSON array of `{ name, host, port, senderCompId, targetCompId, orderTypes }`, so the gateway
 * connects to any FIX 4.4 acceptor. Either the venues, or a message naming what is wrong.
 */
export const venuesFromEnv = (raw: string | undefined): E.Either<string, readonly VenueConfig[]> => {
  if (raw === undefined || raw.trim() === '') return E.right(SIMULATED_VENUES);
  let parsed: unknown;
  try { parsed = JSON.parse(raw); } catch { return E.left('FIX_VENUES is not JSON'); }
  const decoded = t.array(VenueCodec).decode(parsed);
  if (E.isLeft(decoded)) return E.left('FIX_VENUES must be an array of { name, host, port, senderCompId, targetCompId, orderTypes: ("market"|"limit")[] }');
  if (decoded.right.length === 0) return E.left('FIX_VENUES names no venue');
  return E.right(decoded.right);
};
