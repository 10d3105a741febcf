import type { SessionStore } from '../../infrastructure/sessions/store';
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { requireBearer, requireRole } from '../../infrastructure/auth/bearer';
import type { EventStore } from '../../infrastructure/event-store/port';
import { accountIdOf, correlationIdOf } from '../../infrastructure/http/context';
import { apiError, sendError, sendNotFound } from '../../infrastructure/http/errors';
import { complianceStreamOf, COMPLIANCE_VIEWED, type ComplianceViewed } from '../../projections/audit/compliance-views';
import { replayAccount, type AccountSummary } from '../../projections/replay/replay';
import { parseInstant, single } from '../query-params';
import { readRoute } from '../read-route';
import * as E from 'fp-ts/Either';

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const summaryJson = (s: AccountSummary) => ({
  cash: s.cash === null ? null : {
    settled: s.cash.settled, unsettled: s.cash.unsettled, instant_credit: s.cash.instantCredit, pending_deposits: s.cash.pendingDeposits,
    reserved: s.cash.reserved, holds: s.cash.holds, withdrawable: s.cash.withdrawable, buying_power: s.cash.buyingPower,
  },
  positions: s.positions.map((p) => ({ symbol: p.symbol, quantity: p.quantity, cost_basis: p.costBasis, avg_cost: p.avgCost, realized_pnl: p.realizedPnl })),
  open_orders: s.openOrders.map((o) => ({ order_id: o.orderId, symbol: o.symbol, side: o.side, type: o.type, status: o.status, quantity: o.quantity, filled_quantity: o.filledQuantity })),
});

/**
 * `GET /v1/compliance/accounts/{id}/replay?as_of=`: for the compliance role only (a client's token gets
 * 403). Each read is recorded first, as an event the audit log chains into the account's history (who
 * looked at which account, and when); a read that could not be recorded is not answered.
 */
export const createComplianceReplayRouter = (deps: { readonly store: EventStore; readonly jwtSecret: string; readonly sessionStore?: Pick<SessionStore, 'revocationOf'>; readonly nowMs?: () => number }): Router => {
  const router = Router();
  const nowMs = deps.nowMs ?? (() => Date.now());
  router.get('/v1/compliance/accounts/:id/replay', requireBearer(deps.jwtSecret, deps.sessionStore), requireRole('compliance'), readRoute(async (req, res) => {
    const accountId = String(req.params.id);
    const asOf = E.chain((raw: string | undefined) => parseInstant(raw, 'as_of'))(single(req.query as Record<string, unknown>, 'as_of'));
    if (E.isLeft(asOf)) { sendError(res, asOf.left); return; }
    const notFound = () => sendNotFound(res, apiError('ACCOUNT_NOT_FOUND', `no account ${accountId}`));
    if (!ACCOUNT_ID.test(accountId)) { notFound(); return; }
    const officerId = accountIdOf(res);
    const data: ComplianceViewed = { schemaVersion: 1, accountId, officerId, what: 'replay', asOfMs: asOf.right ?? null, atMs: nowMs() };
    const recorded = await deps.store.appendToStream(complianceStreamOf(accountId), [{
      id: randomUUID(), type: COMPLIANCE_VIEWED, data, metadata: { actor: `user:${officerId}`, correlationId: correlationIdOf(res) },
    }], { expectedRevision: 'any' });
    // Where the record of this read sits in the log: the audit log holds it once its projection passes this position.
    if (recorded.kind === 'Appended') res.setHeader('X-Audit-Position', recorded.position.toString());
    const replay = await replayAccount(deps.store, accountId, asOf.right);
    if (replay.steps.length === 0 && asOf.right === undefined) { notFound(); return; }
    res.json({
      account_id: accountId,
      as_of: replay.asOf,
      events: replay.steps.map((step) => ({
        position: step.position, type: step.type, recorded_at: step.recordedAt, actor: step.actor, correlation_id: step.correlationId,
        causation_id: step.causationId, data: step.data, state_after: summaryJson(step.after),
      })),
      state: summaryJson(replay.stateAsOf),
    });
  }));
  return router;
};
