import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { registerEventStoreContract } from './support/event-store-contract';
import { createPostgresEventStore } from '../infrastructure/event-store/postgres';
import { runAppendBatch } from '../infrastructure/event-store/postgres/append-sql';
import { collect, type AppendResult, type EventStore, type ExpectedRevision, type RecordedEvent } from '../infrastructure/event-store/port';
import { createTestDatabase, type TestDatabase } from './support/pg-database';
import type { SqlClient } from '../infrastructure/pg/sql-client';

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase('event_store');
  pool = new Pool({ connectionString: database.url, max: 8 });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

registerEventStoreContract('PostgreSQL server (pg Pool)', () => createPostgresEventStore({ pool }), { eventIdsUniqueAcrossStreams: true });

const appendedOk = (result: AppendResult) => expect(result.kind).toBe('Appended');

const asSqlClient = (client: Client): SqlClient => ({
  query: async <R>(statement: { text: string }, params: readonly unknown[] = []) => ({ rows: (await client.query(statement.text, [...params])).rows as R[] }),
});

describe('PostgreSQL server: a transaction that commits late', () => {
  let store: EventStore;
  const clients: Client[] = [];
  // readAll waits this long for the open slow transaction before answering without it.
  beforeAll(async () => { store = await createPostgresEventStore({ pool, settleWaitMsMax: 50 }); });
  afterAll(async () => {
    await store?.close();
    for (const client of clients) await client.end();
  });

  it('holds the subscriber at the slow transaction, then delivers both exactly once, in position order', async () => {
    const prefix = `late${randomUUID().slice(0, 8)}_`;
    const start = (await store.headPosition()).position;
    const connect = async () => {
      const client = new Client({ connectionString: database.url });
      await client.connect();
      clients.push(client);
      return client;
    };
    const [slow, fast] = [await connect(), await connect()];
    const controller = new AbortController();
    const seen: RecordedEvent[] = [];
    const subscriber = (async () => {
      for await (const recorded of store.subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [prefix] }, signal: controller.signal })) {
        seen.push(recorded);
        if (seen.length === 3) controller.abort();
      }
    })();

    // The slow transaction takes its (lower) position first and commits last.
    await slow.query('BEGIN');
    await runAppendBatch(asSqlClient(slow), [{ streamId: `${prefix}slow`, events: [{ id: randomUUID(), type: 'Slow', data: {} }], expectedRevision: 'no_stream' }]);
    await fast.query('BEGIN');
    await runAppendBatch(asSqlClient(fast), [{ streamId: `${prefix}fast`, events: [{ id: randomUUID(), type: 'Fast', data: {} }], expectedRevision: 'no_stream' }]);
    await fast.query('COMMIT');
    const fastRow = await pool.query<{ position: string }>('SELECT position::text FROM es_events WHERE stream_id = $1', [`${prefix}fast`]);
    const fastPosition = BigInt(fastRow.rows[0]!.position);

    // Committed, yet not visible to $all readers while an older transaction is in flight.
    const pollsMax = 3;
    for (let poll = 0; poll < pollsMax; poll += 1) {
      const visible = await collect(store.readAll({ fromPosition: start, filter: { streamPrefixes: [prefix] } }));
      expect(visible).toEqual([]);
      // The head gave up waiting for the slow transaction, and says so.
      expect(await store.headPosition()).toEqual({ position: expect.any(BigInt), mayBeBehind: true });
      expect((await store.headPosition()).position).toBeLessThan(fastPosition);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(seen).toEqual([]);

    await slow.query('COMMIT');
    await store.appendToStream(`${prefix}after`, [{ id: randomUUID(), type: 'After', data: {} }], { expectedRevision: 'no_stream' });
    await subscriber;

    expect(seen.map((e) => e.type)).toEqual(['Slow', 'Fast', 'After']);
    expect(seen[0]!.position).toBeLessThan(seen[1]!.position);
    expect(seen[1]!.position).toBe(fastPosition);
    const all = await collect(store.readAll({ fromPosition: start, filter: { streamPrefixes: [prefix] } }));
    expect(all.map((e) => e.id)).toEqual(seen.map((e) => e.id));
  });
});

describe('PostgreSQL server: subscribers of another process', () => {
  it('wake on NOTIFY, long before their poll interval', async () => {
    // The subscriber's store would poll only once an hour: only the NOTIFY can deliver in time.
    const writer = await createPostgresEventStore({ pool });
    const reader = await createPostgresEventStore({ pool, pollIntervalMs: 3_600_000 });
    try {
      const prefix = `notify${randomUUID().slice(0, 8)}_`;
      const start = (await reader.headPosition()).position;
      const controller = new AbortController();
      const received = (async () => {
        for await (const recorded of reader.subscribeToAll({ fromPosition: start, filter: { streamPrefixes: [prefix] }, signal: controller.signal })) {
          controller.abort();
          return recorded;
        }
        return undefined;
      })();
      await new Promise((resolve) => setTimeout(resolve, 50)); // let the subscriber finish its catch-up read and sleep
      const result = await writer.appendToStream(`${prefix}a`, [{ id: randomUUID(), type: 'Woken', data: {} }], { expectedRevision: 'no_stream' });
      expect(result.kind).toBe('Appended');
      expect((await received)?.type).toBe('Woken');
    } finally {
      await writer.close();
      await reader.close();
    }
  }, 10_000);
});

