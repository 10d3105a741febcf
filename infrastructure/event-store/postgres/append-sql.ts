import { CONFLICT_TAIL_MAX, conflictTailRange, type AppendResult, type EventData, type ExpectedRevision, type RecordedEvent } from '../port';
import { invariant } from '../../../domain/invariant';
import type { SqlClient } from '../../pg/sql-client';
import { toRecordedEvent } from './read-sql';
import { SEQ_BITS } from './schema';

export type AppendRequest = {
  readonly streamId: string;
  readonly events: readonly EventData[];
  readonly expectedRevision: ExpectedRevision;
};

/** How an expected revision travels in the bigint[] parameter. Real revisions are >= 0. */
const EXPECT_NO_STREAM = '-1';
const EXPECT_ANY = '-2';

/**
 * Appends of many streams in ONE statement (so one round trip and one transaction per batch).
 * Each append is checked against its own stream on its own, in one upsert of every stream row
 * ordered by stream id: an exact revision updates only while `revision = expected` (re-evaluated on
 * the latest row version after a lock wait), `no_stream` only inserts, `any` always bumps. An append
 * whose guard fails simply writes nothing; the others in the batch go on. Appends that carry an event id
 * already stored are left out and answered from the `existing` rows (idempotent retry or
 * conflict, decided in `decideOutcome`). The caller puts each stream at most once per batch.
 */
