import type { AllFilter, RecordedEvent } from '../port';
import type { SqlClient } from '../../pg/sql-client';
import { SEQ_BITS } from './schema';

const EVENT_COLUMNS = `position::text AS position, stream_id, revision::text AS revision, event_id, type, data, metadata,
  created_at_ms::text AS created_at_ms`;

/**
 * An event's row in EVENT_COLUMNS' order. Reads ask for arrays (`rowMode: 'array'`): the driver then builds no
 * object keyed by column name per row, a fifth of a page read's CPU in node (bench/rebuild's scan).
 */
export type EventTuple = readonly [
  position: string, streamId: string, revision: string, eventId: string, type: string,
  data: unknown, metadata: Record<string, unknown> | null, createdAtMs: string,
];

export const toRecordedEvent = (row: EventTuple): RecordedEvent => ({
  id: row[3], streamId: row[1], revision: BigInt(row[2]), position: BigInt(row[0]),
  type: row[4], data: row[5], metadata: row[6] ?? {}, createdAtMs: Number(row[7]),
});

/**
 * Every position below this bound belongs to a finished transaction, and every transaction that
 * can still commit writes above it (see schema.ts). `tx_id < xmin` is the same test as
 * `position < xmin << SEQ_BITS`; the second form is a range on the position index.
 */
const VISIBLE_BOUND_SQL = `(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${SEQ_BITS})`;

const SNAPSHOT_STATEMENT = {
  name: 'es_snapshot_v1',
  text: `SELECT pg_snapshot_xmin(s)::text AS xmin, pg_snapshot_xmax(s)::text AS xmax FROM pg_current_snapshot() s`,
} as const;

/** Default: how long a one-off read (readAll, headPosition) waits for transactions in flight when it starts. */
export const SETTLE_WAIT_MS_MAX = 1_000;
const SETTLE_POLL_MS = 2;

/**
 * The visibility bound once every transaction that was in flight when we started has finished,
 * so a read sees everything committed before it was called (read-your-writes for readAll and
 * headPosition). Bounded: a transaction left open elsewhere (in any database of the server) only
 * delays us SETTLE_WAIT_MS_MAX, and then `settled` is false: the bound may be below commits we missed.
 */
export const settledVisibleBound = async (
  client: SqlClient, waitMsMax: number = SETTLE_WAIT_MS_MAX, nowMs: () => number = Date.now,
): Promise<{ readonly bound: bigint; readonly settled: boolean }> => {
  const first = (await client.query<{ xmin: string; xmax: string }>(SNAPSHOT_STATEMENT)).rows[0]!;
  const target = BigInt(first.xmax);
  let xmin = BigInt(first.xmin);
  const deadlineMs = nowMs() + waitMsMax;
  while (xmin < target && nowMs() < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    xmin = BigInt((await client.query<{ xmin: string; xmax: string }>(SNAPSHOT_STATEMENT)).rows[0]!.xmin);
  }
  return { bound: xmin << BigInt(SEQ_BITS), settled: xmin >= target };
};

const escapeLike = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const filterParams = (filter: AllFilter | undefined): [string[] | null, string[] | null] => [
  filter?.eventTypes ? [...filter.eventTypes] : null,
  filter?.streamPrefixes ? filter.streamPrefixes.map(escapeLike) : null,
];

const ALL_PAGE_WHERE = `position > $1::bigint
    AND ($3::text[] IS NULL OR type = ANY($3::text[]))
    AND ($4::text[] IS NULL OR stream_id LIKE ANY($4::text[]))`;

const READ_ALL_BOUNDED = {
  name: 'es_read_all_bounded_v1',
  rowMode: 'array',
  text: `SELECT ${EVENT_COLUMNS} FROM es_events WHERE ${ALL_PAGE_WHERE} AND position < $5::bigint ORDER BY es_events.position LIMIT $2`,
} as const;

const READ_ALL_VISIBLE = {
  name: 'es_read_all_visible_v1',
  rowMode: 'array',
  text: `SELECT ${EVENT_COLUMNS} FROM es_events WHERE ${ALL_PAGE_WHERE} AND position < ${VISIBLE_BOUND_SQL} ORDER BY es_events.position LIMIT $2`,
} as const;

/** A page of $all after `fromPosition` (exclusive), ordered and paged by position; below `bound`, or below the live visibility bound. */
export const readAllPage = async (client: SqlClient, fromPosition: bigint, limit: number, filter: AllFilter | undefined, bound?: bigint): Promise<RecordedEvent[]> => {
  const params: unknown[] = [fromPosition.toString(), limit, ...filterParams(filter)];
  const { rows } = bound === undefined
    ? await client.query<EventTuple>(READ_ALL_VISIBLE, params)
    : await client.query<EventTuple>(READ_ALL_BOUNDED, [...params, bound.toString()]);
  return rows.map(toRecordedEvent);
};

const READ_STREAM = {
  name: 'es_read_stream_v1',
  rowMode: 'array',
  text: `SELECT ${EVENT_COLUMNS} FROM es_events WHERE stream_id = $1 AND revision >= $2::bigint ORDER BY es_events.revision LIMIT $3`,
} as const;

const READ_STREAM_BACKWARDS = {
  name: 'es_read_stream_backwards_v1',
  rowMode: 'array',
  text: `SELECT ${EVENT_COLUMNS} FROM es_events WHERE stream_id = $1 AND revision <= $2::bigint ORDER BY es_events.revision DESC LIMIT $3`,
} as const;

/** Revisions are bigints; this stands for "from the last event" going backwards. */
const REVISION_MAX = 9_223_372_036_854_775_807n;

/**
 * A stream's own order needs no visibility bound: its revisions are serialized by the stream row lock.
 * Backwards starts at `fromRevision` (or the stream's last event) and goes down.
 */
export const readStreamPage = async (
  client: SqlClient, streamId: string, fromRevision: bigint | undefined, limit: number, direction: 'forwards' | 'backwards' = 'forwards',
): Promise<RecordedEvent[]> =>
  (direction === 'forwards'
    ? await client.query<EventTuple>(READ_STREAM, [streamId, (fromRevision ?? 0n).toString(), limit])
    : await client.query<EventTuple>(READ_STREAM_BACKWARDS, [streamId, (fromRevision ?? REVISION_MAX).toString(), limit])
  ).rows.map(toRecordedEvent);

const HEAD = {
  name: 'es_head_v1',
  text: 'SELECT coalesce(max(position), 0)::text AS position FROM es_events WHERE position < $1::bigint',
} as const;

export const headBelow = async (client: SqlClient, bound: bigint): Promise<bigint> =>
  BigInt((await client.query<{ position: string }>(HEAD, [bound.toString()])).rows[0]!.position);

const STREAM_TAIL = {
  name: 'es_stream_tail_v1',
  text: `SELECT s.revision::text AS revision, (SELECT max(position) FROM es_events e WHERE e.stream_id = s.stream_id)::text AS position
    FROM es_streams s WHERE s.stream_id = $1`,
} as const;

/** The stream's last revision and the position of its last event (for empty appends). */
export const streamTail = async (client: SqlClient, streamId: string): Promise<{ revision: bigint; position: bigint } | undefined> => {
  const row = (await client.query<{ revision: string; position: string | null }>(STREAM_TAIL, [streamId])).rows[0];
  return row ? { revision: BigInt(row.revision), position: BigInt(row.position ?? '0') } : undefined;
};
