import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import type { BulkApply, Projection } from '../runner/projection';
import { accountFacts } from './account-events';
import { createFoldStates, FOLD_CACHE_ACCOUNTS_MAX, type FoldStep } from './fold-states';

/**
 * A read model folded from the account decider's states, in two halves: `note` gathers in memory what
 * each step changes (pure), `write` stores what was gathered (upserts, so a later step's rows replace an
 * earlier one's). The runner gathers one batch and writes it; a rebuild gathers many pages and writes
 * them once in a while, folding on while it writes. Both go through the same two functions, so they end in the same rows.
 */
export type AccountModel<Changes> = {
  readonly name: string;
  migrate(db: SqlClient, schema: string): Promise<void>;
  /** See Projection.indexes. */
  indexes?(db: SqlClient, schema: string): Promise<void>;
  /** An empty set of changes. */
  changes(): Changes;
  note(changes: Changes, step: FoldStep): void;
  /** Rows the changes will write: a rebuild writes once this (with the states) grows past its bound. */
  size(changes: Changes): number;
  write(tx: SqlClient, schema: string, changes: Changes): Promise<void>;
  /**
   * Between a rebuild's writes: moves from `held` (about to be written) into `next` what would be written now
   * and written over soon after, so it is written once, later. Not called for the last write.
   */
  carry?(held: Changes, next: Changes): void;
};

export type AccountModelOptions = {
  /** Account states kept in memory (FOLD_CACHE_ACCOUNTS_MAX): past it they are written and read back when next touched. */
  readonly cachedAccountsMax?: number;
};

export const accountModelProjection = <Changes>(model: AccountModel<Changes>, options: AccountModelOptions = {}): Projection => {
  const cachedAccountsMax = options.cachedAccountsMax ?? FOLD_CACHE_ACCOUNTS_MAX;
  const states = createFoldStates(cachedAccountsMax);
  return {
    name: model.name,
    migrate: model.migrate,
    indexes: model.indexes,
    forget: () => states.forget(),
    apply: async (tx: SqlClient, schema: string, events: readonly RecordedEvent[]) => {
      const changes = model.changes();
      await states.fold(tx, schema, accountFacts(events), (step) => model.note(changes, step));
      await states.save(tx, schema);
      await model.write(tx, schema, changes);
    },
    bulk: (schema: string): BulkApply => {
      let changes = model.changes();
      return {
        add: (db, events) => states.fold(db, schema, accountFacts(events), (step) => model.note(changes, step)),
        pending: () => model.size(changes) + (states.unsaved(schema) > cachedAccountsMax ? states.unsaved(schema) : 0),
        take: (scope) => {
          // Every page changes most accounts' states again: writing them at each 'rows' take wrote each
          // state once per take (a third of an orders rebuild's writes) for the table to hold only the last.
          const saving = states.take(schema, scope === 'all' ? 0 : cachedAccountsMax);
          const held = changes;
          changes = model.changes();
          if (scope === 'rows') model.carry?.(held, changes);
          return {
            // Side by side on two of the pool's connections (in a transaction they queue): node folding the next
            // pages left part of the second core idle while one connection wrote.
            write: async (db) => { await Promise.all([saving.write(db), model.write(db, schema, held)]); },
            committed: saving.committed,
          };
        },
      };
    },
  };
};
