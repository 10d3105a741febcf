// Everything domain/ may use: itself, big.js, fp-ts, io-ts.
import Big from 'big.js';
import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { cashString } from '../money';

export const Amount = t.string;
export const half = (amount: string): E.Either<string, string> =>
  amount === '' ? E.left('empty') : E.right(cashString(new Big(amount).div(2)));
