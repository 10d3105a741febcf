import * as E from 'fp-ts/Either';
import type { AccountCommand, AccountState } from '../../domain/account';
import { orderIdOfClOrdId } from '../../domain/account/routing';
import { entry } from '../../domain/account/state';
import type { Accounts } from '../../commands/accounts/account-stream';
import type { Logger } from '../../infrastructure/logging';
import type { OrderDirectory } from '../engine/order-directory';
import type { ExecutionReport, FixAppMessage, OrderCancelReject } from '../session/messages';
import { commandForCancelReject, commandForReport } from './report-command';

export type IntakeOutcome = 'booked' | 'nothing_to_book' | 'unknown_order' | 'refused';

export type FillIntake = {
  /** Books one message received from `venue` on the order's account stream. Resolves once it is appended (or found already booked). */
  receive(venue: string, message: FixAppMessage): Promise<IntakeOutcome>;
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
 * drop copy, and reconciliation names the difference.
 */
export const createFillIntake = (deps: FillIntakeDeps): FillIntake => {
  const orderOf = (state: AccountState, orderId: string) => (state.status === 'open' ? entry(state.orders, orderId) : undefined);

  const book = async (venue: string, accountId: string, command: AccountCommand, idSource: string, execType: string): Promise<IntakeOutcome> => {
    const outcome = await deps.accounts.execute(accountId, command, {
      eventIdSource: idSource,
      metadata: { actor: `venue:${venue}`, causationId: idSource },
    });
    if (E.isRight(outcome)) return outcome.right.events.length === 0 ? 'nothing_to_book' : 'booked';
    deps.logger.warn({ venue, accountId, command: command.type, code: outcome.left.code, reason: outcome.left.message, execType }, 'venue report not booked');
    return 'refused';
  };

  const receiveReport = async (venue: string, report: ExecutionReport | OrderCancelReject): Promise<IntakeOutcome> => {
    const orderId = orderIdOfClOrdId(report.clOrdId) ?? (report.origClOrdId === undefined ? undefined : orderIdOfClOrdId(report.origClOrdId));
    const accountId = orderId === undefined ? undefined : await deps.directory.accountOf(orderId);
    if (orderId === undefined || accountId === undefined) {
      deps.logger.warn({ venue, clOrdId: report.clOrdId }, 'report for an order this gateway did not send');
      return 'unknown_order';
    }
    const order = orderOf(await deps.accounts.load(accountId), orderId);
    if (order === undefined) return 'unknown_order';
    const atMs = deps.nowMs();
    if (report.msgType === 'OrderCancelReject') {
      const command = commandForCancelReject(report, order, atMs);
      return command === null ? 'nothing_to_book' : book(venue, accountId, command, `cancel-reject/${venue}/${report.clOrdId}`, 'cancel_reject');
    }
    const command = commandForReport(report, order, venue, atMs);
    return command === null ? 'nothing_to_book' : book(venue, accountId, command, `exec/${venue}/${report.execId}`, report.execType);
  };

  return {
    receive: async (venue, message) => {
      if (message.msgType !== 'ExecutionReport' && message.msgType !== 'OrderCancelReject') return 'nothing_to_book';
      const outcome = await receiveReport(venue, message);
      deps.onOutcome?.(outcome, message.msgType === 'ExecutionReport' ? message.execType : 'cancel_reject');
      return outcome;
    },
  };
};
