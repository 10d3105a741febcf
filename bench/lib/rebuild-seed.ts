import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { Client } from 'pg';
import { decide, evolve, initialState, type AccountCommand, type AccountEvent, type AccountState } from '../../domain/account';
import { asCash, asPrice, asQuantity } from '../../domain/money';
import { createPostgresEventStore } from '../../infrastructure/event-store/postgres';
import { SEQ_BITS } from '../../infrastructure/event-store/postgres/schema';
import { createProgressBar } from '../../scripts/progress-bar';
import { ADMIN_DATABASE_URL } from '../../test/support/pg-database';

export type SeedShape = { readonly accounts: number; readonly ordersPerAccount: number };
export type SeededLog = { readonly url: string; readonly name: string; readonly events: number; readonly reused: boolean; readonly seedSeconds: number };

/** Events per account per round: small, so each account's history is spread over the whole log, as live traffic would spread it. */
const EVENTS_PER_ROUND = 8;
/** Events per seeding transaction: far below the store's 2^20 events per transaction (positions are `tx id << 20 | seq`). */
const EVENTS_PER_TRANSACTION = 50_000;
const T0 = Date.UTC(2026, 10, 24, 15, 0, 0);
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA'];
/** Bump when the history below changes, so a cached database of the old shape is not reused. */
const SEED_VERSION = 2;

export const eventsOf = (shape: SeedShape): number => shape.accounts * (3 + 3 * shape.ordersPerAccount);

/** The events the account decider records for these commands, in order (a refusal is a bug in the bench: thrown). */
export const decided = (commands: readonly AccountCommand[]): AccountEvent[] => {
  let state: AccountState = initialState;
  const events: AccountEvent[] = [];
  for (const command of commands) {
    const decision = decide(command, state);
    if (E.isLeft(decision)) throw new Error(`${command.type} refused: ${decision.left.code}`);
    for (const event of decision.right) { state = evolve(state, event); events.push(event); }
  }
  return events;
};

/** One account's history: open, fund, then limit buys acknowledged and filled. */
const historyOf = (accountId: string, ordersPerAccount: number): AccountEvent[] => {
  const transferId = randomUUID();
  const commands: AccountCommand[] = [
    { type: 'OpenAccount', data: { accountId, email: `${accountId}@example.com`, atMs: T0 } },
    { type: 'RequestDeposit', data: { transferId, amount: asCash('1000.00'), atMs: T0 } },
    { type: 'SettleDeposit', data: { transferId, atMs: T0 } },
  ];
  for (let i = 0; i < ordersPerAccount; i += 1) {
    const orderId = randomUUID();
    const atMs = T0 + i * 1000;
    commands.push(
      { type: 'PlaceOrder', data: { orderId, symbol: SYMBOLS[i % SYMBOLS.length]!, side: 'buy', type: 'limit', quantity: asQuantity('0.5'), limitPrice: asPrice('10.00'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('10.00'), atMs } },
      { type: 'AcknowledgeOrder', data: { orderId, venue: 'SIM', atMs } },
      { type: 'ApplyFill', data: { orderId, execId: randomUUID(), quantity: asQuantity('0.5'), price: asPrice('9.99'), venue: 'SIM', atMs } },
    );
  }
  return decided(commands);
};

const withAdmin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try { return await work(client); } finally { await client.end(); }
};

const urlOf = (name: string): string => {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
};

