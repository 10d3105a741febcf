import type { AccountEvent } from '../../domain/account';
import type { RecordedEvent } from '../../infrastructure/event-store/port';
import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { accountFacts } from '../account-fold/account-events';
import type { Projection } from '../runner/projection';

export const ACTIVITIES_PROJECTION = 'activities';

/** Activity types as the API filters them. `fee` has no event yet; the filter accepts it so clients need not change when fees arrive. */
export const ACTIVITY_TYPES = ['fill', 'transfer', 'fee'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export type Activity = {
  readonly id: string;
  readonly type: ActivityType;
  /** What happened within the type: buy / sell for a fill; deposit, deposit_settled, deposit_returned, withdrawal for a transfer. */
  readonly subtype: string;
  readonly symbol: string | null;
  readonly quantity: string | null;
  readonly price: string | null;
  /** Cash moved: a fill's cost or proceeds, a transfer's amount. */
  readonly amount: string;
  readonly atMs: number;
};

/** The account activity an event records, if any. Ids derive from the event's own ids, so a replayed event maps to the same row. */
export const activityOf = (event: AccountEvent): Activity | null => {
  switch (event.type) {
    case 'OrderFilled':
      return { id: `fill:${event.data.execId}`, type: 'fill', subtype: event.data.side, symbol: event.data.symbol, quantity: event.data.quantity, price: event.data.price, amount: event.data.cash, atMs: event.data.atMs };
    case 'DepositInitiated':
      return { id: `deposit:${event.data.transferId}`, type: 'transfer', subtype: 'deposit', symbol: null, quantity: null, price: null, amount: event.data.amount, atMs: event.data.atMs };
    case 'DepositSettled':
      return { id: `deposit_settled:${event.data.transferId}`, type: 'transfer', subtype: 'deposit_settled', symbol: null, quantity: null, price: null, amount: event.data.amount, atMs: event.data.atMs };
    case 'DepositReturned':
      return { id: `deposit_returned:${event.data.transferId}`, type: 'transfer', subtype: 'deposit_returned', symbol: null, quantity: null, price: null, amount: event.data.amount, atMs: event.data.atMs };
    case 'FundsWithdrawn':
      return { id: `withdrawal:${event.data.transferId}`, type: 'transfer', subtype: 'withdrawal', symbol: null, quantity: null, price: null, amount: event.data.amount, atMs: event.data.atMs };
    case 'AccountOpened': case 'OrderPlaced': case 'OrderSubmitted': case 'OrderRejected': case 'OrderExpired': case 'OrderCancelRequested':
    case 'OrderCancelled': case 'OrderReplaceRequested': case 'OrderReplaced': case 'OrderReplaceRejected': case 'TradesSettled': case 'OrderRouted':
      return null;
  }
};

export const migrateActivities = async (db: SqlClient, schema: string): Promise<void> => {
  await db.query({ text: `CREATE TABLE IF NOT EXISTS ${schema}.activities (
    account_id uuid NOT NULL,
    position bigint NOT NULL,
    activity_id text NOT NULL,
    type text NOT NULL,
    subtype text NOT NULL,
    symbol text,
    quantity text,
    price text,
    amount text NOT NULL,
    at_ms bigint NOT NULL,
    PRIMARY KEY (account_id, position)
  )` });
};

/** Account activities (fills, transfers, fees), one row per event, keyed and paged by the event's global position. */
export const createActivitiesProjection = (): Projection => ({
  name: ACTIVITIES_PROJECTION,
  migrate: migrateActivities,
  apply: async (tx, schema, events: readonly RecordedEvent[]) => {
    const rows = accountFacts(events).flatMap((fact) => {
      const activity = activityOf(fact.event);
      return activity === null ? [] : [{ accountId: fact.accountId, position: fact.recorded.position, activity }];
    });
    if (rows.length === 0) return;
    await tx.query({
      text: `INSERT INTO ${schema}.activities (account_id, position, activity_id, type, subtype, symbol, quantity, price, amount, at_ms)
        SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])
        ON CONFLICT DO NOTHING`,
    }, [
      rows.map((r) => r.accountId), rows.map((r) => r.position.toString()), rows.map((r) => r.activity.id), rows.map((r) => r.activity.type),
      rows.map((r) => r.activity.subtype), rows.map((r) => r.activity.symbol), rows.map((r) => r.activity.quantity), rows.map((r) => r.activity.price),
      rows.map((r) => r.activity.amount), rows.map((r) => r.activity.atMs),
    ]);
  },
});
