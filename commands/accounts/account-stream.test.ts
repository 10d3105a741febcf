import * as E from 'fp-ts/Either';
import { asCash } from '../../domain/money';
import type { AccountCommand } from '../../domain/account';
import { createInMemoryEventStore } from '../../infrastructure/event-store/in-memory';
import type { EventStore } from '../../infrastructure/event-store/port';
import { deterministicEventId } from '../command-handler';
import { accountStreamOf, createAccounts } from './account-stream';

const ACCOUNT = 'acc-1';
const AT_MS = 1_700_000_000_000;
const deposit = (transferId: string): AccountCommand => ({ type: 'RequestDeposit', data: { transferId, amount: asCash('10.00'), atMs: AT_MS } });
const settle = (transferId: string): AccountCommand => ({ type: 'SettleDeposit', data: { transferId, atMs: AT_MS } });
const context = (source: string) => ({ eventIdSource: source, metadata: { causationId: source } });

/** Counts appends, and holds the next one until released, so calls can gather behind it. */
const countingStore = (inner: EventStore) => {
  let appends = 0;
  let gate: Promise<void> | null = null;
  const store: EventStore = { ...inner, appendToStream: async (...args) => { appends += 1; await gate; return inner.appendToStream(...args); } };
  return { store, appends: () => appends, hold: () => { let open = () => {}; gate = new Promise((resolve) => { open = resolve; }); return () => { gate = null; open(); }; } };
};

describe('executeChosen: calls waiting for one account are booked together', () => {
  const opened = async () => {
    const counting = countingStore(createInMemoryEventStore());
    const accounts = createAccounts(counting.store);
    await accounts.execute(ACCOUNT, { type: 'OpenAccount', data: { accountId: ACCOUNT, email: 'a@b.c', atMs: AT_MS } }, context('open'));
    return { ...counting, accounts, inner: counting.store };
  };

  it('books the calls that gathered behind a busy account in one append, each event with the id and metadata of its own call', async () => {
    const { accounts, appends, hold, store } = await opened();
    const release = hold();
    const first = accounts.executeChosen(ACCOUNT, () => deposit('t1'), context('c1'));
    await new Promise(setImmediate); // the first is appending now
    const second = accounts.executeChosen(ACCOUNT, () => deposit('t2'), context('c2'));
    const third = accounts.executeChosen(ACCOUNT, (state) => (state.status === 'open' ? settle('t2') : null), context('c3'));
    const before = appends();
    release();
    const outcomes = await Promise.all([first, second, third]);
    expect(appends() - before).toBe(1); // the two that waited behind the first, together
    for (const outcome of outcomes) expect(E.isRight(outcome) && outcome.right.events.length).toBe(1);
    const recorded = [];
    for await (const event of store.readStream(accountStreamOf(ACCOUNT))) recorded.push(event);
    const [, ...booked] = recorded;
    expect(booked.map((e) => e.type)).toEqual(['DepositInitiated', 'DepositInitiated', 'DepositSettled']);
    ['c1', 'c2', 'c3'].forEach((source, index) => {
      const event = booked[index]!;
      expect(event.id).toBe(deterministicEventId(accountStreamOf(ACCOUNT), source, 0, { type: event.type, data: event.data }));
      expect(event.metadata).toMatchObject({ causationId: source });
    });
  });

  it('a refused call among them is refused alone: the others are booked', async () => {
    const { accounts, hold } = await opened();
    const release = hold();
    const first = accounts.executeChosen(ACCOUNT, () => deposit('t1'), context('c1'));
    await new Promise(setImmediate);
    const refused = accounts.executeChosen(ACCOUNT, () => settle('unknown'), context('c2'));
    const booked = accounts.executeChosen(ACCOUNT, () => deposit('t3'), context('c3'));
    const nothing = accounts.executeChosen(ACCOUNT, () => null, context('c4'));
    release();
    const [a, b, c, d] = await Promise.all([first, refused, booked, nothing]);
    expect(E.isRight(a)).toBe(true);
    expect(E.isLeft(b)).toBe(true);
    expect(E.isRight(c) && c.right.events.map((e) => e.type)).toEqual(['DepositInitiated']);
    expect(E.isRight(d) && d.right.events).toEqual([]);
  });

  it('a call booked twice writes once, whether alone or gathered with others', async () => {
    const { accounts, hold } = await opened();
    await accounts.executeChosen(ACCOUNT, (state) => (state.status === 'open' ? deposit('t1') : null), context('c1'));
    const release = hold();
    const busy = accounts.executeChosen(ACCOUNT, () => deposit('t2'), context('c2'));
    await new Promise(setImmediate);
    const again = accounts.executeChosen(ACCOUNT, () => deposit('t1'), context('c1'));
    release();
    await busy;
    const repeated = await again;
    expect(E.isLeft(repeated) || repeated.right.events.length === 0).toBe(true);
  });
});

describe('loadSeeing: a subscriber handed an account event', () => {
  const withReadsCounted = async () => {
    const inner = createInMemoryEventStore();
    let reads = 0;
    const store: EventStore = { ...inner, readStream: (...args) => { reads += 1; return inner.readStream(...args); } };
    const accounts = createAccounts(store);
    await accounts.execute(ACCOUNT, { type: 'OpenAccount', data: { accountId: ACCOUNT, email: 'a@b.c', atMs: AT_MS } }, context('open'));
    const events = async () => { const all = []; for await (const e of inner.readStream(accountStreamOf(ACCOUNT))) all.push(e); return all; };
    return { inner, accounts, events, reads: () => reads };
  };

  it('an event the cached state already holds (this process wrote after it) is served from the cache, with nothing read', async () => {
    const { accounts, events, reads } = await withReadsCounted();
    await accounts.execute(ACCOUNT, deposit('t1'), context('d1'));
    await accounts.execute(ACCOUNT, deposit('t2'), context('d2'));
    const [, first] = await events();
    const before = reads();
    const state = await accounts.loadSeeing(ACCOUNT, first!);
    expect(reads() - before).toBe(0);
    expect(state).toEqual(await accounts.load(ACCOUNT)); // the state after both deposits, not after the first
  });

  it('an event just past the cached state is folded in; one further ahead is read', async () => {
    const { inner, accounts, events, reads } = await withReadsCounted();
    const other = createAccounts(inner); // another process writes the account
    await other.execute(ACCOUNT, deposit('t1'), context('d1'));
    await other.execute(ACCOUNT, deposit('t2'), context('d2'));
    const [, first] = await events();
    let before = reads();
    await accounts.loadSeeing(ACCOUNT, first!);
    expect(reads() - before).toBe(0);
    await other.execute(ACCOUNT, deposit('t3'), context('d3'));
    const third = (await events())[3]!;
    before = reads();
    const state = await accounts.loadSeeing(ACCOUNT, third);
    expect(reads() - before).toBeGreaterThan(0); // the cache is at the first deposit, two behind
    expect(state).toEqual(await other.load(ACCOUNT));
  });
});
