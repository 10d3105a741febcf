import { evolve, initialState, type AccountState, type OpenAccountState, type OrderRecord } from '../../domain/account';
import { isTerminal } from '../../domain/account';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import type { AccountFact } from './account-events';
import { copyField, createCopyRows } from '../../infrastructure/pg/copy-rows';
import { inChunks, inChunksSideBySide } from './chunks';

/** Account states kept in memory per model schema once saved; past this the oldest saved are dropped (and read back from the table). */
export const FOLD_CACHE_ACCOUNTS_MAX = 50_000;
/** States per statement when saving (an upsert's JSON document, or a COPY's rows): a few megabytes. */
const SAVE_CHUNK_STATES = 2_000;
/** COPY statements of new states in flight at once: PostgreSQL parses each state's document while node encodes the next slice. */
const SAVE_COPIES_IN_FLIGHT = 2;

export type FoldStep = AccountFact & { readonly state: AccountState };

/**
 * A read model that needs the account's state (status after a fill, cash buckets, positions) folds the
 * account decider's own `evolve`, so the model can never disagree with what the decider saw. The state
 * is kept per account in the model's `account_state` table, written in the transaction that writes the
 * rows folded from it.
 *
 * Stored states are trimmed of what no later event can touch: ended orders, applied ExecIDs and the
 * withdrawal ledger. That keeps each row small; it gives up only evolve's double-apply guards for those,
 * which the write side already enforced before the event was recorded.
 */
export const trimmed = (state: AccountState): AccountState => {
  if (state.status !== 'open' || !hasTrimmable(state)) return state;
  // Without a prototype, like withEntry's copies (entry() reads either kind alike).
  const orders = Object.create(null) as Record<string, OrderRecord>;
  for (const id in state.orders) {
    const order = state.orders[id]!;
    if (!isTerminal(order.status)) orders[id] = order;
  }
  return { ...state, orders, appliedExecIds: {}, withdrawals: {} };
};

const hasTrimmable = (state: OpenAccountState): boolean => {
  for (const _ in state.appliedExecIds) return true;
  for (const _ in state.withdrawals) return true;
  for (const id in state.orders) if (isTerminal(state.orders[id]!.status)) return true;
  return false;
};

export const accountStateTableSql = (schema: string): string =>
  `CREATE TABLE IF NOT EXISTS ${schema}.account_state (account_id uuid PRIMARY KEY, state jsonb NOT NULL)`;

export type FoldStates = {
  /**
   * Folds the facts in memory, in order, calling `onStep` with each one and the state after it. States not
   * in memory are read from `schema` through `db`. The accounts touched stay unsaved until `save`.
   */
  fold(db: SqlClient, schema: string, facts: readonly AccountFact[], onStep: (step: FoldStep) => void): Promise<void>;
  /** fold then save, in `tx`: every step with the state after it (for a model written straight from its steps). */
  foldAndSave(tx: SqlClient, schema: string, facts: readonly AccountFact[]): Promise<FoldStep[]>;
  /** Accounts folded in `schema` since its last save. */
  unsaved(schema: string): number;
  /** Writes every unsaved state of `schema` (trimmed), then bounds what stays in memory. */
  save(tx: SqlClient, schema: string): Promise<void>;
  /**
   * `save` in two halves, for a write that runs while folding goes on: the states to write are fixed now,
   * and only once their transaction committed may the memory bound drop any (a dropped state is read
   * back from the table, so it must be there). Takes nothing while at most `keepUnsaved` are unsaved.
   */
  take(schema: string, keepUnsaved?: number): { write(tx: SqlClient): Promise<void>; committed(): void };
  forget(): void;
};

/**
 * `writing`: states taken for a save that has not committed yet, each with the number of its take (a later
 * take of the same account replaces it). Such a state must stay in memory: the table still holds an older one.
 * `rowless`: accounts the table had no row for when read, and none has been taken to be written since: their
 * save is a COPY of new rows, not an upsert (a rebuild's schema starts empty, so that is nearly every save there).
 */
type SchemaStates = {
  readonly cache: Map<string, AccountState>; readonly unsaved: Set<string>; readonly writing: Map<string, number>; readonly rowless: Set<string>; takes: number;
};

