import * as E from 'fp-ts/Either';
import { createAccounts } from '../../commands/accounts/account-stream';
import { accountStreamOf } from '../../commands/accounts/account-stream';
import { clOrdIdOf } from '../../domain/account/routing';
import { ack, ACCOUNT_ID, deposit, open, place, settleDeposit, T0 } from '../../domain/account/test-builders';
import { createInMemoryEventStore } from '../../infrastructure/event-store/in-memory';
import { createLogger } from '../../infrastructure/logging';
import type { OrderDirectory } from '../engine/order-directory';
import type { ExecutionReport } from '../session/messages';
import { createFillIntake, type IntakeOutcome } from './fill-intake';

const report = (execId: string, lastQty: string, lastPx: string): ExecutionReport => ({
  msgType: 'ExecutionReport', orderId: 'v-1', clOrdId: clOrdIdOf('o1', 0), execId, execType: 'partial_fill', ordStatus: 'partially_filled',
  symbol: 'AAPL', side: 'buy', lastQty, lastPx, leavesQty: '9', cumQty: '1', avgPx: lastPx, transactTimeMs: T0,
});

const setUp = async () => {
  const store = createInMemoryEventStore(() => T0);
  const accounts = createAccounts(store);
  const context = (id: string) => ({ eventIdSource: id, metadata: { actor: 'test', causationId: id } });
  for (const [i, command] of [open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1'), ack('o1')].entries()) {
    expect(E.isRight(await accounts.execute(ACCOUNT_ID, command, context(`setup-${i}`)))).toBe(true);
  }
  const directory: OrderDirectory = { remember: async () => undefined, accountOf: async (orderId) => (orderId === 'o1' ? ACCOUNT_ID : undefined) };
  const logger = createLogger({ level: 'silent' });
  const errors = jest.spyOn(logger, 'error');
  const outcomes: [IntakeOutcome, string][] = [];
  const intake = createFillIntake({ accounts, directory, logger, nowMs: () => T0, onOutcome: (outcome, execType) => outcomes.push([outcome, execType]) });
  const eventTypes = async () => {
    const types: string[] = [];
    for await (const event of store.readStream(accountStreamOf(ACCOUNT_ID))) types.push(event.type);
    return types;
  };
  return { intake, errors, outcomes, eventTypes };
};

describe('fill intake: a venue decimal off the ledger scale', () => {
  it('is a malformed report: logged, counted, never booked, not thrown', async () => {
    const { intake, errors, outcomes, eventTypes } = await setUp();
    const before = await eventTypes();
    expect(await intake.receive('XNYS', report('e1', '1.0000001', '100.00'))).toBe('malformed');
    expect(await intake.receive('XNYS', report('e2', '1', '100.00001'))).toBe('malformed');
    expect(await eventTypes()).toEqual(before);
    expect(outcomes).toEqual([['malformed', 'partial_fill'], ['malformed', 'partial_fill']]);
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ venue: 'XNYS', execId: 'e1', tag: 32 }), 'malformed fill from the venue not booked');
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ venue: 'XNYS', execId: 'e2', tag: 31 }), 'malformed fill from the venue not booked');
  });
  it('leaves a well-formed fill of the same order to be booked as before', async () => {
    const { intake, outcomes, eventTypes } = await setUp();
    expect(await intake.receive('XNYS', report('e1', '1.0000001', '100.00'))).toBe('malformed');
    expect(await intake.receive('XNYS', report('e3', '1.000000', '99.9950'))).toBe('booked');
    expect((await eventTypes()).filter((t) => t === 'OrderFilled')).toHaveLength(1);
    expect(outcomes.at(-1)).toEqual(['booked', 'partial_fill']);
  });
});

describe('fill intake: reports handed over back to back', () => {
  it('are decided in the order handed over and booked in one append', async () => {
    const inner = createInMemoryEventStore(() => T0);
    let appends = 0;
    const store = { ...inner, appendToStream: (...args: Parameters<typeof inner.appendToStream>) => { appends += 1; return inner.appendToStream(...args); } };
    const accounts = createAccounts(store);
    for (const [i, command] of [open(), deposit('t1', '10000.00'), settleDeposit('t1'), place('o1')].entries()) {
      expect(E.isRight(await accounts.execute(ACCOUNT_ID, command, { eventIdSource: `setup-${i}`, metadata: {} }))).toBe(true);
    }
    const directory: OrderDirectory = { remember: async () => undefined, accountOf: async () => ACCOUNT_ID };
    const intake = createFillIntake({ accounts, directory, logger: createLogger({ level: 'silent' }), nowMs: () => T0 });
    const acknowledged: ExecutionReport = { ...report('e0', '0', '0'), execType: 'new', ordStatus: 'new', leavesQty: '10', cumQty: '0' };
    delete (acknowledged as { lastQty?: string }).lastQty;
    delete (acknowledged as { lastPx?: string }).lastPx;
    const before = appends;
    // Handed over without waiting for the first to be booked, as the gateway does with one order's reports.
    const first = await intake.handOver('XNYS', acknowledged);
    const second = await intake.handOver('XNYS', report('e1', '1', '100.00'));
    expect(await Promise.all([first.booked, second.booked])).toEqual(['booked', 'booked']);
    expect(appends - before).toBe(1);
    const types: string[] = [];
    for await (const event of inner.readStream(accountStreamOf(ACCOUNT_ID))) types.push(event.type);
    expect(types.slice(-2)).toEqual(['OrderSubmitted', 'OrderFilled']);
  });
});
