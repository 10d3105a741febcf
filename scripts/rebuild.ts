import Redis from 'ioredis';
import pino from 'pino';
import { createRedisBuyingPowerStore } from '../infrastructure/buying-power/redis';
import { createLogger } from '../infrastructure/logging';
import { createProjections, projectionNamed } from '../projections/all';
import { rebuildProjection } from '../projections/rebuild/rebuild';
import { openReadSide } from './open-read-side';
import { createProgressBar } from './progress-bar';

/**
 * `npm run rebuild -- <projection>`: builds the read model again from position 0 into fresh tables
 * while the platform runs, then swaps them in atomically (see projections/rebuild/rebuild.ts).
 */
const main = async () => {
  // Logs go to stderr: stdout carries the command's own output.
  const logger = createLogger({ name: 'rebuild', level: process.env.LOG_LEVEL ?? 'info', destination: pino.destination(2) });
  const name = process.argv[2];
  // The buying power model lives in Redis (distributed mode); embedded mode keeps it in memory and builds it at each start.
  const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined;
  const stores = redis === undefined ? {} : { buyingPower: createRedisBuyingPowerStore(redis, '') };
  const projection = name === undefined ? undefined : projectionNamed(name, stores);
  if (projection === undefined) {
    process.stderr.write(`usage: npm run rebuild -- <projection>   (one of: ${createProjections(stores).map((p) => p.name).join(', ')})\n`);
    process.exit(2);
  }
  const side = await openReadSide();
  try {
    const bar = createProgressBar('events');
    logger.info({ projection: projection.name, mode: side.mode }, 'rebuild started');
    let head = 0;
    const result = await rebuildProjection({
      store: side.store, db: side.db, projection,
      onProgress: (p) => { head = Math.max(head, Number(p.head)); bar.update(p.events, Math.max(head, p.events), p.phase); },
    });
    bar.finish(result.events, result.events, 'swapped in');
    const seconds = bar.elapsedMs() / 1000;
    logger.info({ projection: projection.name, events: result.events, position: result.position.toString(), seconds, eventsPerSecond: Math.round(result.events / seconds) }, 'rebuild swapped in');
  } finally {
    await side.close();
    redis?.disconnect();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