describe('PostgreSQL server: subscribers filtered by event type', () => {
  it('sleep through commits of other types (read nothing for them) and wake on their own, in this process and another', async () => {
    const readerPool = new Pool({ connectionString: database.url, max: 4 });
    let reads = 0;
    const query = readerPool.query.bind(readerPool) as (...args: unknown[]) => unknown;
    readerPool.query = ((...args: unknown[]) => {
      if ((args[0] as { name?: string }).name?.startsWith('es_read_all') === true) reads += 1;
      return query(...args);
    }) as typeof readerPool.query;
    // Polls once an hour: only a wake-up delivers in time.
    const reader = await createPostgresEventStore({ pool: readerPool, pollIntervalMs: 3_600_000 });
    const writer = await createPostgresEventStore({ pool });
    const prefix = `typed${randomUUID().slice(0, 8)}_`;
    const controller = new AbortController();
    const received: string[] = [];
    let arrived: () => void = () => undefined;
    const start = (await reader.headPosition()).position;
    const subscription = (async () => {
      for await (const recorded of reader.subscribeToAll({ fromPosition: start, filter: { eventTypes: ['Wanted'] }, signal: controller.signal })) {
        if (!recorded.streamId.startsWith(prefix)) continue;
        received.push(String((recorded.data as { n: number }).n));
        arrived();
      }
    })();
    const next = () => new Promise<void>((resolve) => { arrived = resolve; });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
    try {
      for (const [n, store] of [[1, writer], [2, reader]] as const) {
        const delivered = next();
        appendedOk(await store.appendToStream(`${prefix}w${n}`, [{ id: randomUUID(), type: 'Wanted', data: { n } }], { expectedRevision: 'no_stream' }));
        await delivered;
        await settle();
        const readsBefore = reads;
        for (let k = 0; k < 5; k += 1) appendedOk(await store.appendToStream(`${prefix}o${n}-${k}`, [{ id: randomUUID(), type: 'Other', data: {} }], { expectedRevision: 'no_stream' }));
        await settle();
        expect(reads - readsBefore).toBe(0);
      }
      const delivered = next();
      appendedOk(await writer.appendToStream(`${prefix}w3`, [{ id: randomUUID(), type: 'Wanted', data: { n: 3 } }], { expectedRevision: 'no_stream' }));
      await delivered;
      expect(received).toEqual(['1', '2', '3']);
    } finally {
      controller.abort();
      await subscription;
      await writer.close();
      await reader.close();
      await readerPool.end();
    }
  }, 20_000);
});

