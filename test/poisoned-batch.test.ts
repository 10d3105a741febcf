import { randomUUID } from 'node:crypto';
import { startTradingHarness, type TradingHarness } from './support/trading-harness';

/** Users depositing while the poisoned sign-ups arrive, and deposits each. */
const DEPOSITORS = 24;
const DEPOSITS_EACH = 6;
const POISONED_SIGN_UPS = 20;

let h: TradingHarness;
beforeAll(async () => { h = await startTradingHarness('poisoned_batch'); });
afterAll(async () => { await h.close(); });

/**
 * PostgreSQL's jsonb refuses NUL (22P05) and a lone surrogate (22P02). Group commit puts many users'
 * appends in one statement, so one such string used to fail every append batched with it.
 */
describe('one bad request never fails another', () => {
  it.each([
    ['NUL in a name', { first_name: 'Ann\u0000' }, 'first_name'],
    ['a lone high surrogate in a name', { last_name: 'Lee\ud800' }, 'last_name'],
    ['a lone low surrogate in a name', { first_name: '\udc00Ann' }, 'first_name'],
    ['NUL in the email', { email: 'ann\u0000@example.com' }, 'email'],
  ])('refuses %s with 400 VALIDATION_FAILED naming the field, and stores nothing', async (_label, fields, field) => {
    const email = `${randomUUID()}@example.com`;
    const reply = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: 'correct horse battery', ...fields } });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field });
    const again = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email, password: 'correct horse battery' } });
    expect(again.status).toBe(201);
  });

  it('refuses a lone surrogate in a JSON key too', async () => {
    const reply = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: `{"email":"${randomUUID()}@example.com","password":"correct horse battery","\\ud800":1}` });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('keeps a well-formed surrogate pair (an emoji) in a name', async () => {
    const reply = await h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email: `${randomUUID()}@example.com`, password: 'correct horse battery', first_name: 'Ann 🙂' } });
    expect(reply.status).toBe(201);
  });

  it(`${POISONED_SIGN_UPS} poisoned sign-ups next to ${DEPOSITORS * DEPOSITS_EACH} concurrent deposits: every deposit succeeds`, async () => {
    const depositors = await Promise.all(Array.from({ length: DEPOSITORS }, () => h.signUp()));
    // One deposit at a time per user (a user's own deposits would only contend for their account stream).
    const deposits = depositors.map(async (user) => {
      const replies = [];
      for (let n = 0; n < DEPOSITS_EACH; n += 1) {
        replies.push(await h.request('POST', '/v1/transfers', { token: user.token, key: randomUUID(), body: { direction: 'deposit', amount: '10.00' } }));
      }
      return replies;
    });
    const poisoned = Array.from({ length: POISONED_SIGN_UPS }, () =>
      h.request('POST', '/v1/accounts', { key: randomUUID(), body: { email: `${randomUUID()}@example.com`, password: 'correct horse battery', first_name: 'Ann\u0000' } }));
    const [depositsByUser, poisonedReplies] = await Promise.all([Promise.all(deposits), Promise.all(poisoned)]);
    const depositReplies = depositsByUser.flat();
    expect(depositReplies.map((reply) => reply.status)).toEqual(depositReplies.map(() => 201));
    expect(poisonedReplies.map((reply) => reply.status)).toEqual(poisonedReplies.map(() => 400));
  });
});
