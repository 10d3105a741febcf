import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'pg';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { moveEventStore, type MoveProgress } from '../infrastructure/event-store/postgres/move';
import { SEQ_BITS } from '../infrastructure/event-store/postgres/schema';
import { collect, type EventData, type EventStore, type RecordedEvent } from '../infrastructure/event-store/port';
import { createTestDatabase, type TestDatabase } from './support/pg-database';

const ROOT = path.resolve(__dirname, '..');
const STREAMS = 12;
const APPENDS_PER_STREAM = 25;
/**
 * One PostgreSQL server runs these tests, so source and target share its transaction ids. The source
 * is made to look like a server this far ahead in transaction ids, as a busy old server is, by
 * shifting its positions (and tx ids) when the rows are copied.
 */
const OLD_SERVER_XIDS_AHEAD = 5_000_000n;

let source: TestDatabase;
let target: TestDatabase;
let sourcePool: Pool;
let targetPool: Pool;

beforeAll(async () => {
  source = await createTestDatabase('move_source');
  target = await createTestDatabase('move_target');
  sourcePool = new Pool({ connectionString: source.url, max: 4 });
  targetPool = new Pool({ connectionString: target.url, max: 4 });
});
afterAll(async () => {
  await sourcePool?.end();
  await targetPool?.end();
  await source?.drop();
  await target?.drop();
});

const event = (n: number): EventData => ({ id: randomUUID(), type: 'Moved', data: { n }, metadata: { actor: 'system:test' } });

/** What a restore does: the same schema and rows in another server's database (positions as they were written there). */
const copyRows = async (): Promise<void> => {
  await (await createPostgresEventStore({ pool: targetPool, listenForCommits: false })).close(); // the schema
  const streams = await sourcePool.query<{ stream_id: string; revision: string }>('SELECT stream_id, revision::text FROM es_streams');
  for (const row of streams.rows) await targetPool.query('INSERT INTO es_streams (stream_id, revision) VALUES ($1, $2)', [row.stream_id, row.revision]);
  const shift = (OLD_SERVER_XIDS_AHEAD << BigInt(SEQ_BITS)).toString();
  const events = await sourcePool.query('SELECT * FROM es_events ORDER BY position');
  for (const row of events.rows) {
    await targetPool.query(
      `INSERT INTO es_events (position, tx_id, stream_id, revision, event_id, type, data, metadata, created_at_ms)
       VALUES ($1::bigint + $9::bigint, (($1::bigint + $9::bigint) >> ${SEQ_BITS})::text::xid8, $2, $3, $4, $5, $6, $7, $8)`,
      [row.position, row.stream_id, row.revision, row.event_id, row.type, row.data, row.metadata, row.created_at_ms, shift]);
  }
};

const runStoreMove = (databaseUrl: string): Promise<{ code: number | null; output: string }> => new Promise((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/store-move.ts')], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.once('exit', (code) => resolve({ code, output }));
});

const take = async (iterable: AsyncIterable<RecordedEvent>, count: number): Promise<RecordedEvent[]> => {
  const seen: RecordedEvent[] = [];
  for await (const recorded of iterable) {
    seen.push(recorded);
    if (seen.length >= count) break;
  }
  return seen;
};

