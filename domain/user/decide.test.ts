import * as E from 'fp-ts/Either';
import { decideUser, evolveUser, initialUserState, type RegisterUser, type UserState } from './index';

const command = (overrides: Partial<RegisterUser['data']> = {}): RegisterUser => ({
  type: 'RegisterUser',
  data: {
    accountId: 'acc-1', email: 'ann@example.com', passwordHash: 'scrypt$hash-1', profile: { firstName: 'Ann' },
    requestId: 'req-1', atMs: 1_000, ...overrides,
  },
});

const registered = (): UserState => {
  const decided = decideUser(command(), initialUserState);
  if (E.isLeft(decided)) throw new Error('a new user is registered');
  return decided.right.reduce(evolveUser, initialUserState);
};

describe('the user decider', () => {
  it('registers a new email with its hash, profile and request', () => {
    expect(registered()).toEqual({
      status: 'registered', accountId: 'acc-1', email: 'ann@example.com', passwordHash: 'scrypt$hash-1',
      profile: { firstName: 'Ann' }, registeredAtMs: 1_000, requestId: 'req-1', roles: [], twoFactor: { status: 'off' },
    });
  });

  it('answers a provable retry (same request, password verified against the stored hash, same profile) with nothing to write', () => {
    expect(decideUser(command({ accountId: 'acc-2', passwordHash: '', passwordVerifiedAgainst: 'scrypt$hash-1' }), registered())).toEqual(E.right([]));
  });

  it('refuses the same request id without a verified password, or verified against another hash', () => {
    expect(decideUser(command(), registered())).toEqual(E.left(expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })));
    expect(decideUser(command({ passwordVerifiedAgainst: 'scrypt$other' }), registered())).toEqual(E.left(expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })));
  });

  it('refuses the same request with another profile even when the password verifies', () => {
    const other = command({ passwordVerifiedAgainst: 'scrypt$hash-1', profile: { firstName: 'Ann', lastName: 'Other' } });
    expect(decideUser(other, registered())).toEqual(E.left(expect.objectContaining({ code: 'IDEMPOTENCY_KEY_REUSED' })));
  });

  it('refuses another request for a registered email as EMAIL_TAKEN, whatever it proves', () => {
    expect(decideUser(command({ requestId: 'req-2', passwordVerifiedAgainst: 'scrypt$hash-1' }), registered()))
      .toEqual(E.left({ code: 'EMAIL_TAKEN', message: expect.any(String), field: 'email' }));
  });

  it('never takes a registration written before request ids were recorded for a retry', () => {
    const legacy = evolveUser(initialUserState, {
      type: 'UserRegistered', data: { schemaVersion: 1, accountId: 'acc-1', email: 'ann@example.com', passwordHash: 'scrypt$hash-1', registeredAtMs: 1 },
    });
    expect(decideUser(command({ passwordVerifiedAgainst: 'scrypt$hash-1', profile: {} }), legacy)).toEqual(E.left(expect.objectContaining({ code: 'EMAIL_TAKEN' })));
  });
});