/** The number of events a finished seed recorded in its database, or null when there is no finished seed. */
const finishedSeed = async (name: string): Promise<number | null> => {
  const exists = await withAdmin(async (admin) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (!exists) return null;
  const client = new Client({ connectionString: urlOf(name) });
  await client.connect();
  try {
    const { rows } = await client.query<{ events: string }>(`SELECT events::text FROM bench_seed WHERE finished`).catch(() => ({ rows: [] as Array<{ events: string }> }));
    return rows[0] === undefined ? null : Number(rows[0].events);
  } finally {
    await client.end();
  }
};

/**
 * A database holding the account log of `shape`, written through the PostgreSQL event store. Seeding a
 * million events takes a while, so the database is kept (named for its shape) and reused by the next run
 * unless `reseed`; a seed that did not finish is thrown away and written again.
 */
export const seededLog = async (shape: SeedShape, reseed: boolean, log: (message: string) => void): Promise<SeededLog> => {
  const name = `bench_rebuild_v${SEED_VERSION}_a${shape.accounts}_o${shape.ordersPerAccount}`;
  const url = urlOf(name);
  const total = eventsOf(shape);
  const found = reseed ? null : await finishedSeed(name);
  if (found === total) {
    log(`reusing the seeded database ${name} (${total.toLocaleString('en-US')} events; BENCH_RESEED=1 writes it again, DROP DATABASE ${name} frees the disk)`);
    return { url, name, events: total, reused: true, seedSeconds: 0 };
  }
  await withAdmin(async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  log(`seeding ${name}: ${shape.accounts.toLocaleString('en-US')} accounts, ${total.toLocaleString('en-US')} events (kept for the next run)`);
  const started = Date.now();
  // The store creates its tables; the log is then written straight into them, many streams per transaction,
  // exactly as the store's group commit lays it out (a position is the writing transaction's id << SEQ_BITS | seq).
  await (await createPostgresEventStore({ connectionString: url, poolSize: 1, listenForCommits: false })).close();
  await writeAccountLog(url, Array.from({ length: shape.accounts }, () => randomUUID()).map((accountId) => ({ accountId, events: historyOf(accountId, shape.ordersPerAccount) })));
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('CREATE TABLE bench_seed (events bigint NOT NULL, finished boolean NOT NULL)');
    await client.query('INSERT INTO bench_seed VALUES ($1, true)', [total]);
    await client.query('VACUUM ANALYZE es_events');
  } finally {
    await client.end();
  }
  return { url, name, events: total, reused: false, seedSeconds: (Date.now() - started) / 1000 };
};

type SeedRow = { stream_id: string; revision: number; event_id: string; type: string; data: unknown; seq: number };
export type AccountHistory = { readonly accountId: string; readonly events: readonly AccountEvent[] };

/**
 * Writes account histories (decided by the account decider) straight into the store's tables, many streams
 * per transaction, exactly as the store's group commit lays them out (a position is the writing transaction's
 * id << SEQ_BITS | seq). Accounts are interleaved, a few events each per round, as live traffic would be.
 * The store's own tables must exist (create the store once first).
 */
export const writeAccountLog = async (url: string, histories: readonly AccountHistory[]): Promise<void> => {
  const total = histories.reduce((sum, history) => sum + history.events.length, 0);
  const rounds = Math.ceil(Math.max(...histories.map((history) => history.events.length)) / EVENTS_PER_ROUND);
  const client = new Client({ connectionString: url });
  await client.connect();
  const bar = createProgressBar('events');
  let written = 0;
  let chunk: SeedRow[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await client.query('BEGIN');
    await client.query(`INSERT INTO es_events (position, tx_id, stream_id, revision, event_id, type, data, metadata, created_at_ms)
      SELECT (pg_current_xact_id()::text::bigint << ${SEQ_BITS}) | r.seq, pg_current_xact_id(), r.stream_id, r.revision, r.event_id, r.type, r.data,
        '{"actor":"system:bench"}'::jsonb, (extract(epoch FROM now()) * 1000)::bigint
      FROM jsonb_to_recordset($1::jsonb) AS r(stream_id text, revision bigint, event_id text, type text, data jsonb, seq int)`, [JSON.stringify(chunk)]);
    await client.query('COMMIT');
    written += chunk.length;
    chunk = [];
    bar.update(written, total, 'seeding');
  };
  try {
    for (let round = 0; round < rounds; round += 1) {
      for (const { accountId, events } of histories) {
        for (let revision = round * EVENTS_PER_ROUND; revision < Math.min(events.length, (round + 1) * EVENTS_PER_ROUND); revision += 1) {
          const event = events[revision]!;
          chunk.push({ stream_id: `account-${accountId}`, revision, event_id: randomUUID(), type: event.type, data: event.data, seq: chunk.length + 1 });
        }
        if (chunk.length >= EVENTS_PER_TRANSACTION) await flush();
      }
    }
    await flush();
    await client.query(`INSERT INTO es_streams (stream_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[])`,
      [histories.map((history) => `account-${history.accountId}`), histories.map((history) => history.events.length - 1)]);
    bar.finish(written, total, 'seeded');
  } finally {
    await client.end();
  }
};
