import * as E from 'fp-ts/Either';
import { DomainErrorCode } from '../../domain/account';
import type { Accounts } from './account-stream';

/**
 * Opens the trading account of a new user. Idempotent: a retried sign-up calls it again,
 * and an account that is already open is the outcome it wanted.
 */
export const openAccountWith = (accounts: Accounts) =>
  async (accountId: string, email: string, atMs: number): Promise<void> => {
    const result = await accounts.execute(accountId, { type: 'OpenAccount', data: { accountId, email, atMs } }, {
      eventIdSource: 'open', metadata: { actor: `user:${accountId}` },
    });
    if (E.isLeft(result) && result.left.code !== DomainErrorCode.AccountAlreadyOpen) {
      throw new Error(`opening account ${accountId} failed: ${result.left.code} ${result.left.message}`);
    }
  };
