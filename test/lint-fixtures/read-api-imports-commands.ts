import { createAccounts } from '../../commands/accounts/account-stream';

export const accounts = createAccounts;