/** `accountsMax`: states kept in memory past a save (FOLD_CACHE_ACCOUNTS_MAX; tests make it tiny to read states back). */
export const createFoldStates = (accountsMax = FOLD_CACHE_ACCOUNTS_MAX): FoldStates => {
  const bySchema = new Map<string, SchemaStates>();
  const statesOf = (schema: string): SchemaStates => {
    let states = bySchema.get(schema);
    if (states === undefined) { states = { cache: new Map(), unsaved: new Set(), writing: new Map(), rowless: new Set(), takes: 0 }; bySchema.set(schema, states); }
    return states;
  };

  /**
   * The states of the accounts `facts` touch, from memory or else the table (or the initial state), in a map of
   * their own: the fold then looks up and replaces states in this small map (a page touches a few thousand
   * accounts) rather than in the cache of every account, once per event.
   */
  const load = async (db: SqlClient, schema: string, { cache, rowless }: SchemaStates, facts: readonly AccountFact[]): Promise<Map<string, AccountState>> => {
    const touched = new Map<string, AccountState>();
    const absent: string[] = [];
    for (const fact of facts) {
      if (touched.has(fact.accountId)) continue;
      const state = cache.get(fact.accountId);
      if (state === undefined) {
        // Held as absent until read: `initialState` stands in, replaced below.
        touched.set(fact.accountId, initialState);
        absent.push(fact.accountId);
      } else {
        touched.set(fact.accountId, state);
      }
    }
    if (absent.length === 0) return touched;
    const { rows } = await db.query<{ account_id: string; state: AccountState }>(
      { text: `SELECT account_id::text, state FROM ${schema}.account_state WHERE account_id = ANY($1::uuid[])` }, [absent]);
    const found = new Set<string>();
    for (const row of rows) { touched.set(row.account_id, row.state); found.add(row.account_id); }
    for (const accountId of absent) if (!found.has(accountId)) rowless.add(accountId);
    return touched;
  };

  // Drops the oldest states past the bound whose last save committed; each is read back from the table when
  // next touched.
  const bound = ({ cache, unsaved, writing }: SchemaStates): void => {
    for (const id of cache.keys()) {
      if (cache.size <= accountsMax) break;
      if (!unsaved.has(id) && !writing.has(id)) cache.delete(id);
    }
  };

  const states: FoldStates = {
    foldAndSave: async (tx, schema, facts) => {
      const steps: FoldStep[] = [];
      await states.fold(tx, schema, facts, (step) => steps.push(step));
      await states.save(tx, schema);
      return steps;
    },
    fold: async (db, schema, facts, onStep) => {
      if (facts.length === 0) return;
      const schemaStates = statesOf(schema);
      const { cache, unsaved } = schemaStates;
      // Before `load`, which takes the cached states it needs before waiting for its query: a state dropped
      // here is read back from the table, and one dropped while the query runs is already in the page's map.
      bound(schemaStates);
      const touched = await load(db, schema, schemaStates, facts);
      for (const fact of facts) {
        const state = evolve(touched.get(fact.accountId)!, fact.event);
        touched.set(fact.accountId, state);
        // Named fields, not a spread of the fact: this runs once per event of a rebuild.
        onStep({ accountId: fact.accountId, recorded: fact.recorded, event: fact.event, state });
      }
      // Fold on from trimmed states, as the runner does after each batch: a rebuild folds many pages between
      // saves, and every event copies the account's order and ExecID maps, ended entries included.
      // Once per account the page touched, not per fact.
      for (const [accountId, state] of touched) {
        cache.set(accountId, trimmed(state));
        unsaved.add(accountId);
      }
    },
    unsaved: (schema) => bySchema.get(schema)?.unsaved.size ?? 0,
    save: async (tx, schema) => {
      const taken = states.take(schema);
      await taken.write(tx);
      taken.committed();
    },
    take: (schema, keepUnsaved = 0) => {
      const schemaStates = statesOf(schema);
      const { cache, unsaved, writing, rowless } = schemaStates;
      if (unsaved.size <= keepUnsaved) return { write: async () => undefined, committed: () => undefined };
      const take = ++schemaStates.takes;
      const taken = [...unsaved];
      unsaved.clear();
      const upserted: { account_id: string; state: AccountState }[] = [];
      const copied: { account_id: string; state: AccountState }[] = [];
      for (const id of taken) {
        const state = trimmed(cache.get(id)!);
        cache.set(id, state);
        writing.set(id, take);
        (rowless.delete(id) ? copied : upserted).push({ account_id: id, state });
      }
      return {
        write: async (tx) => {
          await Promise.all([
            // Encoded a slice at a time, not all at the take: a rebuild's last write waits on these alone.
            inChunksSideBySide(copied, SAVE_CHUNK_STATES, SAVE_COPIES_IN_FLIGHT, (chunk) => {
              const rows = createCopyRows();
              for (const { account_id: id, state } of chunk) rows.push(`${id}\t${copyField(JSON.stringify(state))}`);
              return tx.query({ text: `COPY ${schema}.account_state (account_id, state) FROM STDIN`, stdin: rows.chunks() });
            }),
            // One JSON document per statement: cheaper to send than a jsonb[] of escaped array elements.
            inChunks(upserted, SAVE_CHUNK_STATES, (chunk) => tx.query({
              text: `INSERT INTO ${schema}.account_state (account_id, state)
                SELECT account_id, state FROM jsonb_to_recordset($1::jsonb) AS r(account_id uuid, state jsonb)
                ON CONFLICT (account_id) DO UPDATE SET state = EXCLUDED.state`,
            }, [JSON.stringify(chunk)])),
          ]);
        },
        committed: () => {
          for (const id of taken) if (writing.get(id) === take) writing.delete(id);
        },
      };
    },
    forget: () => bySchema.clear(),
  };
  return states;
};