describe('moving the store to another server', () => {
  it('npm run store:move renumbers positions in their old order: readers see every event once, in order, and keep going', async () => {
    const writer = await createPostgresEventStore({ pool: sourcePool, listenForCommits: false });
    await Promise.all(Array.from({ length: STREAMS }, async (_, s) => {
      for (let n = 0; n < APPENDS_PER_STREAM; n += 1) {
        await writer.appendToStream(`account-${s}`, [event(n)], { expectedRevision: n === 0 ? 'no_stream' : BigInt(n - 1) });
      }
    }));
    const original = await collect(writer.readAll());
    await writer.close();
    expect(original).toHaveLength(STREAMS * APPENDS_PER_STREAM);

    await copyRows();
    await targetPool.query('CREATE TABLE projection_checkpoints (name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, needs_rebuild boolean NOT NULL DEFAULT false)');
    await targetPool.query('INSERT INTO projection_checkpoints (name, position) VALUES ($1, $2), ($3, $4)',
      ['portfolio', original[100]!.position.toString(), 'audit', original[original.length - 1]!.position.toString()]);
    const restored: EventStore = await createPostgresEventStore({ pool: targetPool, listenForCommits: false, settleWaitMsMax: 50 });
    try {
      // The fault: restored positions sit above the new server's visibility bound, so readers see nothing.
      expect(await collect(restored.readAll())).toEqual([]);

      const moved = await runStoreMove(target.url);
      expect(moved.output).toContain('event store moved');
      expect(moved.code).toBe(0);

      const all = await collect(restored.readAll());
      expect(all.map((e) => e.id)).toEqual(original.map((e) => e.id));
      expect(all.every((e, i) => i === 0 || e.position > all[i - 1]!.position)).toBe(true);
      expect(all.map((e) => `${e.streamId}@${e.revision}`)).toEqual(original.map((e) => `${e.streamId}@${e.revision}`));

      // A subscriber from the start gets every event once, then the new server's events after them.
      const controller = new AbortController();
      const subscribed = take(restored.subscribeToAll({ fromPosition: 0n, signal: controller.signal }), original.length + 2);
      const fresh = await restored.appendToStream('account-0', [event(APPENDS_PER_STREAM)], { expectedRevision: BigInt(APPENDS_PER_STREAM - 1) });
      const another = await restored.appendToStream(`account-new-${randomUUID()}`, [event(0)], { expectedRevision: 'no_stream' });
      const seen = await subscribed;
      controller.abort();
      expect(seen.map((e) => e.id)).toEqual([...original.map((e) => e.id), ...seen.slice(original.length).map((e) => e.id)]);
      expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
      expect(fresh.kind === 'Appended' && another.kind === 'Appended').toBe(true);
      if (fresh.kind === 'Appended') expect(fresh.position).toBeGreaterThan(all[all.length - 1]!.position);

      // A retry of an old append still finds its events where they were, at their new positions.
      const first = original[0]!;
      await expect(restored.appendToStream(first.streamId, [{ id: first.id, type: first.type, data: first.data, metadata: first.metadata }], { expectedRevision: 'no_stream' }))
        .resolves.toEqual({ kind: 'Appended', nextRevision: 0n, position: all[0]!.position });

      const checkpoints = await targetPool.query<{ name: string; needs_rebuild: boolean }>('SELECT name, needs_rebuild FROM projection_checkpoints ORDER BY name');
      expect(checkpoints.rows).toEqual([{ name: 'audit', needs_rebuild: true }, { name: 'portfolio', needs_rebuild: true }]);
    } finally {
      await restored.close();
    }
  }, 60_000);

  it('moving in pages keeps the order across page boundaries and reports progress', async () => {
    const store = await createPostgresEventStore({ pool: targetPool, listenForCommits: false });
    try {
      const before = await collect(store.readAll());
      expect(before.length).toBeGreaterThan(20);
      const progress: MoveProgress[] = [];
      const moved = await moveEventStore(targetPool, { pageEvents: 7, onProgress: (p) => progress.push(p) });
      expect(moved.events).toBe(before.length);
      const after = await collect(store.readAll());
      expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
      expect(after.map((e) => e.position)).toEqual(before.map((_, i) => BigInt(i + 1)));
      const pages = progress.filter((p) => p.phase === 'renumbered');
      expect(pages).toHaveLength(Math.ceil(before.length / 7));
      expect(pages[pages.length - 1]).toEqual({ phase: 'renumbered', events: before.length, of: before.length });
    } finally {
      await store.close();
    }
  });
});
