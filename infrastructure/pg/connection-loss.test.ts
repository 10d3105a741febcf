import { isConnectionLoss } from './connection-loss';

describe('isConnectionLoss', () => {
  it.each([
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, true],
    [{ code: '08006', message: 'connection failure' }, true],
    [new Error('Connection terminated unexpectedly'), true],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    [{ code: '22P05', message: 'unsupported Unicode escape sequence' }, false],
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }, false],
    [{ code: '40P01', message: 'deadlock detected' }, false],
    [new Error('something else'), false],
    ['Connection terminated', false],
  ])('%j → %s', (error, lost) => {
    expect(isConnectionLoss(error)).toBe(lost);
  });
});
