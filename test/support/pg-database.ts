import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The machine's PostgreSQL server; tests create a database of their own on it so runs never collide. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type TestDatabase = { readonly url: string; readonly name: string; drop(): Promise<void> };

const withAdmin = async (sql: string): Promise<void> => {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
};

/** A fresh, empty database named after the test, dropped (with its connections) by `drop()`. */
export const createTestDatabase = async (label: string): Promise<TestDatabase> => {
  const name = `t_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await withAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => withAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
};

/** A Redis key prefix no other run shares. */
export const testKeyPrefix = (label: string): string => `test:${label}:${randomBytes(4).toString('hex')}:`;
