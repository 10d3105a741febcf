import type { AccountCommand, OrderRecord } from '../../domain/account';
import { big } from '../../domain/money';
import { cancelClOrdIdOf } from '../../domain/account/routing';
import type { ExecutionReport, OrderCancelReject } from '../session/messages';
import type { FillTerms } from './fill-terms';

/**
 * What a venue's answer means for the account: one account command, or nothing to book. Pure: the
 * order as the account stream holds it decides between the readings a report allows, so a repeat of a
 * report already booked maps to nothing (or to a command the decider finds already done).
 */
const REJECTABLE: ReadonlySet<OrderRecord['status']> = new Set(['pending_new', 'submitted', 'pending_cancel', 'pending_replace']);

/** `fill` is the report's LastQty and LastPx as decoded by `decodeFillTerms`, present when the report is an execution. */
export const commandForReport = (report: ExecutionReport, order: OrderRecord, venue: string, atMs: number, fill?: FillTerms): AccountCommand | null => {
  const orderId = order.orderId;
  switch (report.execType) {
    case 'new':
      return order.status === 'pending_new' ? { type: 'AcknowledgeOrder', data: { orderId, venue, atMs } } : null;
    case 'partial_fill':
    case 'fill':
      if (fill === undefined) return null;
      return { type: 'ApplyFill', data: { orderId, execId: report.execId, quantity: fill.quantity, price: fill.price, venue, atMs } };
    case 'canceled':
      if (order.status === 'cancelled' || order.status === 'expired' || order.status === 'filled') return null;
      // Our cancel request's answer confirms it; any other cancel is the venue's own (an IOC or FOK
      // remainder, a DAY order at the close) and ends the order as expired.
      return report.clOrdId === cancelClOrdIdOf(orderId) && order.status === 'pending_cancel'
        ? { type: 'ConfirmOrderCancel', data: { orderId, atMs } }
        : { type: 'ExpireOrder', data: { orderId, atMs } };
    case 'replaced':
      return order.pendingReplace === null ? null : { type: 'ConfirmOrderReplace', data: { orderId, atMs } };
    case 'rejected':
      // The venue refused the order itself; a cancel or replace the owner asked for meanwhile has nothing left to act on.
      return REJECTABLE.has(order.status) && big(order.filledQuantity).eq(0) ? { type: 'RejectOrder', data: { orderId, reason: report.text ?? 'rejected by the venue', atMs } } : null;
    case 'expired':
      return order.status === 'expired' || order.status === 'cancelled' || order.status === 'filled' ? null : { type: 'ExpireOrder', data: { orderId, atMs } };
    case 'pending_cancel':
    case 'pending_replace':
      return null;
  }
};

/** A refused replace puts the old terms back in force; a refused cancel changes nothing (the order's own reports end it). */
export const commandForCancelReject = (reject: OrderCancelReject, order: OrderRecord, atMs: number): AccountCommand | null =>
  reject.responseTo === 'replace' && order.pendingReplace !== null
    ? { type: 'RejectOrderReplace', data: { orderId: order.orderId, reason: reject.text ?? 'replace refused by the venue', atMs } }
    : null;
