import type * as E from 'fp-ts/Either';
import type { AccountCommand } from './commands';
import { decideApplyFill, decideSettleTrades } from './decide-fills';
import {
  decideAcknowledgeOrder,
  decideConfirmOrderCancel,
  decideExpireOrder,
  decidePlaceOrder,
  decideRejectOrder,
  decideRequestOrderCancel,
} from './decide-orders';
import { decideConfirmOrderReplace, decideRejectOrderReplace, decideRequestOrderReplace } from './decide-replace';
import { decideOpenAccount, decideRequestDeposit, decideRequestWithdrawal, decideReturnDeposit, decideSettleDeposit } from './decide-transfers';
import { DomainErrorCode, fail, type DomainError } from './errors';
import { decideRouteOrder } from './decide-routing';
import type { AccountEvent } from './events';
import type { AccountState } from './state';

/** The account decider: every command against the state of one `account-<id>` stream. */
export const decide = (command: AccountCommand, state: AccountState): E.Either<DomainError, AccountEvent[]> => {
  if (command.type === 'OpenAccount') return decideOpenAccount(command, state);
  if (state.status !== 'open') return fail(DomainErrorCode.AccountNotFound, 'account is not open');
  switch (command.type) {
    case 'RequestDeposit':
      return decideRequestDeposit(command, state);
    case 'SettleDeposit':
      return decideSettleDeposit(command, state);
    case 'ReturnDeposit':
      return decideReturnDeposit(command, state);
    case 'RequestWithdrawal':
      return decideRequestWithdrawal(command, state);
    case 'PlaceOrder':
      return decidePlaceOrder(command, state);
    case 'RequestOrderReplace':
      return decideRequestOrderReplace(command, state);
    case 'ConfirmOrderReplace':
      return decideConfirmOrderReplace(command, state);
    case 'RejectOrderReplace':
      return decideRejectOrderReplace(command, state);
    case 'RequestOrderCancel':
      return decideRequestOrderCancel(command, state);
    case 'ConfirmOrderCancel':
      return decideConfirmOrderCancel(command, state);
    case 'AcknowledgeOrder':
      return decideAcknowledgeOrder(command, state);
    case 'RejectOrder':
      return decideRejectOrder(command, state);
    case 'ExpireOrder':
      return decideExpireOrder(command, state);
    case 'ApplyFill':
      return decideApplyFill(command, state);
    case 'SettleTrades':
      return decideSettleTrades(command, state);
    case 'RouteOrder':
      return decideRouteOrder(command, state);
  }
};
