import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import type { BulkApply, Projection } from '../runner/projection';
import { accountFacts } from './account-events';
import { createFoldStates, type FoldStep } from './fold-states';

/**
 * A read model folded from the account decider's states, in two halves: `note` gathers in memory what
 * each step changes (pure), `write` stores what was gathered (upserts, so a later step's rows replace an
 * earlier one's). The runner gathers one batch and writes it; a rebuild gathers many pages and writes
 * them once in a while, folding on while it writes. Both go through the same two functions, so they end in the same rows.
 */
export type AccountModel<Changes> = {
  readonly name: string;
  migrate(db: SqlClient, schema: string): Promise<void>;
  /** An empty set of changes. */
  changes(): Changes;
  note(changes: Changes, step: FoldStep): void;
  /** Rows the changes will write: a rebuild writes once this (with the states) grows past its bound. */
  size(changes: Changes): number;
  write(tx: SqlClient, schema: string, changes: Changes): Promise<void>;
};

export const accountModelProjection = <Changes>(model: AccountModel<Changes>): Projection => {
  const states = createFoldStates();
  return {
    name: model.name,
    migrate: model.migrate,
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
        pending: () => model.size(changes) + states.unsaved(schema),
        take: () => {
          const saving = states.take(schema);
          const held = changes;
          changes = model.changes();
          return {
            write: async (db) => {
              await saving.write(db);
              await model.write(db, schema, held);
            },
            committed: saving.committed,
          };
        },
      };
    },
  };
};
