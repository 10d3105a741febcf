/**
 * Why positions look the way they do.
 *
 * A sequence number is handed out when a row is written, not when its transaction commits, so
 * ordering by a bigserial lets a reader pass position 7 before the slow transaction holding
 * position 5 commits, and never come back for it. We order by the writing transaction's id
 * instead (`pg_current_xact_id()`, an xid8) and then by the event's place inside that
 * transaction. A reader only returns rows whose transaction id is below
 * `pg_snapshot_xmin(pg_current_snapshot())`: every transaction below it has finished, and every
 * transaction that can still commit has an id at or above it, so nothing can ever appear behind
 * a position a reader has already returned.
 *
 * That horizon is the whole server's: a transaction open in ANY database of it (a report, a psql
 * session left in BEGIN) holds every subscriber back for as long as it stays open. Run the store on a
 * server of its own, or set `idle_in_transaction_session_timeout` there (bench/subscriber-lag.ts
 * measures the lag). Positions are also the server's own: moving the store to another server needs
 * `npm run store:move` (postgres/move.ts).
 *
 * The port wants one bigint, so the pair is packed as `tx_id << SEQ_BITS | seq`. It is not dense
 * (EventStoreDB's commit positions are not either) but it strictly increases in reading order,
 * and because it is a plain indexed column, paging `WHERE position > $checkpoint ORDER BY
 * position` is one index range scan with the same key for ordering and paging. 43 bits of
 * transaction id last 8.8e12 transactions; 20 bits of sequence bound one transaction to
 * 1,048,575 events (the group-commit batcher stays far below that).
 */
export const SEQ_BITS = 20;
export const EVENTS_PER_TRANSACTION_MAX = (1 << SEQ_BITS) - 1;

/** Serializes concurrent migrations of processes starting together. */
export const MIGRATION_LOCK_KEY = 7_264_110_001;

export const SCHEMA_SQL = [
  `CREATE TABLE IF NOT EXISTS es_streams (
     stream_id text PRIMARY KEY,
     revision  bigint NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS es_events (
     position      bigint PRIMARY KEY,
     tx_id         xid8   NOT NULL,
     stream_id     text   NOT NULL,
     revision      bigint NOT NULL,
     event_id      text   NOT NULL,
     type          text   NOT NULL,
     data          jsonb  NOT NULL,
     metadata      jsonb  NOT NULL,
     created_at_ms bigint NOT NULL
   )`,
  'CREATE UNIQUE INDEX IF NOT EXISTS es_events_stream_revision ON es_events (stream_id, revision)',
  // One id, one place: a retry finds it there; the same id anywhere else is a conflict.
  'CREATE UNIQUE INDEX IF NOT EXISTS es_events_event_id ON es_events (event_id)',
];
