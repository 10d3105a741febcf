import type { SqlClient } from '../../infrastructure/pg/sql-client';
import { ACTIVITIES_PROJECTION, type ActivityType } from '../../projections/activities/model';
import { liveSchemaOf } from '../../projections/runner/projection';

export type ActivitiesQuery = {
  readonly accountId: string;
  readonly types?: readonly ActivityType[];
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Exclusive: rows older than this position (newest first). */
  readonly beforePosition?: bigint;
  readonly limit: number;
};

export type ActivityRow = {
  readonly position: bigint;
  readonly json: {
    readonly id: string; readonly type: string; readonly subtype: string; readonly symbol: string | null;
    readonly quantity: string | null; readonly price: string | null; readonly amount: string; readonly at: string;
  };
};

/** One page of the account's activities, newest first, keyed on the event's global position. */
export const queryActivities = async (db: SqlClient, query: ActivitiesQuery): Promise<{ rows: ActivityRow[]; more: boolean }> => {
  const schema = liveSchemaOf(ACTIVITIES_PROJECTION);
  const { rows } = await db.query<Record<string, string | null>>({
    text: `SELECT position::text AS position, activity_id, type, subtype, symbol, quantity, price, amount, at_ms::text AS at_ms FROM ${schema}.activities a
      WHERE account_id = $1
        AND ($2::text[] IS NULL OR type = ANY($2::text[]))
        AND ($3::bigint IS NULL OR at_ms >= $3)
        AND ($4::bigint IS NULL OR at_ms < $4)
        AND ($5::bigint IS NULL OR position < $5)
      ORDER BY a.position DESC LIMIT $6`,
  }, [query.accountId, query.types === undefined ? null : [...query.types], query.fromMs ?? null, query.toMs ?? null,
    query.beforePosition === undefined ? null : query.beforePosition.toString(), query.limit + 1]);
  return {
    more: rows.length > query.limit,
    rows: rows.slice(0, query.limit).map((row) => ({
      position: BigInt(row.position!),
      json: {
        id: row.activity_id!, type: row.type!, subtype: row.subtype!, symbol: row.symbol ?? null, quantity: row.quantity ?? null,
        price: row.price ?? null, amount: row.amount!, at: new Date(Number(row.at_ms)).toISOString(),
      },
    })),
  };
};
