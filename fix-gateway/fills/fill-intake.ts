import * as E from 'fp-ts/Either';
import { DomainErrorCode, type AccountCommand, type AccountState } from '../../domain/account';
import { orderIdOfClOrdId } from '../../domain/account/routing';
import { entry } from '../../domain/account/state';
import type { Accounts } from '../../commands/accounts/account-stream';
import { ConcurrencyRetriesExhausted } from '../../commands/command-handler';
import type { Logger } from '../../infrastructure/logging';
import type { OrderDirectory } from '../engine/order-directory';
import type { ExecutionReport, FixAppMessage, OrderCancelReject } from '../session/messages';
import { decodeFillTerms, type FillTerms } from './fill-terms';
import { commandForCancelReject, commandForReport } from './report-command';

export type IntakeOutcome = 'booked' | 'nothing_to_book' | 'unknown_order' | 'refused' | 'malformed';

/** A report handed to its account's queue; `booked` settles once it is appended (or found already booked). */
export type HandedOver = { readonly booked: Promise<IntakeOutcome> };

export type FillIntake = {
  /** Books one message received from `venue` on the order's account stream. Resolves once it is appended (or found already booked). */
  receive(venue: string, message: FixAppMessage): Promise<IntakeOutcome>;
  /**
   * Like receive, in two steps: resolves once the message is queued on its account (reports handed over one
   * after another are decided in that order), before it is booked. A caller that keeps one order's reports
   * in sequence need wait only for this, so a venue's acknowledgement and fill, back to back, are decided
   * together and booked in one append instead of one after the other.
   */
  handOver(venue: string, message: FixAppMessage): Promise<HandedOver>;
};

export type FillIntakeDeps = {
  readonly accounts: Accounts;
  readonly directory: OrderDirectory;
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly onOutcome?: (outcome: IntakeOutcome, execType: string) => void;
};

/**
 * Every ExecutionReport becomes at most one account command, whose event ids derive from the venue
 * and the ExecID: a report delivered twice is decided twice on the stream as it then is, and the second
 * time finds it booked (the fill's ExecID is in the state; a cancel finds the order ended), so it
 * writes nothing. A refusal by the decider is logged, never thrown: the venue's word stands in its
 * drop copy, and reconciliation names the difference. A fill whose LastQty or LastPx is off the ledger's
 * scale is the venue's protocol error: logged and counted as `malformed`, never booked, and not thrown
 * (asking for it again would bring the same bytes).
 */
export const createFillIntake = (deps: FillIntakeDeps): FillIntake => {
  const orderOf = (state: AccountState, orderId: string) => (state.status === 'open' ? entry(state.orders, orderId) : undefined);

  const settled = (outcome: IntakeOutcome): HandedOver => ({ booked: Promise.resolve(outcome) });

  const handOverReport = async (venue: string, report: ExecutionReport | OrderCancelReject): Promise<HandedOver> => {
    let fill: FillTerms | undefined;
    if (report.msgType === 'ExecutionReport' && (report.execType === 'fill' || report.execType === 'partial_fill')) {
      const decoded = decodeFillTerms(report);
      if (E.isLeft(decoded)) {
        deps.logger.error({ venue, clOrdId: report.clOrdId, execId: report.execId, tag: decoded.left.tag, reason: decoded.left.detail }, 'malformed fill from the venue not booked');
        return settled('malformed');
      }
      fill = decoded.right;
    }
    const orderId = orderIdOfClOrdId(report.clOrdId) ?? (report.origClOrdId === undefined ? undefined : orderIdOfClOrdId(report.origClOrdId));
    const accountId = orderId === undefined ? undefined : await deps.directory.accountOf(orderId);
    if (orderId === undefined || accountId === undefined) {
      deps.logger.warn({ venue, clOrdId: report.clOrdId }, 'report for an order this gateway did not send');
      return settled('unknown_order');
    }
    const isReject = report.msgType === 'OrderCancelReject';
    const idSource = isReject ? `cancel-reject/${venue}/${report.clOrdId}` : `exec/${venue}/${report.execId}`;
    const execType = isReject ? 'cancel_reject' : report.execType;
    // The report's meaning is read off the order as the decider then sees it (no read of its own before).
    let orderFound = false;
    let command: AccountCommand | null = null;
    // Queued on the account now, in the order of the calls; booked later.
    const queued = deps.accounts.executeChosen(accountId, (state) => {
      const order = orderOf(state, orderId);
      orderFound = order !== undefined;
      const atMs = deps.nowMs();
      command = order === undefined ? null : isReject ? commandForCancelReject(report, order, atMs) : commandForReport(report, order, venue, atMs, fill);
      return command;
    }, { eventIdSource: idSource, metadata: { actor: `venue:${venue}`, causationId: idSource } });
    const booked = async (): Promise<IntakeOutcome> => {
      const outcome = await queued;
      if (!orderFound) return 'unknown_order';
      if (E.isRight(outcome)) return outcome.right.events.length === 0 ? 'nothing_to_book' : 'booked';
      // Too busy is not the venue's word: thrown, the session asks for the report again.
      if (outcome.left.code === ConcurrencyRetriesExhausted || outcome.left.code === DomainErrorCode.RateLimitExceeded) {
        throw new Error(`report ${idSource} not booked now: ${outcome.left.code}`);
      }
      deps.logger.warn({ venue, accountId, command: (command as AccountCommand | null)?.type, code: outcome.left.code, reason: outcome.left.message, execType }, 'venue report not booked');
      return 'refused';
    };
    return { booked: booked() };
  };

  const handOver = async (venue: string, message: FixAppMessage): Promise<HandedOver> => {
    if (message.msgType !== 'ExecutionReport' && message.msgType !== 'OrderCancelReject') return settled('nothing_to_book');
    const execType = message.msgType === 'ExecutionReport' ? message.execType : 'cancel_reject';
    const handed = await handOverReport(venue, message);
    return { booked: handed.booked.then((outcome) => { deps.onOutcome?.(outcome, execType); return outcome; }) };
  };

  return {
    receive: async (venue, message) => (await handOver(venue, message)).booked,
    handOver,
  };
};
