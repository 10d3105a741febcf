import type { RebuildProgress } from '../../projections/rebuild/rebuild';

/**
 * A rebuild's total events, estimated as it goes. Positions are not event counts (the PostgreSQL store packs a
 * transaction id with the event's place in it; EventStoreDB's are byte offsets), so the events still to come
 * are the positions still to come at the rate of events per position read since the first report: unknown
 * (undefined) until a second report, exact once the rebuild reaches its head.
 */
export const rebuildTotalEstimator = (): ((progress: RebuildProgress) => number | undefined) => {
  let first: { readonly events: number; readonly position: bigint } | undefined;
  return ({ events, position, head }) => {
    if (position >= head) return events;
    if (first === undefined) { first = { events, position }; return undefined; }
    const positionsRead = position - first.position;
    if (positionsRead <= 0n || events <= first.events) return undefined;
    const eventsPerPosition = (events - first.events) / Number(positionsRead);
    return events + Math.round(Number(head - position) * eventsPerPosition);
  };
};
