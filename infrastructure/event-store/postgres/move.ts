import type { Pool } from 'pg';
import { withTransaction } from '../../pg/with-transaction';
import { SEQ_BITS } from './schema';

/**
 * Moving the store to another PostgreSQL server (dump and restore, or a copy of the rows).
 *
 * Positions are the WRITING server's transaction ids (`xid << SEQ_BITS | seq`, see schema.ts), and
 * readers only return positions below the visibility bound of the server they read from. After a
 * restore on a server whose transaction ids are lower, every restored event sits above that bound
 * (invisible to readAll and subscribers), and the new server's own appends get positions below them,
 * so checkpoints saved against the old positions skip them. `moveEventStore` renumbers every event
 * 1, 2, 3, ... in its old order, which is below any transaction id the new server can still hand out,
 * and marks every projection checkpoint for rebuild, since their positions meant the old numbering.
 * Run it once, right after the restore, before any process uses the store.
 */

/** Events renumbered per statement, so a large store shows progress. */
export const MOVE_PAGE_EVENTS = 50_000;

/**
 * The contract with projections (projections/runner/checkpoints.ts): a table `projection_checkpoints`
 * with a `needs_rebuild boolean` column; a runner that finds it true rebuilds its model from position 0.
 */
export const PROJECTION_CHECKPOINTS_TABLE = 'projection_checkpoints';

export type MoveProgress =
  | { readonly phase: 'counted'; readonly events: number; readonly xid: bigint }
  | { readonly phase: 'renumbered'; readonly events: number; readonly of: number }
  | { readonly phase: 'checkpoints'; readonly marked: number; readonly tablePresent: boolean };

export type MoveResult = { readonly events: number; readonly checkpointsMarked: number; readonly lastPosition: bigint };

/** Transaction ids burnt (each in its own tiny transaction) before renumbering, at most: see ensureXidAbove. */
const XID_ADVANCES_MAX = 1_000_000;

/**
 * New positions run 1..events. Each must be below the bound readers use, the oldest transaction in
 * flight (this one, while renumbering, and any later one) << SEQ_BITS; so this server's transaction
 * id must exceed events >> SEQ_BITS. A fresh server is already past ~700 (about 7e8 events); below
 * that, ids are advanced by running empty transactions that take one.
 */
const ensureXidAbove = async (pool: Pool, xidMin: bigint): Promise<void> => {
  for (let advanced = 0; advanced < XID_ADVANCES_MAX; advanced += 1) {
    const { rows } = await pool.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    if (BigInt(rows[0]!.xid) > xidMin) return;
  }
  throw new Error(`could not advance the server's transaction ids past ${xidMin}`);
};

/** Renumbers every event in its old order and marks projection checkpoints for rebuild, in one transaction. */
export const moveEventStore = async (
  pool: Pool, options: { readonly onProgress?: (progress: MoveProgress) => void; readonly pageEvents?: number } = {},
): Promise<MoveResult> => {
  const onProgress = options.onProgress ?? (() => undefined);
  const pageEvents = options.pageEvents ?? MOVE_PAGE_EVENTS;
  const { rows: counted } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events');
  const events = Number(counted[0]!.n);
  await ensureXidAbove(pool, BigInt(events) >> BigInt(SEQ_BITS));
  return withTransaction(pool, async (client) => {
    // Nobody appends or reads while positions change: they are only consistent once this commits.
    await client.query('LOCK TABLE es_streams, es_events IN ACCESS EXCLUSIVE MODE');
    const { rows: tx } = await client.query<{ xid: string; n: string }>('SELECT pg_current_xact_id()::text AS xid, (SELECT count(*) FROM es_events)::text AS n');
    const total = Number(tx[0]!.n);
    onProgress({ phase: 'counted', events: total, xid: BigInt(tx[0]!.xid) });
    // Two passes, so no new position ever collides with an old one not yet renumbered: first every
    // position turns negative (old order reversed), then page by page they become 1..total.
    await client.query('UPDATE es_events SET position = -position');
    let done = 0;
    for (let pages = 0; pages <= Math.ceil(total / pageEvents); pages += 1) {
      const { rowCount } = await client.query(`
        WITH page AS (
          SELECT position, $1::bigint + row_number() OVER (ORDER BY position DESC) AS renumbered
          FROM es_events WHERE position < 0 ORDER BY position DESC LIMIT $2
        )
        UPDATE es_events e SET position = page.renumbered, tx_id = (page.renumbered >> ${SEQ_BITS})::text::xid8
        FROM page WHERE e.position = page.position`, [done, pageEvents]);
      if (!rowCount) break;
      done += rowCount;
      onProgress({ phase: 'renumbered', events: done, of: total });
    }
    if (done !== total) throw new Error(`renumbered ${done} of ${total} events`);
    const marked = await markProjectionCheckpointsForRebuild(client);
    onProgress({ phase: 'checkpoints', marked: marked ?? 0, tablePresent: marked !== undefined });
    return { events: total, checkpointsMarked: marked ?? 0, lastPosition: BigInt(total) };
  });
};

/**
 * Sets `needs_rebuild` on every projection checkpoint of this database; undefined when it holds none
 * (read models kept elsewhere, or none built yet). Exported for read models in another database.
 */
export const markProjectionCheckpointsForRebuild = async (client: Pick<Pool, 'query'>): Promise<number | undefined> => {
  const { rows } = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [PROJECTION_CHECKPOINTS_TABLE]);
  if (!rows[0]!.present) return undefined;
  const { rowCount } = await client.query(`UPDATE ${PROJECTION_CHECKPOINTS_TABLE} SET needs_rebuild = true`);
  return rowCount ?? 0;
};