const APPEND_BATCH_QUERY = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[]) WITH ORDINALITY AS t(stream_id, expected, event_count, append_idx)
), events_in AS (
  SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[])
    WITH ORDINALITY AS t(event_id, type, data, metadata, append_idx, offset_in_append, seq)
), existing AS (
  SELECT ev.append_idx, e.event_id, e.stream_id, e.revision, e.position
  FROM es_events e JOIN events_in ev ON ev.event_id = e.event_id
  WHERE e.event_id = ANY($4::text[])
), clean AS (
  SELECT i.* FROM input i WHERE NOT EXISTS (SELECT 1 FROM existing x WHERE x.append_idx = i.append_idx)
), locked AS (
  -- Every kind in ONE statement and one pass ordered by stream id, so every stream row is locked in
  -- stream-id order whatever kind of append touches it; two batches can then only wait for each
  -- other, never deadlock. An exact revision writes only if the (latest, locked) row still has it;
  -- \`any\` always writes; \`no_stream\` writes only by inserting (an existing row is locked, not changed).
  -- An exact revision on a stream missing from our snapshot inserts nothing: it is a conflict.
  INSERT INTO es_streams AS s (stream_id, revision)
  SELECT c.stream_id, c.event_count - 1 FROM clean c
  WHERE c.expected < 0 OR EXISTS (SELECT 1 FROM es_streams e WHERE e.stream_id = c.stream_id)
  ORDER BY c.stream_id
  ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + excluded.revision + 1
  WHERE (SELECT c.expected FROM clean c WHERE c.stream_id = excluded.stream_id) IN (s.revision, ${EXPECT_ANY})
  RETURNING s.stream_id, s.revision
), applied AS (
  SELECT c.append_idx, x.revision FROM locked x JOIN clean c ON c.stream_id = x.stream_id
), tx AS (
  SELECT pg_current_xact_id() AS tx_id, (pg_current_xact_id()::text::bigint << ${SEQ_BITS}) AS base,
         (extract(epoch FROM now()) * 1000)::bigint AS now_ms
), written AS (
  INSERT INTO es_events (position, tx_id, stream_id, revision, event_id, type, data, metadata, created_at_ms)
  SELECT tx.base | ev.seq, tx.tx_id, i.stream_id, a.revision - i.event_count + 1 + ev.offset_in_append,
         ev.event_id, ev.type, ev.data::jsonb, ev.metadata::jsonb, tx.now_ms
  FROM applied a JOIN input i USING (append_idx) JOIN events_in ev USING (append_idx) CROSS JOIN tx
  RETURNING 1
), refused AS (
  SELECT i.append_idx, i.stream_id, i.expected, s.revision AS actual
  FROM input i LEFT JOIN es_streams s ON s.stream_id = i.stream_id
  WHERE i.append_idx NOT IN (SELECT append_idx FROM applied)
)
SELECT 'applied' AS kind, a.append_idx::int AS append_idx, NULL AS event_id, NULL AS stream_id,
       a.revision::text AS revision, ((SELECT base FROM tx) | max(ev.seq))::text AS position,
       NULL::text AS type, NULL::jsonb AS data, NULL::jsonb AS metadata, NULL::text AS created_at_ms
FROM applied a JOIN events_in ev USING (append_idx) GROUP BY a.append_idx, a.revision
UNION ALL
SELECT 'existing', x.append_idx::int, x.event_id, x.stream_id, x.revision::text, x.position::text, NULL, NULL, NULL, NULL FROM existing x
UNION ALL
SELECT 'current', r.append_idx::int, NULL, NULL, r.actual::text, NULL, NULL, NULL, NULL, NULL FROM refused r
UNION ALL
-- A refused append's tail (port.ts, conflictTailRange): the events after its expected revision, read in the
-- statement's snapshot like the 'current' row, so the two agree.
SELECT 'tail', r.append_idx::int, e.event_id, e.stream_id, e.revision::text, e.position::text, e.type, e.data, e.metadata, e.created_at_ms::text
FROM refused r JOIN es_events e ON e.stream_id = r.stream_id AND e.revision > r.expected AND e.revision <= r.actual
WHERE r.expected >= ${EXPECT_NO_STREAM} AND r.actual > r.expected AND r.actual - r.expected <= ${CONFLICT_TAIL_MAX}`;

/**
 * The batch append as a function, so that each connection plans it once instead of on every call.
 * Planning this statement cost PostgreSQL more than running it (0.6-0.9 ms against 0.2-0.4 ms for one
 * append, EXPLAIN ANALYZE over the bench's 1,008,000 events). A plain prepared statement is not the
 * answer: PostgreSQL then picks a generic plan from the statistics it has when it picks, and on a new
 * store (empty tables) that plan scans es_streams and es_events, so throughput slid as they grew (bench/append:
 * 2,434 → 1,233 appends/s, 749/s by the end). Here the generic plan is forced, and made with sequential
 * scans off, so it is made of index lookups whatever the statistics say; it is remade whenever they change.
 * The parameters are the statement's $1..$9 (appendBatchParams). `use_column`: the result's column names
 * are also column names of the tables the statement reads, and mean those.
 */
export const APPEND_BATCH_FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION es_append_batch(text[], bigint[], int[], text[], text[], text[], text[], int[], int[])
  RETURNS TABLE (kind text, append_idx int, event_id text, stream_id text, revision text, "position" text,
                 type text, data jsonb, metadata jsonb, created_at_ms text)
  LANGUAGE plpgsql
  SET plan_cache_mode = force_generic_plan
  SET enable_seqscan = off
AS $fn$
#variable_conflict use_column
BEGIN
  RETURN QUERY ${APPEND_BATCH_QUERY};
END
$fn$`;

/** Named: the call itself is trivial to plan, and the function keeps its plan per connection. */
export const APPEND_BATCH_STATEMENT = {
  name: 'es_append_batch_v1',
  text: 'SELECT * FROM es_append_batch($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[])',
} as const;

export type AppendRow = {
  readonly kind: 'applied' | 'existing' | 'current' | 'tail';
  readonly append_idx: number;
  readonly event_id: string | null;
  readonly stream_id: string | null;
  readonly revision: string | null;
  readonly position: string | null;
  /** The rest of a 'tail' row's event; null on the other kinds. */
  readonly type: string | null;
  readonly data: unknown;
  readonly metadata: Record<string, unknown> | null;
  readonly created_at_ms: string | null;
};

/** A conflict's tail from its rows, when the port says it carries one (the rows are then exactly its range). */
const tailOf = (expected: ExpectedRevision, actual: bigint | 'no_stream', rows: readonly AppendRow[]): { readonly tail?: readonly RecordedEvent[] } => {
  const range = conflictTailRange(expected, actual);
  if (range === undefined) return {};
  // A 'tail' row carries every column of an event.
  const tail = rows.filter((row) => row.kind === 'tail')
    .map((row) => toRecordedEvent([row.position!, row.stream_id!, row.revision!, row.event_id!, row.type!, row.data, row.metadata, row.created_at_ms!]));
  tail.sort((a, b) => (a.revision < b.revision ? -1 : 1));
  invariant(tail.length === range.count, 'a conflict\'s tail rows disagree with its current revision');
  return { tail };
};

const encodeExpected = (expected: ExpectedRevision): string =>
  expected === 'no_stream' ? EXPECT_NO_STREAM : expected === 'any' ? EXPECT_ANY : expected.toString();

export const appendBatchParams = (requests: readonly AppendRequest[]): unknown[] => {
  const eventIds: string[] = [], types: string[] = [], datas: string[] = [], metas: string[] = [];
  const appendIdx: number[] = [], offsets: number[] = [];
  requests.forEach((request, index) => {
    request.events.forEach((event, offset) => {
      eventIds.push(event.id);
      types.push(event.type);
      datas.push(JSON.stringify(event.data ?? null));
      metas.push(JSON.stringify(event.metadata ?? {}));
      appendIdx.push(index + 1);
      offsets.push(offset);
    });
  });
  return [
    requests.map((r) => r.streamId), requests.map((r) => encodeExpected(r.expectedRevision)), requests.map((r) => r.events.length),
    eventIds, types, datas, metas, appendIdx, offsets,
  ];
};

/**
 * The outcome of one append of a batch. `settled: false` means the statement's snapshot cannot
 * tell: the guard failed although the snapshot showed the expected revision, so another
 * transaction committed in between (maybe the very same events). The caller runs it again alone,
 * in a fresh snapshot, and takes that answer.
 */
export const decideOutcome = (request: AppendRequest, rows: readonly AppendRow[]): { readonly result: AppendResult; readonly settled: boolean } => {
  const { streamId, expectedRevision: expected } = request;
  const applied = rows.find((row) => row.kind === 'applied');
  if (applied) {
    invariant(applied.revision !== null && applied.position !== null, 'applied append row without revision or position');
    return { result: { kind: 'Appended', nextRevision: BigInt(applied.revision), position: BigInt(applied.position) }, settled: true };
  }
  const current = rows.find((row) => row.kind === 'current');
  invariant(current !== undefined, `append of ${streamId} has neither an applied nor a current row`);
  const actual = current.revision === null ? 'no_stream' : BigInt(current.revision);
  const conflict: AppendResult = { kind: 'RevisionConflict', streamId, expected, actual, ...tailOf(expected, actual, rows) };
  const existing = rows.filter((row) => row.kind === 'existing');
  if (existing.length > 0) return { result: isSamePlace(request, existing) ?? conflict, settled: true };
  const snapshotMatched = expected === 'any' || (expected === 'no_stream' ? actual === 'no_stream' : actual === expected);
  return { result: conflict, settled: !snapshotMatched };
};

/** EventStoreDB's rule: the same ids at exactly the place this append would write them. */
const isSamePlace = (request: AppendRequest, existing: readonly AppendRow[]): AppendResult | undefined => {
  const byId = new Map(existing.map((row) => [row.event_id, row]));
  const first = byId.get(request.events[0]?.id ?? '');
  if (!first || first.revision === null) return undefined;
  const startRevision = request.expectedRevision === 'any' ? BigInt(first.revision)
    : request.expectedRevision === 'no_stream' ? 0n : request.expectedRevision + 1n;
  let last: AppendRow | undefined;
  for (const [offset, event] of request.events.entries()) {
    const row = byId.get(event.id);
    if (!row || row.stream_id !== request.streamId || row.revision === null || BigInt(row.revision) !== startRevision + BigInt(offset)) return undefined;
    last = row;
  }
  invariant(last !== undefined && last.revision !== null && last.position !== null, 'idempotent append without a last event');
  return { kind: 'Appended', nextRevision: BigInt(last.revision), position: BigInt(last.position) };
};

export const runAppendBatch = async (client: SqlClient, requests: readonly AppendRequest[]): Promise<Map<number, AppendRow[]>> => {
  const { rows } = await client.query<AppendRow>(APPEND_BATCH_STATEMENT, appendBatchParams(requests));
  const byAppend = new Map<number, AppendRow[]>();
  for (const row of rows) {
    const list = byAppend.get(row.append_idx - 1) ?? [];
    list.push(row);
    byAppend.set(row.append_idx - 1, list);
  }
  return byAppend;
};
