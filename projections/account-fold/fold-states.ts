import { evolve, initialState, type AccountState } from '../../domain/account';
import { isTerminal } from '../../domain/account';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import type { AccountFact } from './account-events';

/** Account states kept in memory per model schema; past this the oldest loaded are dropped (and read back from the table). */
export const FOLD_CACHE_ACCOUNTS_MAX = 50_000;

export type FoldStep = AccountFact & { readonly state: AccountState };

/**
 * A read model that needs the account's state (status after a fill, cash buckets, positions) folds the
 * account decider's own `evolve`, so the model can never disagree with what the decider saw. The state
 * is kept per account in the model's `account_state` table, written in the batch's transaction.
 *
 * Stored states are trimmed of what no later event can touch: ended orders, applied ExecIDs and the
 * withdrawal ledger. That keeps each row small; it gives up only evolve's double-apply guards for those,
 * which the write side already enforced before the event was recorded.
 */
export const trimmed = (state: AccountState): AccountState => {
  if (state.status !== 'open') return state;
  const orders = Object.fromEntries(Object.entries(state.orders).filter(([, order]) => !isTerminal(order.status)));
  return { ...state, orders, appliedExecIds: {}, withdrawals: {} };
};

export const accountStateTableSql = (schema: string): string =>
  `CREATE TABLE IF NOT EXISTS ${schema}.account_state (account_id uuid PRIMARY KEY, state jsonb NOT NULL)`;

export type FoldStates = {
  /** Folds the batch's facts; returns every step with the state after it, in order. Saves the touched states. */
  fold(tx: SqlClient, schema: string, facts: readonly AccountFact[]): Promise<FoldStep[]>;
  forget(): void;
};

export const createFoldStates = (): FoldStates => {
  const bySchema = new Map<string, Map<string, AccountState>>();
  const cacheOf = (schema: string): Map<string, AccountState> => {
    let cache = bySchema.get(schema);
    if (cache === undefined) { cache = new Map(); bySchema.set(schema, cache); }
    return cache;
  };

  const load = async (tx: SqlClient, schema: string, cache: Map<string, AccountState>, accountIds: readonly string[]): Promise<void> => {
    const missing = accountIds.filter((id) => !cache.has(id));
    if (missing.length === 0) return;
    const { rows } = await tx.query<{ account_id: string; state: AccountState }>(
      { text: `SELECT account_id::text, state FROM ${schema}.account_state WHERE account_id = ANY($1::uuid[])` }, [missing]);
    const found = new Map(rows.map((row) => [row.account_id, row.state]));
    for (const id of missing) cache.set(id, found.get(id) ?? initialState);
  };

  return {
    fold: async (tx, schema, facts) => {
      if (facts.length === 0) return [];
      const cache = cacheOf(schema);
      const touched = [...new Set(facts.map((fact) => fact.accountId))];
      await load(tx, schema, cache, touched);
      const steps: FoldStep[] = [];
      for (const fact of facts) {
        const state = evolve(cache.get(fact.accountId)!, fact.event);
        cache.set(fact.accountId, state);
        steps.push({ ...fact, state });
      }
      const saved = touched.map((id) => trimmed(cache.get(id)!));
      touched.forEach((id, index) => cache.set(id, saved[index]!));
      await tx.query({
        text: `INSERT INTO ${schema}.account_state (account_id, state)
          SELECT * FROM unnest($1::uuid[], $2::jsonb[])
          ON CONFLICT (account_id) DO UPDATE SET state = EXCLUDED.state`,
      }, [touched, saved.map((state) => JSON.stringify(state))]);
      // Bounded: drop the oldest entries; they are read back from the table when next touched.
      for (const id of cache.keys()) {
        if (cache.size <= FOLD_CACHE_ACCOUNTS_MAX) break;
        cache.delete(id);
      }
      return steps;
    },
    forget: () => bySchema.clear(),
  };
};
