import { randomUUID } from 'node:crypto';
import type { AccountCommand } from '../../domain/account';
import { asCash, asPrice, asQuantity } from '../../domain/money';

/** An account with cash and two filled positions (AAPL, MSFT), so every portfolio read prices positions. */
export const portfolioAccountHistory = (accountId: string): AccountCommand[] => {
  const atMs = Date.now();
  const transferId = randomUUID();
  const commands: AccountCommand[] = [
    { type: 'OpenAccount', data: { accountId, email: `${accountId}@bench.local`, atMs } },
    { type: 'RequestDeposit', data: { transferId, amount: asCash('100000.00'), atMs } },
    { type: 'SettleDeposit', data: { transferId, atMs } },
  ];
  for (const symbol of ['AAPL', 'MSFT']) {
    const orderId = randomUUID();
    commands.push(
      { type: 'PlaceOrder', data: { orderId, symbol, side: 'buy', type: 'limit', quantity: asQuantity('3'), limitPrice: asPrice('100.00'), timeInForce: 'day', extendedHours: false, referencePrice: asPrice('100.00'), atMs } },
      { type: 'AcknowledgeOrder', data: { orderId, venue: 'SIM', atMs } },
      { type: 'ApplyFill', data: { orderId, execId: randomUUID(), quantity: asQuantity('3'), price: asPrice('99.50'), venue: 'SIM', atMs } },
    );
  }
  return commands;
};
