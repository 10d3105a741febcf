import { randomBytes } from 'node:crypto';
import { buyingPower } from '../../domain/account';
import type { BuyingPowerEntry, BuyingPowerStore } from '../../infrastructure/buying-power/port';
import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { accountFacts } from '../account-fold/account-events';
import { accountStateTableSql, createFoldStates } from '../account-fold/fold-states';
import { liveSchemaOf, type Projection } from '../runner/projection';

export const BUYING_POWER_PROJECTION = 'buying_power';

/**
 * The buying power read model: per account the decider's buying power after the last event applied,
 * kept in a BuyingPowerStore (Redis) for the order pre-check, as overwrites guarded by position. The
 * fold states and the store generation live in the model's PostgreSQL schema, so the runner's checkpoint
 * and rebuild apply to it like to any model: a rebuild's fresh schema gets a fresh generation, and the
 * swap activates it. Writes reach Redis inside the batch's transaction; if the transaction then rolls
 * back, the batch is applied again and writes the same values at the same positions, which changes nothing.
 */
export const migrateBuyingPower = async (db: SqlClient, schema: string): Promise<void> => {
  await db.query({ text: accountStateTableSql(schema) });
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.generation (id text PRIMARY KEY)` });
  await db.query({ text: `INSERT INTO ${schema}.generation (id) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM ${schema}.generation)` }, [randomBytes(8).toString('hex')]);
};

/** The store generation a schema of this model writes into. */
export const generationOf = async (db: SqlClient, schema: string): Promise<string> => {
  const { rows } = await db.query<{ id: string }>({ text: `SELECT id FROM ${schema}.generation` });
  const row = rows[0];
  if (row === undefined) throw new Error(`${schema}.generation is empty`);
  return row.id;
};

export const createBuyingPowerProjection = (store: BuyingPowerStore): Projection => {
  const states = createFoldStates();
  const live = liveSchemaOf(BUYING_POWER_PROJECTION);
  let activated: string | undefined;
  const activate = async (db: SqlClient): Promise<void> => {
    const generation = await generationOf(db, live);
    if (generation === activated) return;
    await store.activate(generation);
    activated = generation;
  };
  return {
    name: BUYING_POWER_PROJECTION,
    migrate: migrateBuyingPower,
    forget: () => { states.forget(); activated = undefined; },
    activated: activate,
    apply: async (tx: SqlClient, schema: string, events: readonly RecordedEvent[]) => {
      const steps = await states.foldAndSave(tx, schema, accountFacts(events));
      const latest = new Map<string, BuyingPowerEntry>();
      for (const step of steps) {
        if (step.state.status !== 'open') continue;
        latest.set(step.accountId, {
          accountId: step.accountId, buyingPower: buyingPower(step.state), restricted: step.state.restricted,
          revision: step.recorded.revision, position: step.recorded.position,
        });
      }
      // Read each batch, never cached: after a rebuild swap the same schema name holds another generation.
      const generation = await generationOf(tx, schema);
      if (latest.size > 0) await store.write(generation, [...latest.values()]);
      if (schema === live && generation !== activated) await activate(tx);
    },
  };
};
