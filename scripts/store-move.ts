import { markProjectionCheckpointsForRebuild, moveEventStore, type MoveProgress } from '../infrastructure/event-store/postgres/move';
import { migrateEventStore } from '../infrastructure/event-store/postgres/migrate';
import { createLogger } from '../infrastructure/logging';
import { createPool } from '../infrastructure/pg/pool';
import { sqlDatabaseFromPool } from '../infrastructure/pg/sql-client';

/**
 * `npm run store:move`: run once on the NEW server, right after restoring the event store there
 * (pg_dump/pg_restore, or a copy of es_streams and es_events), before any process uses it. Renumbers
 * every event's position into the new server's range in the old order, and marks every projection
 * checkpoint for rebuild (in DATABASE_URL, and in PROJECTIONS_DATABASE_URL when read models live in
 * another database). See infrastructure/event-store/postgres/move.ts for why.
 */
const main = async () => {
  // Only these two settings: a one-off tool needs none of the services' configuration.
  const databaseUrl = process.env.DATABASE_URL;
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'store-move' });
  if (databaseUrl === undefined || databaseUrl === '') throw new Error('set DATABASE_URL to the database the event store was restored into');
  const pool = createPool({ connectionString: databaseUrl, max: 2 }, { name: 'store-move', logger });
  try {
    await migrateEventStore(sqlDatabaseFromPool(pool, false));
    const report = (progress: MoveProgress) => {
      switch (progress.phase) {
        case 'counted': logger.info({ events: progress.events, xid: progress.xid.toString() }, 'store locked; renumbering positions'); break;
        case 'renumbered': logger.info({ done: progress.events, of: progress.of, percent: Math.round((100 * progress.events) / Math.max(progress.of, 1)) }, 'renumbering'); break;
        case 'checkpoints': logger.info({ marked: progress.marked, tablePresent: progress.tablePresent }, 'projection checkpoints marked for rebuild'); break;
      }
    };
    const moved = await moveEventStore(pool, { onProgress: report });
    const elsewhere = process.env.PROJECTIONS_DATABASE_URL;
    if (elsewhere !== undefined && elsewhere !== databaseUrl) {
      const projections = createPool({ connectionString: elsewhere, max: 1 }, { name: 'store-move-projections', logger });
      try {
        logger.info({ marked: await markProjectionCheckpointsForRebuild(projections) ?? 0 }, 'projection checkpoints of PROJECTIONS_DATABASE_URL marked for rebuild');
      } finally {
        await projections.end();
      }
    }
    logger.info({ events: moved.events, lastPosition: moved.lastPosition.toString(), checkpointsMarked: moved.checkpointsMarked }, 'event store moved');
  } finally {
    await pool.end();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
