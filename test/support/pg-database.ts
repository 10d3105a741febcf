import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The machine's PostgreSQL server; tests create a database of their own on it so runs never collide. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDatabase = { readonly url: string; readonly name: string; drop(): Promise<void> };

/** How long `drop()` lets the test's own connections finish closing before it terminates them. */
const CONNECTIONS_CLOSE_WAIT_MS = 3_000;

const withAdmin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/**
 * A pool's end() can resolve while its sockets are still closing, and a write the test started may still be
 * settling. Terminating those connections (FORCE) makes their owner emit an 'error' with no listener, which
 * jest then pins on whatever test is running. So wait for them to leave first; FORCE is for real leaks only.
 */
const dropDatabase = (name: string) => withAdmin(async (client) => {
  const deadline = Date.now() + CONNECTIONS_CLOSE_WAIT_MS;
  for (;;) {
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = $1', [name]);
    if (rows[0]?.n === '0' || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

/** A fresh, empty database named after the test, dropped (with its connections) by `drop()`. */
export const createTestDatabase = async (label: string): Promise<TestDatabase> => {
  const name = `t_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => dropDatabase(name),
  };
};

/** A Redis key prefix no other run shares. */
export const testKeyPrefix = (label: string): string => `test:${label}:${randomBytes(4).toString('hex')}:`;
