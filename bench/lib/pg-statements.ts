import { Client } from 'pg';

let statements = 0;
let counting = false;
export const kinds = new Map<string, number>();

/**
 * Counts the statements this process sends to PostgreSQL from now on (every pool and client goes through
 * Client.prototype.query): the round trips a unit of work costs. Returns the count so far.
 */
export const countPgStatements = (): (() => number) => {
  if (!counting) {
    counting = true;
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      statements += 1;
      if (process.env.BENCH_PG_KINDS !== undefined) {
        const first = args[0] as { name?: string; text?: string } | string;
        const kind = typeof first === 'string' ? first.slice(0, 40) : first.name ?? first.text?.slice(0, 40) ?? '?';
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
      return query.apply(this, args);
    } as typeof Client.prototype.query;
  }
  return () => statements;
};
