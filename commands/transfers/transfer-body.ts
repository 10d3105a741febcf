import * as t from 'io-ts';
import { CASH_DECIMAL, closedObject } from '../../infrastructure/http/validation';

export const TransferBody = closedObject('TransferRequest', {
  direction: t.keyof({ deposit: null, withdrawal: null }, 'Direction'),
  amount: CASH_DECIMAL,
}, {});