describe('PostgreSQL server: group commit isolates a failing append', () => {
  it('an append PostgreSQL refuses fails alone; the appends batched with it are written', async () => {
    // One batch at a time, so the appends submitted together after the first share one statement.
    const store = await createPostgresEventStore({ pool, batchesInFlightMax: 1, listenForCommits: false });
    try {
      const prefix = `poison${randomUUID().slice(0, 8)}_`;
      const appendsTotal = 40;
      const poisonedIndexes = new Set([10, 25]);
      const outcomes = await Promise.allSettled(Array.from({ length: appendsTotal }, (_, n) =>
        store.appendToStream(`${prefix}${n}`, [{ id: randomUUID(), type: 'Named', data: { name: poisonedIndexes.has(n) ? (n === 10 ? 'Ann\u0000' : 'Lee\ud800') : 'Ann' } }], { expectedRevision: 'no_stream' })));
      outcomes.forEach((outcome, n) => {
        if (poisonedIndexes.has(n)) expect(outcome.status).toBe('rejected');
        else expect(outcome).toMatchObject({ status: 'fulfilled', value: { kind: 'Appended', nextRevision: 0n } });
      });
      for (const n of poisonedIndexes) expect(await collect(store.readStream(`${prefix}${n}`))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL server: one lock order across append kinds', () => {
  const connectShortDeadlockTimeout = async () => {
    // A short deadlock timeout only makes a deadlock quick to detect; it cannot cause one.
    const client = new Client({ connectionString: database.url, options: '-c deadlock_timeout=20ms' });
    await client.connect();
    const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    return { client, pid };
  };
  const waitUntilBlocked = async (pid: number) => {
    const pollsMax = 500;
    for (let poll = 0; poll < pollsMax; poll += 1) {
      const { rows } = await pool.query<{ waiting: boolean }>('SELECT wait_event_type = \'Lock\' AS waiting FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rows[0]?.waiting) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`backend ${pid} never waited for a lock`);
  };

  it('an exact append on X with an any on Y, next to an exact on Y with an any on X: both wait in turn, no deadlock', async () => {
    const prefix = `locks${randomUUID().slice(0, 8)}_`;
    const [x, y] = [`${prefix}x`, `${prefix}y`];
    const store = await createPostgresEventStore({ pool, listenForCommits: false });
    const created = async (id: string) => store.appendToStream(id, [{ id: randomUUID(), type: 'Created', data: {} }], { expectedRevision: 'no_stream' });
    await created(x);
    await created(y);
    await store.close();
    const [holder, first, second] = [(await connectShortDeadlockTimeout()).client, await connectShortDeadlockTimeout(), await connectShortDeadlockTimeout()];
    const one = (streamId: string, expectedRevision: ExpectedRevision) => ({ streamId, events: [{ id: randomUUID(), type: 'Mixed', data: {} }], expectedRevision });
    try {
      // The holder keeps X, so both batches queue on it: `first` is first in line for X.
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM es_streams WHERE stream_id = $1 FOR UPDATE', [x]);
      const firstBatch = runAppendBatch(asSqlClient(first.client), [one(x, 0n), one(y, 'any')]);
      await waitUntilBlocked(first.pid);
      const secondBatch = runAppendBatch(asSqlClient(second.client), [one(y, 0n), one(x, 'any')]);
      await waitUntilBlocked(second.pid);
      await holder.query('COMMIT');
      const outcomes = await Promise.allSettled([firstBatch, secondBatch]);
      const deadlocks = outcomes.filter((outcome) => outcome.status === 'rejected' && (outcome.reason as { code?: string }).code === '40P01');
      expect(deadlocks).toEqual([]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
      const { rows } = await pool.query<{ stream_id: string; revision: string }>('SELECT stream_id, revision::text FROM es_streams WHERE stream_id = ANY($1) ORDER BY stream_id', [[x, y]]);
      // Each stream got its any append; of the two exact appends at revision 0 on X and Y, exactly the
      // ones that ran before the other batch's any on the same stream succeeded.
      const written = (await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM es_events WHERE stream_id = ANY($1)', [[x, y]])).rows[0]!.n;
      expect(rows.reduce((sum, row) => sum + Number(row.revision) + 1, 0)).toBe(Number(written));
      expect(Number(written)).toBeGreaterThanOrEqual(4);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      for (const client of [holder, first.client, second.client]) await client.end();
    }
  });
});

describe('PostgreSQL server: the append plan', () => {
  // es_append_batch keeps one generic plan per connection; made from a new store's empty statistics it
  // could scan the tables, and then every append would read them whole as they grow.
  it('reads es_streams and es_events only through their indexes, from a new store on', async () => {
    const fresh = await createTestDatabase('append_plan');
    const seqScans = async (): Promise<Record<string, number>> => {
      const client = new Client({ connectionString: fresh.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ relname: string; seq_scan: string }>(
          "SELECT relname, seq_scan::text FROM pg_stat_user_tables WHERE relname IN ('es_streams', 'es_events')");
        return Object.fromEntries(rows.map((row) => [row.relname, Number(row.seq_scan)]));
      } finally {
        await client.end();
      }
    };
    try {
      // Closing a store ends its connections, which hands their statistics to the server.
      await (await createPostgresEventStore({ connectionString: fresh.url, listenForCommits: false })).close();
      const before = await seqScans();
      const store = await createPostgresEventStore({ connectionString: fresh.url, listenForCommits: false, poolSize: 4 });
      const event = () => ({ id: randomUUID(), type: 'Deposited', data: { amount: '1.00' } });
      const revisions = new Map<number, bigint>();
      const appendTo = async (index: number): Promise<AppendResult> => {
        const result = await store.appendToStream(`plan-${index}`, [event(), event()], { expectedRevision: revisions.get(index) ?? 'no_stream' });
        if (result.kind === 'Appended') revisions.set(index, result.nextRevision);
        return result;
      };
      // New streams, then existing ones, many at once so they share statements; a stale revision; an idempotent retry.
      for (let round = 0; round < 3; round += 1) (await Promise.all(Array.from({ length: 40 }, (_, index) => appendTo(index)))).forEach(appendedOk);
      expect((await store.appendToStream('plan-0', [event()], { expectedRevision: 0n })).kind).toBe('RevisionConflict');
      const retried = [event()];
      appendedOk(await store.appendToStream('plan-1', retried, { expectedRevision: revisions.get(1)! }));
      appendedOk(await store.appendToStream('plan-1', retried, { expectedRevision: revisions.get(1)! }));
      await store.close();
      expect(await seqScans()).toEqual(before);
    } finally {
      await fresh.drop();
    }
  });
});
